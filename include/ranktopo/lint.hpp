// ranktopo — a topology's checks: axes per family, the reference's quirks
// that apply, vllm-ascend's own rules, and groups that cross nodes.
//
// Everything is decided from the layouts: which axes vary inside a family's
// groups comes from analyze_axes() against vLLM's coordinates (E, D, P, C, T),
// and a quirk is reported when its effect shows in the layouts, not when a
// hand-written condition on the sizes says so. Fast at 2^20 ranks: arithmetic
// on modes, O(N) only where radices do not refine one another.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ranktopo/analysis.hpp"
#include "ranktopo/config.hpp"
#include "ranktopo/engine_checks.hpp"
#include "ranktopo/families.hpp"
#include "ranktopo/identical.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {

/// Letters of vLLM's coordinate axes, in the order of coordinates(c).
inline constexpr std::array<char, 5> axis_letters{'e', 'd', 'p', 'c', 't'};

/// One family's analysis.
struct family_check {
    std::string name;
    int group_count = 0;
    int group_size = 0;
    axis_analysis axes;              ///< against coordinates(c): e, d, p, c, t
    int groups_crossing_nodes = -1;  ///< -1 unless ranks_per_node was given
};

enum class lint_kind {
    mixes_axes,       ///< a family's groups mix pipeline stages or external replicas
    reference_quirk,  ///< a known quirk of the reference shows in this config
    engine_check,     ///< a vllm-ascend rule (engine_checks()) fails
    crosses_nodes,    ///< groups of a node-local family (node_local_families) cross nodes
    note,             ///< not a warning: something the config cannot decide
};

/// The kind as `ranktopo lint --format json` names it ("mixes_axes", ...).
[[nodiscard]] constexpr std::string_view name(lint_kind k) noexcept {
    switch (k) {
        case lint_kind::mixes_axes: return "mixes_axes";
        case lint_kind::reference_quirk: return "reference_quirk";
        case lint_kind::engine_check: return "engine_check";
        case lint_kind::crosses_nodes: return "crosses_nodes";
        case lint_kind::note: break;
    }
    return "note";
}

struct lint_finding {
    lint_kind kind = lint_kind::note;
    std::vector<std::string> families;  ///< the families concerned, if any
    std::string message;
};

struct lint_report {
    config topology;
    int ranks_per_node = 0;  ///< 0: not given
    std::vector<family_check> families;
    std::vector<lint_finding> warnings;
    std::vector<lint_finding> notes;
};

/// The families whose groups vllm-ascend's guidance keeps inside one node
/// (its deployment tutorials: tensor parallelism within a node, over HCCS;
/// DP, EP and PP may cross nodes). The fine-grained TP families (otp,
/// mlptp, ...) are not here: they group ranks across DP replicas by design.
/// lint warns when their groups cross nodes.
inline constexpr std::array<std::string_view, 1> node_local_families{"tp"};

namespace detail {

/// The axes a family exists to span: every one for world, p for pp.
[[nodiscard]] inline bool spans_by_design(std::string_view family_name, int axis) noexcept {
    return family_name == "world" || (family_name == "pp" && axis == axis_p);
}

[[nodiscard]] inline const family_check* check_of(const lint_report& r, std::string_view name) noexcept {
    for (const family_check& f : r.families)
        if (f.name == name) return &f;
    return nullptr;
}

inline void add_mixing_warnings(lint_report& r) {
    for (const family_check& f : r.families) {
        std::string what;
        std::string counts;
        for (const auto& [axis, label] :
             {std::pair{axis_p, "pipeline stages"}, std::pair{axis_e, "external replicas"}}) {
            if (spans_by_design(f.name, axis) || f.axes.fixed(axis)) continue;
            what += cat(what.empty() ? "" : " and ", label);
            counts += cat(counts.empty() ? "" : ", ", std::string(1, axis_letters[static_cast<std::size_t>(axis)]),
                          " varies inside ", f.axes.varying_in(axis), " of ", f.group_count, " groups");
        }
        if (!what.empty()) {
            r.warnings.push_back(
                {lint_kind::mixes_axes, {f.name}, cat(f.name, " groups mix ", what, " (", counts, ")")});
        }
    }
}

/// The first release whose mc2 groups are vLLM's EP groups.
[[nodiscard]] inline std::string_view releases_with_ep_mc2() noexcept {
    for (const release_info& info : releases)
        if (info.layout->mc2 == mc2_groups::vllm_ep) return info.version;
    return "no release";
}

inline void add_quirks(lint_report& r, const plan& p) {
    const config& c = p.topology;
    const auto mixes_stages = [&](std::string_view name) {
        const family_check* f = check_of(r, name);
        return f != nullptr && f->axes.varies(axis_p);
    };
    const auto present = [&](std::initializer_list<std::string_view> names) {
        std::vector<std::string> out;
        for (std::string_view n : names)
            if (check_of(r, n) != nullptr) out.emplace_back(n);
        return out;
    };

    if (mixes_stages("mc2")) {
        r.warnings.push_back(
            {lint_kind::reference_quirk, present({"mc2", "dynamic_eplb", "fc3_quant_x"}),
             cat("reference quirk: in vllm-ascend ", c.vllm_ascend_version.version(),
                 " mc2 (and dynamic_eplb, fc3_quant_x) are consecutive blocks of D*C*T = ",
                 c.data_parallel_size * c.prefill_context_parallel_size * c.tensor_parallel_size,
                 " ranks, which span pipeline stages here; vLLM's ep groups keep one stage (vllm-ascend "
                 "switched to them in ",
                 releases_with_ep_mc2(), ")")});
    }

    std::vector<std::string> fine_grained;
    for (const std::string& n : present({"otp", "lmheadtp", "emtp", "mlptp"}))
        if (mixes_stages(n)) fine_grained.push_back(n);
    if (!fine_grained.empty()) {
        r.warnings.push_back(
            {lint_kind::reference_quirk, fine_grained,
             "reference quirk: the fine-grained TP grid is pp-major (p*D*T + d*T + t), so its groups take ranks "
             "of different pipeline stages where vLLM's dp-major grid would take DP replicas of one stage"});
    }

    if (mixes_stages("shard_weight")) {
        r.warnings.push_back(
            {lint_kind::reference_quirk,
             {"shard_weight"},
             cat("reference quirk: shard_weight views the module-TP rows, in vLLM's order, as (P, G) = (",
                 c.pipeline_parallel_size, ", ...), so its groups follow row order rather than the pipeline stage")});
    }

    if (p.handle(accessor::p_tp).source == binding::kind::created) {
        const family& p_tp = p.creations[static_cast<std::size_t>(p.handle(accessor::p_tp).creation)].groups;
        // The same all-to-all groups with the pipeline counted among the
        // replicas (D*P*C, upstream's later fix): does the size differ?
        if (c.num_head_replica > 1) {
            const std::int64_t replicas = std::int64_t{c.data_parallel_size} * c.pipeline_parallel_size *
                                          c.prefill_context_parallel_size * c.num_head_replica;
            const int remote = c.tensor_parallel_size / c.pd_tp_ratio;
            const std::int64_t fixed_size = (c.world_size % replicas == 0 && remote > 0)
                                                ? (c.world_size / replicas) / remote
                                                : 0;
            if (fixed_size != p_tp.group_size()) {
                r.warnings.push_back(
                    {lint_kind::reference_quirk,
                     {"p_tp"},
                     cat("reference quirk: p_tp in vllm-ascend ", c.vllm_ascend_version.version(), " counts ",
                         p_tp_replica_formula(c), " = ", p_tp_replica_count(c),
                         " replicas, leaving the pipeline out: its all-to-all groups have ", p_tp.group_size(),
                         " ranks where D*P*C replicas would give ",
                         fixed_size > 0 ? std::to_string(fixed_size) : std::string("no valid grouping"))});
            }
        }
        if (c.local_rank >= c.world_size) {
            r.warnings.push_back({lint_kind::reference_quirk,
                                  {"p_tp"},
                                  cat("reference quirk: local_rank (", c.local_rank, ") is beyond world_size (",
                                      c.world_size, "), so no p_tp group holds it and the communicator is named ",
                                      "p_tp_None on this rank (one engine per DP replica on a shared node?)")});
        } else if (r.ranks_per_node > 0) {
            int misnamed = 0;
            for (int rank = 0; rank < c.world_size; ++rank) {
                if (p_tp.locate(rank).group != p_tp.locate(rank % r.ranks_per_node).group) ++misnamed;
            }
            if (misnamed > 0) {
                r.warnings.push_back({lint_kind::reference_quirk,
                                      {"p_tp"},
                                      cat("reference quirk: p_tp is named after the group of local_rank, so with ",
                                          r.ranks_per_node, " ranks per node ", misnamed, " of ", c.world_size,
                                          " ranks create a p_tp_<i> whose i is not their own group's index")});
            }
        } else {
            r.notes.push_back({lint_kind::note,
                               {"p_tp"},
                               "p_tp is named after the group of local_rank, not of the global rank: give "
                               "--ranks-per-node to count the ranks whose name is wrong on a multi-node run"});
        }
    }
}

}  // namespace detail

/// Checks `c`: per family (vLLM's and the plan's) the axes that vary inside
/// its groups and, with ranks_per_node > 0, the groups that cross nodes
/// (node = rank / ranks_per_node); warnings for families mixing pipeline
/// stages or external replicas, for reference quirks that apply and for
/// failing engine_checks(); notes for what the config cannot decide.
/// Throws config_error if the reference cannot serve `c`.
/// With ranks_per_node > 0: a warning per node-local family (other than
/// those in allow_cross_node) whose groups cross nodes, and a note when
/// ranks_per_node does not divide world_size.
[[nodiscard]] inline lint_report lint(const config& c, int ranks_per_node = 0,
                                      const std::vector<std::string>& allow_cross_node = {}) {
    const plan p = make_plan(c);
    const layout x = coordinates(c);
    lint_report r;
    r.topology = c;
    r.ranks_per_node = ranks_per_node > 0 ? ranks_per_node : 0;
    const std::vector<named_family> all = enabled_families(p);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const family& f = all[i].groups;
        // mc2, dynamic_eplb and fc3_quant_x share their layout: analyze it once.
        const auto same = std::find_if(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(i),
                                       [&](const named_family& e) {
                                           return e.groups.groups() == f.groups() && e.groups.members() == f.members();
                                       });
        family_check check{all[i].name, f.group_count(), f.group_size(), {}, -1};
        if (same != all.begin() + static_cast<std::ptrdiff_t>(i)) {
            const family_check& done = r.families[static_cast<std::size_t>(same - all.begin())];
            check.axes = done.axes;
            check.groups_crossing_nodes = done.groups_crossing_nodes;
        } else {
            check.axes = analyze_axes(f, x);
            if (r.ranks_per_node > 0) check.groups_crossing_nodes = groups_crossing_nodes(f, r.ranks_per_node);
        }
        r.families.push_back(std::move(check));
    }
    if (r.ranks_per_node > 0) {
        for (std::string_view local : node_local_families) {
            if (std::find(allow_cross_node.begin(), allow_cross_node.end(), local) != allow_cross_node.end()) continue;
            for (const family_check& f : r.families) {
                if (f.name != local || f.groups_crossing_nodes <= 0) continue;
                r.warnings.push_back(
                    {lint_kind::crosses_nodes,
                     {f.name},
                     detail::cat(f.groups_crossing_nodes, " of ", f.group_count, " ", f.name, " groups (", f.group_size,
                                 " ranks each) cross nodes of ", r.ranks_per_node, " ranks: vllm-ascend keeps ", f.name,
                                 " inside a node (allow it with --allow-cross-node ", f.name, ")")});
            }
        }
        if (c.world_size % r.ranks_per_node != 0) {
            r.notes.push_back(
                {lint_kind::note,
                 {},
                 detail::cat("ranks_per_node (", r.ranks_per_node, ") does not divide world_size (", c.world_size,
                             "): the last node holds ", c.world_size % r.ranks_per_node, " ranks")});
        }
    }
    detail::add_mixing_warnings(r);
    detail::add_quirks(r, p);
    for (problem& failed : engine_checks(c)) {
        r.warnings.push_back({lint_kind::engine_check, {}, "vllm-ascend would refuse: " + failed.message});
    }
    for (const std::vector<std::string>& same : identical_group_names(all)) {
        for (std::size_t k = 1; k < same.size(); ++k) {
            r.notes.push_back({lint_kind::note,
                               {same.front(), same[k]},
                               detail::cat(same[k], " has the groups of ", same.front(),
                                           ": identical communicators (ranktopo cost shows what sharing them saves)")});
        }
    }
    if (std::string note = external_replicas_note(c); !note.empty()) {
        r.notes.push_back({lint_kind::note, {}, std::move(note)});
    }
    for (problem& open : engine_checks_undecided(c)) {
        r.notes.push_back({lint_kind::note, {}, "vllm-ascend rule not decided: " + open.message});
    }
    return r;
}

}  // namespace ranktopo
