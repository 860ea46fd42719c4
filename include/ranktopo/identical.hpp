// ranktopo — which communicators hold exactly the same groups.
//
// Two families hold the same groups when every group of one is, rank for
// rank and in the same order, a group of the other: the order of the groups
// in the family aside. A group is base + members(position), its base the
// lowest rank, so that holds exactly when the member mappings are equal and
// both families have the same set of bases. Both are decided on modes: the
// member mapping by its coalesced modes (a unique form for these injective
// layouts, as diff.hpp uses), the set of bases by the group modes sorted by
// stride and merged where they continue one another (unique for the digits
// of a mixed radix, which a family's modes are). No rank lists.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ranktopo/family.hpp"
#include "ranktopo/layout.hpp"
#include "ranktopo/named_families.hpp"

namespace ranktopo {

namespace detail {

/// The set of values a family's group layout takes, as sorted, merged modes.
struct base_set {
    std::array<mode, layout::capacity> modes{};
    int count = 0;
    friend constexpr bool operator==(const base_set& a, const base_set& b) noexcept {
        return std::equal(a.modes.begin(), a.modes.begin() + a.count, b.modes.begin(), b.modes.begin() + b.count);
    }
};

[[nodiscard]] constexpr base_set bases_of(const layout& groups) noexcept {
    base_set out;
    std::array<mode, layout::capacity> sorted{};
    int n = 0;
    for (const mode& m : groups)
        if (m.extent > 1) sorted[static_cast<std::size_t>(n++)] = m;
    for (int i = 1; i < n; ++i) {  // insertion sort by stride: at most 8 modes
        for (int k = i;
             k > 0 && sorted[static_cast<std::size_t>(k)].stride < sorted[static_cast<std::size_t>(k - 1)].stride;
             --k) {
            std::swap(sorted[static_cast<std::size_t>(k)], sorted[static_cast<std::size_t>(k - 1)]);
        }
    }
    for (int i = 0; i < n; ++i) {
        const mode m = sorted[static_cast<std::size_t>(i)];
        mode& last = out.modes[static_cast<std::size_t>(out.count > 0 ? out.count - 1 : 0)];
        if (out.count > 0 && std::int64_t{last.extent} * last.stride == m.stride) {
            last.extent *= m.extent;  // (e:s) then (f:e*s) is (e*f:s)
        } else {
            out.modes[static_cast<std::size_t>(out.count++)] = m;
        }
    }
    return out;
}

}  // namespace detail

/// Whether `a` and `b` hold exactly the same groups (same ranks in the same
/// positions), whatever order they list the groups in. O(modes).
[[nodiscard]] constexpr bool same_groups(const family& a, const family& b) noexcept {
    if (a.world_size() != b.world_size() || a.group_size() != b.group_size()) return false;
    if (a.members().coalesce() != b.members().coalesce()) return false;
    return detail::bases_of(a.groups()) == detail::bases_of(b.groups());
}

/// Whether rank `rank` has the same group (same ranks in the same positions)
/// in `a` and in `b`. O(modes).
[[nodiscard]] constexpr bool same_group_of(const family& a, const family& b, int rank) {
    if (a.world_size() != b.world_size() || a.group_size() != b.group_size()) return false;
    if (a.members().coalesce() != b.members().coalesce()) return false;
    return a.group(a.locate(rank).group).base() == b.group(b.locate(rank).group).base();
}

/// The families of `all` that hold identical groups, as classes of at least
/// two indices into `all`, each class and the classes in `all`'s order.
/// O(families² · modes).
[[nodiscard]] inline std::vector<std::vector<std::size_t>> identical_groups(const std::vector<named_family>& all) {
    std::vector<std::vector<std::size_t>> out;
    std::vector<bool> taken(all.size(), false);
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (taken[i]) continue;
        std::vector<std::size_t> same{i};
        for (std::size_t j = i + 1; j < all.size(); ++j) {
            if (!taken[j] && same_groups(all[i].groups, all[j].groups)) {
                same.push_back(j);
                taken[j] = true;
            }
        }
        if (same.size() > 1) out.push_back(std::move(same));
    }
    return out;
}

/// identical_groups() by name, leaving out one-rank groups (every family of
/// size 1 holds the same groups, and they cost nothing: vLLM communicates on
/// none of them).
[[nodiscard]] inline std::vector<std::vector<std::string>> identical_group_names(const std::vector<named_family>& all) {
    std::vector<std::vector<std::string>> out;
    for (const std::vector<std::size_t>& same : identical_groups(all)) {
        if (all[same.front()].groups.group_size() < 2) continue;
        std::vector<std::string> names;
        names.reserve(same.size());
        for (std::size_t i : same) names.push_back(all[i].name);
        out.push_back(std::move(names));
    }
    return out;
}

}  // namespace ranktopo
