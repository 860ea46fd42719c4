// ranktopo — what a communicator backend is asked to do.
//
// A backend turns one planned creation into a handle (an MPI_Comm, an
// ncclComm_t, an HCCL group, a record in a log) and later destroys it. It is
// told everything a collective split needs on this rank — the creation's
// name, its whole family, and this rank's group and position in it — so it
// never has to enumerate the groups: MPI_Comm_split(parent, group, position),
// ncclCommSplit(parent, group, position) and friends take exactly that.
#pragma once

#include <array>
#include <concepts>
#include <span>
#include <string_view>
#include <utility>

#include "ranktopo/family.hpp"

namespace ranktopo {

/// One communicator to create on this rank.
struct creation_request {
    int index = -1;                  ///< position in creation order (registry::creations()); -1 outside a registry
    std::string_view name;           ///< the reference's group name: engines pick per-group resources from it
    const family* groups = nullptr;  ///< every group of the creation, computed on access
    int rank = 0;                    ///< this rank, in 0..groups->world_size()-1
    location self;                   ///< this rank's group index and position: groups->locate(rank)
    /// Every accessor this creation serves ("otp", "mlp_tp" when MLP TP shares
    /// o_proj's size; "tp" for vLLM's), so that per-group settings keyed by any
    /// of its names are found. Empty outside a registry.
    std::span<const std::string_view> accessors = {};

    /// The ranks of this rank's group, in position order.
    [[nodiscard]] group_view members() const { return groups->group(self.group); }

    /// Whether `key` names this creation: its name, an accessor it serves,
    /// or the creation name a fine-grained module it serves has on its own
    /// ("mlptp" for mlp_tp, even when mlp_tp shares "otp"). For per-group
    /// settings an engine keys by any of these names.
    [[nodiscard]] bool answers_to(std::string_view key) const noexcept;
};

namespace detail {

/// Each fine-grained module's accessor and the name of the creation it makes
/// when no module before it has its size.
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 4> module_creation_names{{
    {"otp", "otp"},
    {"lmhead_tp", "lmheadtp"},
    {"embed_tp", "emtp"},
    {"mlp_tp", "mlptp"},
}};

}  // namespace detail

inline bool creation_request::answers_to(std::string_view key) const noexcept {
    if (key == name) return true;
    for (const std::string_view a : accessors) {
        if (key == a) return true;
        for (const auto& [module, own_name] : detail::module_creation_names) {
            if (a == module && key == own_name) return true;
        }
    }
    return false;
}

/// The request for `rank` in `groups`, e.g. for an engine's own TP group
/// built through the same backend as the registry's.
[[nodiscard]] inline creation_request make_request(std::string_view name, const family& groups, int rank,
                                                   int index = -1) {
    return {index, name, &groups, rank, groups.locate(rank), {}};
}

/// A communicator backend. `create` returns a handle for this rank's group
/// of the request, or throws; `destroy` releases a handle it created, or
/// throws. Handles are plain values (copied out to every caller of
/// registry::get). Collective backends must be called in the same order on
/// every rank: the registry does so in plan order.
template <class B>
concept communicator_backend = std::copyable<typename B::handle_type> &&
    requires(B& b, const creation_request& request, typename B::handle_type handle) {
    { b.create(request) } -> std::same_as<typename B::handle_type>;
    b.destroy(handle);
};

}  // namespace ranktopo
