// The work each rank does to create a plan's process groups, computed from
// the plan (nothing is run): vLLM's way, torch.distributed.new_group for
// every group on every rank (PyTorch 1.13, Gloo), against ranktopo's
// members-only creation (ranktopo::torch::backend over Gloo), without and
// with the registry's sharing.
//
// Store operations are counted as calls on the c10d::Store the process
// group sees (a counting store wrapped around it sees exactly these):
//   - Gloo's rendezvous (gloo::Context::connectFullMesh, PyTorch 1.13's
//     Gloo) of a group of s ranks, at position p: a set of its host name
//     ("rank_<p>") and a get of each lower position's, a set of its
//     addresses, then a wait and a get for each of the s - 1 others:
//     2 + p + 2 (s - 1) (counted key by key with a logging store); its full
//     mesh is s - 1 connections.
//   - PyTorch 1.13's new_group (distributed_c10d.py): every rank of the
//     world calls it for every group and then runs _store_based_barrier,
//     a world-wide round: one add, then add(0) polls every 10 ms until all
//     ranks arrived (at least one: the figure is a lower bound). A member
//     then runs _set_sequence_number_for_group: the group's rank 0 (its
//     lowest world rank: new_group sorts the ranks) sets a key, the others
//     wait for it and get it.
//   - ranktopo: registry::init's agreement (backend::all_gather): a set, a
//     wait and a get, on every rank but 0, which reads every rank's record
//     (world_size + 3); then, per handle this rank owns, Gloo's rendezvous;
//     no barrier, no sequence number, no call for a group it is not in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ranktopo/backend.hpp"
#include "ranktopo/registry.hpp"

namespace ranktopo::bench {

/// One rank's creation work.
struct creation_work {
    // vLLM's way: new_group for every group of every creation.
    std::int64_t new_group_calls = 0;  ///< also the world-wide barrier rounds
    std::int64_t vllm_member_groups = 0;
    std::int64_t vllm_store_ops = 0;      ///< lower bound: one poll per barrier
    std::int64_t vllm_barrier_polls = 0;  ///< of vllm_store_ops: at least one add(0) per barrier
    // ranktopo members-only.
    std::int64_t own_groups = 0;  ///< process groups this rank constructs
    std::int64_t gloo_connections = 0;
    std::int64_t store_ops = 0;
};

namespace detail {

/// A backend that only counts what one rank would construct.
struct counting_backend {
    using handle_type = int;
    std::vector<std::pair<int, int>> made;  ///< each handle's group size and this rank's position
    handle_type create(const creation_request& request) {
        made.emplace_back(request.members().size(), request.self.position);
        return static_cast<int>(made.size());
    }
    void destroy(handle_type) {}
};

/// Gloo's rendezvous of a group of `size` at `position`: store calls.
[[nodiscard]] constexpr std::int64_t rendezvous_ops(std::int64_t size, std::int64_t position) noexcept {
    return 2 + position + 2 * (size - 1);
}

}  // namespace detail

/// A sharing key that shares every pair of identical groups, whatever
/// their options (CPU groups: Gloo has no per-group buffers).
[[nodiscard]] inline std::string any_options_key(std::string_view, const config&) {
    return "any";
}

/// Rank `rank`'s work on `c`: vLLM's way over the same creations as the
/// registry's (vLLM's own groups first with `setup.vllm_groups`), and
/// ranktopo's members-only creation with `setup`'s sharing.
[[nodiscard]] inline creation_work creation_work_of(const config& c, int rank, init_options setup) {
    const bool vllm_groups = setup.vllm_groups;
    setup.engine_checks = false;
    creation_work out;
    detail::counting_backend counted;
    registry<detail::counting_backend> r;
    r.init(c, counted, rank, setup, vllm_groups ? std::nullopt : std::optional<int>(0));
    // vLLM's way: every creation's every group, through new_group, on every rank.
    const plan p = make_plan(c);
    std::vector<family> all;
    if (vllm_groups) {
        for (std::string_view v : ranktopo::detail::vllm_creation_order)
            all.push_back(ranktopo::detail::vllm_family(v, c));
    }
    for (const creation& made : p.creations) all.push_back(made.groups);
    for (const family& f : all) {
        const std::int64_t groups = f.group_count();
        out.new_group_calls += groups;
        out.vllm_barrier_polls += groups;
        out.vllm_store_ops += 2 * groups;  // the barrier's add and at least one poll, per call
        const location me = f.locate(rank);
        if (me.group < 0) continue;
        ++out.vllm_member_groups;
        // new_group sorts the ranks: the position is the number of lower members.
        std::int64_t below = 0;
        for (int m : f.group(me.group)) below += m < rank ? 1 : 0;
        out.vllm_store_ops += detail::rendezvous_ops(f.group_size(), below) + (below == 0 ? 1 : 2);
    }
    out.store_ops = rank == 0 ? c.world_size + 3 : 3;
    for (const auto& [size, position] : counted.made) {
        ++out.own_groups;
        out.gloo_connections += size - 1;
        out.store_ops += detail::rendezvous_ops(size, position);
    }
    r.destroy();
    return out;
}

}  // namespace ranktopo::bench
