// ranktopo — the plan: which communicators to create, in which order, who
// shares them, and in which order they are torn down.
//
// A plan is pure data computed from the config alone, so every rank builds
// the same one: the canonical order collective backends need.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "ranktopo/config.hpp"
#include "ranktopo/families.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {

/// The reference's group accessors (get_mc2_group() and friends).
enum class accessor : std::uint8_t {
    mc2,
    mlp_tp,
    otp,
    lmhead_tp,
    embed_tp,
    flashcomm2_otp,
    flashcomm2_odp,
    fc3_quant_x,
    shard_weight,
    p_tp,
    dynamic_eplb,
};

inline constexpr std::size_t accessor_count = 11;

inline constexpr std::array<std::string_view, accessor_count> accessor_names{
    "mc2",         "mlp_tp",       "otp",  "lmhead_tp",   "embed_tp", "flashcomm2_otp", "flashcomm2_odp",
    "fc3_quant_x", "shard_weight", "p_tp", "dynamic_eplb"};

[[nodiscard]] constexpr std::string_view name(accessor a) noexcept {
    return accessor_names[static_cast<std::size_t>(a)];
}

[[nodiscard]] constexpr std::optional<accessor> find_accessor(std::string_view text) noexcept {
    for (std::size_t i = 0; i < accessor_count; ++i) {
        if (accessor_names[i] == text) return static_cast<accessor>(i);
    }
    return std::nullopt;
}

/// The step of init_ascend_model_parallel that binds accessor `a`.
[[nodiscard]] constexpr step step_of(accessor a) noexcept {
    switch (a) {
        case accessor::mc2: return step::mc2;
        case accessor::mlp_tp:
        case accessor::otp:
        case accessor::lmhead_tp:
        case accessor::embed_tp: return step::fine_grained;
        case accessor::flashcomm2_otp:
        case accessor::flashcomm2_odp: return step::flashcomm2;
        case accessor::fc3_quant_x: return step::fc3_quant_x;
        case accessor::shard_weight: return step::shard_weight;
        case accessor::p_tp: return step::p_tp;
        case accessor::dynamic_eplb: return step::dynamic_eplb;
    }
    return step::mc2;
}

/// One communicator to create: the name the reference passes (engines pick
/// per-group resources from it) and its groups.
struct creation {
    std::string name;
    family groups;
};

/// What an accessor returns: nothing, a planned creation, or the engine's
/// own tensor-parallel group (borrowed: never created or destroyed here).
struct binding {
    enum class kind : std::uint8_t { none, created, borrowed_tp };
    kind source = kind::none;
    int creation = -1;  ///< index into plan::creations when source == created

    [[nodiscard]] static constexpr binding created_at(int index) noexcept { return {kind::created, index}; }
    [[nodiscard]] static constexpr binding borrowed() noexcept { return {kind::borrowed_tp, -1}; }
    friend constexpr bool operator==(const binding&, const binding&) = default;
};

/// The reference's init_ascend_model_parallel / destroy_ascend_model_parallel, as data.
struct plan {
    config topology;
    std::vector<creation> creations;                ///< in creation order
    std::array<binding, accessor_count> handles{};  ///< by accessor
    std::vector<int> destroy_order;                 ///< distinct owned creations, first teardown first

    [[nodiscard]] const binding& handle(accessor a) const noexcept { return handles[static_cast<std::size_t>(a)]; }
};

/// The reference's teardown sequence (destroy_ascend_model_parallel), the
/// same in every release but for the groups a release does not have.
inline constexpr std::array<accessor, accessor_count> teardown_sequence{
    accessor::mc2,          accessor::mlp_tp,      accessor::lmhead_tp,      accessor::embed_tp,
    accessor::otp,          accessor::p_tp,        accessor::flashcomm2_otp, accessor::flashcomm2_odp,
    accessor::shard_weight, accessor::fc3_quant_x, accessor::dynamic_eplb};

/// The plan for `c`: the steps of its release's recipe, in order. Throws
/// config_error, naming the option(s) and values, for any config the
/// release cannot serve: never a partial plan.
[[nodiscard]] inline plan make_plan(const config& c) {
    require_valid(c, "ranktopo::make_plan");
    plan out;
    out.topology = c;
    const auto create = [&](accessor a, std::string name, family groups) {
        out.creations.push_back({std::move(name), std::move(groups)});
        out.handles[static_cast<std::size_t>(a)] = binding::created_at(static_cast<int>(out.creations.size() - 1));
    };
    // dynamic_eplb and fc3_quant_x are separate communicators over mc2's groups.
    const auto mc2_family = [&] {
        return out.creations[static_cast<std::size_t>(out.handle(accessor::mc2).creation)].groups;
    };

    for (const step s : c.vllm_ascend_version.layout().steps) {
        switch (s) {
            case step::p_tp: {
                if (!detail::p_tp_enabled(c)) break;
                family groups = families::p_tp(c);
                // Named after the group holding local_rank (not the global rank), and
                // "p_tp_None" when local_rank is beyond the world: the reference's
                // quirks, kept so names agree with the Python side.
                const std::string index = c.local_rank < c.world_size
                                              ? std::to_string(groups.locate(c.local_rank).group)
                                              : std::string("None");
                create(accessor::p_tp, "p_tp_" + index, std::move(groups));
                break;
            }
            case step::mc2: create(accessor::mc2, "mc2", families::mc2(c)); break;
            case step::dynamic_eplb:
                if (c.dynamic_eplb) create(accessor::dynamic_eplb, "dynamic_eplb", mc2_family());
                break;
            case step::fc3_quant_x:
                if (c.multistream_overlap_gate) create(accessor::fc3_quant_x, "fc3_quant_x", mc2_family());
                break;
            case step::fine_grained: {
                // One creation per distinct size, named after the first module with it.
                const std::array<std::tuple<accessor, const char*, int>, 4> modules{{
                    {accessor::otp, "otp", c.oproj_tensor_parallel_size},
                    {accessor::lmhead_tp, "lmheadtp", c.lmhead_tensor_parallel_size},
                    {accessor::embed_tp, "emtp", c.embedding_tensor_parallel_size},
                    {accessor::mlp_tp, "mlptp", c.mlp_tensor_parallel_size},
                }};
                std::vector<std::pair<int, binding>> created_by_size;
                for (const auto& [who, name, size] : modules) {
                    if (size <= 0) continue;
                    const auto same = std::find_if(created_by_size.begin(), created_by_size.end(),
                                                   [size = size](const auto& entry) { return entry.first == size; });
                    if (same != created_by_size.end()) {
                        out.handles[static_cast<std::size_t>(who)] = same->second;
                    } else {
                        create(who, name, families::fine_grained(c, size));
                        created_by_size.emplace_back(size, out.handle(who));
                    }
                }
                break;
            }
            case step::flashcomm2:
                if (!c.flashcomm2_enabled) break;
                if (detail::flashcomm2_groups_enabled(c)) {
                    create(accessor::flashcomm2_otp, "flashcomm2_otp", families::flashcomm2_otp(c));
                    create(accessor::flashcomm2_odp, "flashcomm2_odp", families::flashcomm2_odp(c));
                } else {
                    out.handles[static_cast<std::size_t>(accessor::flashcomm2_odp)] = binding::borrowed();
                }
                break;
            case step::shard_weight:
                if (c.layer_sharding) create(accessor::shard_weight, "shard_weight", families::shard_weight(c));
                break;
        }
    }

    for (accessor a : teardown_sequence) {
        const binding& b = out.handle(a);
        if (b.source != binding::kind::created) continue;
        if (std::find(out.destroy_order.begin(), out.destroy_order.end(), b.creation) == out.destroy_order.end()) {
            out.destroy_order.push_back(b.creation);
        }
    }
    return out;
}

}  // namespace ranktopo
