// ranktopo — which coordinate axes vary inside a family's groups.
//
// A coordinate system is a compact layout over the same ranks (vLLM's
// (E, D, P, C, T), or (nodes, ranks per node)): axis a of rank r is
// (r / strideₐ) % extentₐ. For a family we count, per axis, the groups in
// which two members differ on that axis.
//
// The answer is exact. When the breakpoints of both mixed radices (every
// mode's stride, and N) form a divisibility chain, both radices refine to a
// common one: each refined digit lies inside one family mode and one axis,
// digits are independent, so an axis varies in every group (it owns a digit
// of a member mode) or in none. When they do not (N = 6 as (2, 3) against a
// member mode (2:1)), carries between digits make the answer differ from
// group to group, and we fall back to visiting every rank once: O(N · axes).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ranktopo/error.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/layout.hpp"

namespace ranktopo {

/// Per axis of a coordinate layout: in how many of a family's groups it varies.
struct axis_analysis {
    int group_count = 0;
    int axis_count = 0;
    std::array<int, layout::capacity> groups_varying{};  ///< by axis, in the coordinate layout's mode order

    [[nodiscard]] constexpr int varying_in(int axis) const noexcept {
        return groups_varying[static_cast<std::size_t>(axis)];
    }
    /// The axis takes one value inside every group.
    [[nodiscard]] constexpr bool fixed(int axis) const noexcept { return varying_in(axis) == 0; }
    /// The axis varies inside at least one group.
    [[nodiscard]] constexpr bool varies(int axis) const noexcept { return varying_in(axis) > 0; }
    friend constexpr bool operator==(const axis_analysis&, const axis_analysis&) = default;
};

namespace detail {

/// The (extent > 1) modes of a compact layout, by increasing stride; throws
/// unless they are the mixed radix of `size`.
[[nodiscard]] inline std::vector<mode> radix_of(std::span<const mode> modes, int size, const char* function) {
    std::vector<mode> sorted;
    for (const mode& m : modes)
        if (m.extent > 1) sorted.push_back(m);
    std::sort(sorted.begin(), sorted.end(), [](const mode& a, const mode& b) { return a.stride < b.stride; });
    std::int64_t expected = 1;
    for (const mode& m : sorted) {
        if (m.stride != expected) break;
        expected *= m.extent;
    }
    if (expected != size) {
        throw layout_error(std::string("ranktopo::") + function +
                           ": the coordinate layout is not a mixed radix of the family's " + std::to_string(size) +
                           " ranks");
    }
    return sorted;
}

/// The fast path: both radices refine to a common one. nullopt when the
/// breakpoints are not a divisibility chain (then the answer may differ
/// from group to group).
[[nodiscard]] inline std::optional<axis_analysis> analyze_by_refinement(const family& f, const layout& coordinates) {
    const int n = f.world_size();
    std::vector<std::int64_t> breaks{n};
    for (const layout* l : {&f.groups(), &f.members(), &coordinates})
        for (const mode& m : *l)
            if (m.extent > 1) breaks.push_back(m.stride);
    std::sort(breaks.begin(), breaks.end());
    breaks.erase(std::unique(breaks.begin(), breaks.end()), breaks.end());
    if (breaks.front() != 1 && n > 1) return std::nullopt;  // cannot happen for compact layouts
    for (std::size_t i = 1; i < breaks.size(); ++i)
        if (breaks[i] % breaks[i - 1] != 0) return std::nullopt;

    axis_analysis out;
    out.group_count = f.group_count();
    out.axis_count = coordinates.mode_count();
    const auto contains = [](const mode& m, std::int64_t at) {
        return m.extent > 1 && m.stride <= at && at < std::int64_t{m.stride} * m.extent;
    };
    for (std::size_t i = 0; i + 1 < breaks.size(); ++i) {  // the refined digit [breaks[i], breaks[i+1])
        const std::int64_t at = breaks[i];
        const bool in_member = std::any_of(f.members().begin(), f.members().end(),
                                           [&](const mode& m) { return contains(m, at); });
        if (!in_member) continue;
        for (int a = 0; a < coordinates.mode_count(); ++a)
            if (contains(coordinates[a], at)) out.groups_varying[static_cast<std::size_t>(a)] = f.group_count();
    }
    return out;
}

/// The exact fallback: every member of every group, once.
[[nodiscard]] inline axis_analysis analyze_by_enumeration(const family& f, const layout& coordinates) {
    axis_analysis out;
    out.group_count = f.group_count();
    out.axis_count = coordinates.mode_count();
    const std::vector<int> ranks = f.ranks();
    const auto size = static_cast<std::size_t>(f.group_size());
    for (std::size_t first = 0; first < ranks.size(); first += size) {
        const int base = ranks[first];
        for (int a = 0; a < coordinates.mode_count(); ++a) {
            const mode& m = coordinates[a];
            if (m.extent == 1) continue;
            const int own = (base / m.stride) % m.extent;
            for (std::size_t i = first + 1; i < first + size; ++i) {
                if ((ranks[i] / m.stride) % m.extent != own) {
                    ++out.groups_varying[static_cast<std::size_t>(a)];
                    break;
                }
            }
        }
    }
    return out;
}

}  // namespace detail

/// For each mode ("axis") of `coordinates`, a compact layout over the
/// family's ranks, the number of groups of `f` inside which that coordinate
/// takes more than one value. Throws layout_error if `coordinates` is not a
/// mixed radix of f.world_size().
[[nodiscard]] inline axis_analysis analyze_axes(const family& f, const layout& coordinates) {
    (void)detail::radix_of(coordinates.modes(), f.world_size(), "analyze_axes");
    if (auto fast = detail::analyze_by_refinement(f, coordinates)) return *fast;
    return detail::analyze_by_enumeration(f, coordinates);
}

/// How many groups of `f` hold ranks of more than one node, node = rank /
/// ranks_per_node (the last node may be partial). Throws lookup_error
/// unless ranks_per_node >= 1.
[[nodiscard]] inline int groups_crossing_nodes(const family& f, int ranks_per_node) {
    if (ranks_per_node < 1) {
        throw lookup_error("ranktopo::groups_crossing_nodes: ranks_per_node (" + std::to_string(ranks_per_node) +
                           ") must be at least 1");
    }
    const int n = f.world_size();
    if (ranks_per_node >= n) return 0;
    if (n % ranks_per_node == 0) {
        return analyze_axes(f, layout::row_major({n / ranks_per_node, ranks_per_node})).varying_in(0);
    }
    // A partial last node is not a mixed radix: look at every rank once.
    const std::vector<int> ranks = f.ranks();
    const auto size = static_cast<std::size_t>(f.group_size());
    int crossing = 0;
    for (std::size_t first = 0; first < ranks.size(); first += size) {
        const int node = ranks[first] / ranks_per_node;
        for (std::size_t i = first + 1; i < first + size; ++i) {
            if (ranks[i] / ranks_per_node != node) {
                ++crossing;
                break;
            }
        }
    }
    return crossing;
}

}  // namespace ranktopo
