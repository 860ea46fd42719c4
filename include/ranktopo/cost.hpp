// ranktopo — what each rank pays for its communicators, per release.
//
// Every GroupCoordinator vllm-ascend creates gives each member rank a device
// (HCCL) communicator and a CPU (Gloo) one. HCCL allocates 2 × the group's
// hccl_buffer_size (MB) for a device communicator when it first communicates;
// vLLM communicates on no one-rank group, so those cost nothing. What is
// counted here is the ceiling: a communicator that never communicates
// allocates nothing.
//
// From 0.19.1rc1 vllm-ascend reuses HCCL process groups
// (vllm_ascend/patch/worker/_hccl_pg_registry.py, patch_distributed.py): the
// key is (backend, ranks, hccl_config, reuse domain), the domain being the
// group name's base (before ':') when it is "mc2" or contains "eplb", else
// "shared". Up to 0.20.2rc1 hccl_config is {hccl_buffer_size} (nothing for
// mc2), so groups of different names with equal ranks and buffer size share
// a device group; from 0.21.0rc1 create_hccl_pg_options (utils.py) puts
// group_name into hccl_config, so groups of different names never do.
//
// Everything is per-rank arithmetic on layouts (same_group_of), O(families²
// · modes) per rank, and every rank pays alike (costliest_rank).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ranktopo/config.hpp"
#include "ranktopo/error.hpp"
#include "ranktopo/hccl.hpp"
#include "ranktopo/identical.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/release.hpp"

namespace ranktopo {

/// How a release reuses HCCL process groups.
enum class hccl_reuse : std::uint8_t {
    none,         ///< before 0.19.1rc1: no registry, every creation its own device group
    by_options,   ///< 0.19.1rc1, 0.20.2rc1: equal ranks, hccl_config and domain share
    name_in_key,  ///< 0.21.0rc1 on: hccl_config holds group_name, so only equal names could share
};

[[nodiscard]] inline hccl_reuse hccl_reuse_of(release r) {
    if (r.index() < release::find("0.19.1rc1")->index()) return hccl_reuse::none;
    if (r.index() < release::find("0.21.0rc1")->index()) return hccl_reuse::by_options;
    return hccl_reuse::name_in_key;
}

/// patch_distributed.py's _resolve_reuse_domain: the name before ':' when it
/// is "mc2" or contains "eplb", else "shared".
[[nodiscard]] inline std::string hccl_reuse_domain(std::string_view group_name) {
    const std::string_view base = group_name.substr(0, group_name.find(':'));
    if (base == "mc2" || base.find("eplb") != std::string_view::npos) return std::string(base);
    return "shared";
}

struct cost_options {
    int hccl_buffsize_mb = 200;  ///< the HCCL_BUFFSIZE environment variable: mc2's buffer
};

struct communicator_cost {
    std::string name;          ///< the family's name ("tp", "mc2", "p_tp")
    std::string communicator;  ///< the group name it is created with ("p_tp_3")
    int group_size = 0;
    int hccl_buffer_mb = 0;        ///< hccl_config's hccl_buffer_size, or HCCL_BUFFSIZE
    bool buffer_from_env = false;  ///< no hccl_config: HCCL_BUFFSIZE sizes it (mc2)
    std::string reuse_domain;      ///< empty before 0.19.1rc1
    /// The communicator whose device group the release's registry serves
    /// this one, or nothing when it creates its own.
    std::optional<std::string> device_shared_with;
};

struct rank_cost {
    int rank = 0;
    std::string release;
    hccl_reuse reuse = hccl_reuse::none;
    std::vector<communicator_cost> communicators;     ///< every family, the order enabled_families() gives
    int device_communicators = 0;                     ///< device groups after reuse
    int cpu_communicators = 0;                        ///< one Gloo group per communicator
    long long hccl_memory_mb = 0;                     ///< 2 × buffer per device group of more than one rank
    std::vector<std::vector<std::string>> identical;  ///< families with identical groups (more than one rank)
    /// Sharing every communicator whose group (of this rank) equals an
    /// earlier one's, whatever its name or options, with the largest buffer.
    int device_communicators_if_identical_shared = 0;
    long long hccl_memory_if_identical_shared_mb = 0;
};

namespace detail {

/// Whether a release's registry key of `a`'s and `b`'s groups can be equal,
/// ranks aside: equal hccl_config and equal domain.
[[nodiscard]] inline bool same_hccl_key(hccl_reuse reuse, const std::string& a, const std::string& b, const config& c) {
    if (reuse == hccl_reuse::none) return false;
    if (reuse == hccl_reuse::name_in_key && a != b) return false;
    return hccl_buffer_size(a, c) == hccl_buffer_size(b, c) && hccl_reuse_domain(a) == hccl_reuse_domain(b);
}

/// vLLM's groups in the order initialize_model_parallel creates them (dcp
/// when the config has it), before the reference's creations.
inline constexpr std::array<std::string_view, 7> vllm_group_creation_order{"world", "tp", "dcp", "pcp",
                                                                           "pp",    "dp", "ep"};

/// `p`'s families in creation order: the order the registry sees them.
[[nodiscard]] inline std::vector<named_family> families_in_creation_order(const plan& p) {
    std::vector<named_family> all = enabled_families(p);
    const auto rank_of = [](const named_family& f) {
        if (f.origin != family_origin::vllm) return vllm_group_creation_order.size();
        const auto at = std::find(vllm_group_creation_order.begin(), vllm_group_creation_order.end(), f.name);
        return static_cast<std::size_t>(at - vllm_group_creation_order.begin());
    };
    std::stable_sort(all.begin(), all.end(),
                     [&](const named_family& a, const named_family& b) { return rank_of(a) < rank_of(b); });
    return all;
}

}  // namespace detail

/// What rank `rank` pays on `p`'s release. Throws lookup_error for a rank
/// outside the world, config_error for a non-positive HCCL_BUFFSIZE.
[[nodiscard]] inline rank_cost cost(const plan& p, int rank, const cost_options& settings = {}) {
    const config& c = p.topology;
    if (rank < 0 || rank >= c.world_size) {
        throw lookup_error(detail::cat("ranktopo::cost: rank ", rank, " is outside [0, ", c.world_size, ")"));
    }
    if (settings.hccl_buffsize_mb < 1) {
        throw config_error(
            "ranktopo::cost",
            {{"HCCL_BUFFSIZE", detail::cat("HCCL_BUFFSIZE ", settings.hccl_buffsize_mb, " must be at least 1 (MB)")}});
    }
    const std::vector<named_family> all = detail::families_in_creation_order(p);
    rank_cost out;
    out.rank = rank;
    out.release = std::string(c.vllm_ascend_version.version());
    out.reuse = hccl_reuse_of(c.vllm_ascend_version);
    out.identical = identical_group_names(all);
    std::vector<int> identical_owner(all.size());  // first communicator with this rank's group
    for (std::size_t i = 0; i < all.size(); ++i) {
        const named_family& f = all[i];
        communicator_cost e;
        e.name = f.name;
        e.communicator = f.communicator;
        e.group_size = f.groups.group_size();
        const std::optional<int> buffer = hccl_buffer_size(f.communicator, c);
        e.buffer_from_env = !buffer.has_value();
        e.hccl_buffer_mb = buffer.value_or(settings.hccl_buffsize_mb);
        if (out.reuse != hccl_reuse::none) e.reuse_domain = hccl_reuse_domain(f.communicator);
        identical_owner[i] = static_cast<int>(i);
        for (std::size_t k = 0; k < i; ++k) {
            if (!same_group_of(all[k].groups, f.groups, rank)) continue;
            if (identical_owner[i] == static_cast<int>(i)) identical_owner[i] = identical_owner[k];
            if (!e.device_shared_with && detail::same_hccl_key(out.reuse, all[k].communicator, f.communicator, c)) {
                const communicator_cost& owner = out.communicators[k];
                e.device_shared_with = owner.device_shared_with.value_or(owner.name);
            }
        }
        ++out.cpu_communicators;
        if (!e.device_shared_with) {
            ++out.device_communicators;
            if (e.group_size > 1) out.hccl_memory_mb += 2LL * e.hccl_buffer_mb;
        }
        out.communicators.push_back(std::move(e));
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (identical_owner[i] != static_cast<int>(i)) continue;
        ++out.device_communicators_if_identical_shared;
        int largest = 0;
        for (std::size_t k = i; k < all.size(); ++k)
            if (identical_owner[k] == static_cast<int>(i))
                largest = std::max(largest, out.communicators[k].hccl_buffer_mb);
        if (out.communicators[i].group_size > 1) out.hccl_memory_if_identical_shared_mb += 2LL * largest;
    }
    return out;
}

/// The lowest rank with the most HCCL memory: rank 0, for every rank pays
/// alike. Each family partitions 0..N-1 and a partition's groups follow from
/// its member mapping (the lowest rank not yet covered must start a group,
/// its offsets being >= 0), so two families give some rank the same group
/// only when they hold the same groups; a rank's cost then depends on the
/// families and group sizes alone. The identical-groups property test checks
/// that no pair of families shares some groups and not others.
[[nodiscard]] inline int costliest_rank(const plan& p, const cost_options& settings = {}) {
    (void)p;
    (void)settings;
    return 0;
}

}  // namespace ranktopo
