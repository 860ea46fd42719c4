// ranktopo — the PyTorch backend (ranktopo::torch): c10d process groups,
// each rank constructing only the groups it belongs to.
//
// vLLM calls torch.distributed.new_group for every group on every rank, so
// each rank's start-up work grows with the number of groups. Here a rank
// knows its own group and position from family::locate and constructs that
// one group per creation, under a store prefix that only its members use:
// a constant number of constructions per rank, and no world-wide collective.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include "ranktopo/agreement.hpp"
#include "ranktopo/backend.hpp"

namespace ranktopo::torch {

using process_group = c10::intrusive_ptr<c10d::ProcessGroup>;
using store = c10::intrusive_ptr<c10d::Store>;

/// Builds the process group of this rank's group of `request`: `group_store`
/// is a store only this group's members use, `rank_in_group` is this rank's
/// position, `group_size` the number of members. An engine passes its own to
/// build NCCL or HCCL groups, picking per-group options from request.name.
using factory = std::function<process_group(const store& group_store, int rank_in_group, int group_size,
                                            const creation_request& request)>;

/// The default factory: a ProcessGroupGloo on CPU over the loopback device
/// (127.0.0.1), whose rendezvous and collectives time out after `timeout`.
[[nodiscard]] factory gloo_factory(std::chrono::milliseconds timeout);

/// A communicator_backend over c10d. Every rank of the world constructs one
/// backend over the same store (a TCPStore or FileStore) with the same
/// world size, and the registries of all ranks create in the same order, as
/// any collective backend needs. Errors are backend_error, naming the
/// function, the creation, the group and the values.
class backend {
public:
    using handle_type = process_group;

    static constexpr std::chrono::milliseconds default_timeout{std::chrono::seconds(300)};

    /// `shared` must be the same store on every rank; `make` defaults to
    /// gloo_factory(timeout). Sets the store's timeout to `timeout`, which
    /// bounds every wait of a rendezvous (Gloo reads keys with it). Throws backend_error for a null store, a rank
    /// outside [0, world_size) or a non-positive timeout.
    backend(store shared, int rank, int world_size, std::chrono::milliseconds timeout = default_timeout,
            factory make = {});
    backend(const backend&) = delete;
    backend& operator=(const backend&) = delete;

    /// The process group of this rank's group of `request`, constructed by
    /// its members only, under the store prefix
    /// "ranktopo/create/<index>/<generation>/<group>", where generation
    /// counts the creations of that index through this backend (identical on
    /// every rank, since every rank creates every creation once per init):
    /// destroying and creating again never meets the keys of an earlier
    /// group. The name is not part of it: p_tp's follows each rank's
    /// local_rank, so members of one group may see different names. A
    /// request from outside a registry (index -1) uses
    /// "ranktopo/create/engine/<name>/<generation>/<group>". Throws backend_error naming the creation and
    /// the group when the factory fails, e.g. when a member does not arrive
    /// within the timeout.
    [[nodiscard]] process_group create(const creation_request& request);

    /// Releases the backend's reference; the group is torn down when the
    /// last copy of the handle goes. Throws backend_error for a null handle.
    void destroy(const process_group& group);

    /// Agreement through the store: every rank calls it once per round with
    /// a buffer of the same size; returns world_size() * mine.size() bytes,
    /// rank r's at offset r * mine.size(). Each rank writes
    /// "ranktopo/agree/<round>/<rank>"; rank 0 reads them all and writes
    /// their concatenation to "ranktopo/agree/<round>/all", which the others
    /// read: three store calls per rank (rank 0: world_size + 3), not one per
    /// rank on every rank. The round counts this backend's calls, so a later
    /// round never reads an earlier one's bytes. Throws backend_error naming
    /// the ranks missing after the timeout, or a rank whose buffer has
    /// another size (on every rank alike).
    [[nodiscard]] std::vector<std::byte> all_gather(std::span<const std::byte> mine);

    [[nodiscard]] int rank() const noexcept { return rank_; }
    [[nodiscard]] int size() const noexcept { return world_size_; }
    [[nodiscard]] std::chrono::milliseconds timeout() const noexcept { return timeout_; }
    /// Process groups constructed and released so far through this backend.
    [[nodiscard]] int created() const;
    [[nodiscard]] int destroyed() const;

private:
    store store_;
    int rank_;
    int world_size_;
    std::chrono::milliseconds timeout_;
    factory make_;
    mutable std::mutex mutex_;  ///< guards the counters below: a registry may be used from several threads
    std::map<std::pair<int, std::string>, std::int64_t> generations_;  ///< by (creation index, name if index < 0)
    std::int64_t agreement_rounds_ = 0;
    int created_ = 0;
    int destroyed_ = 0;
};

static_assert(communicator_backend<backend>);
static_assert(agreeing_backend<backend>);  // registry::init agrees on the plan through the store

}  // namespace ranktopo::torch
