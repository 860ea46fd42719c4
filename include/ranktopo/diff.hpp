// ranktopo — what changes between two plans: per communicator, same,
// changed, added or removed, and which ranks change group.
//
// Families are compared as layouts, not rank lists. A rank keeps its group
// when its group lists the same ranks in the same positions. A group is
// base + members(position), so two families with different member mappings
// share no group at all, and with equal ones a group is kept exactly when
// its first rank is a first rank in both: one lookup per group, none per
// rank, and none at all when the layouts are equal.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ranktopo/family.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo {

enum class change_kind : std::uint8_t { same, changed, added, removed };

[[nodiscard]] constexpr std::string_view name(change_kind k) noexcept {
    switch (k) {
        case change_kind::same: return "same";
        case change_kind::changed: return "changed";
        case change_kind::added: return "added";
        case change_kind::removed: return "removed";
    }
    return "unknown";
}

/// One side of a communicator's comparison.
struct communicator_side {
    std::string communicator;  ///< the name it is created with ("p_tp_3")
    int creation = -1;         ///< index in plan::creations; -1 for vLLM's own families
    std::vector<std::string> accessors;
    int group_count = 0;
    int group_size = 0;
};

/// One communicator (matched by family name: "p_tp" for every p_tp_<i>).
struct communicator_change {
    std::string name;
    change_kind kind = change_kind::same;
    std::optional<communicator_side> before;  ///< absent when added
    std::optional<communicator_side> after;   ///< absent when removed
    /// Ranks whose group (members in position order) differs, and the lowest
    /// of them (-1 when none).
    std::int64_t ranks_moved = 0;
    int example_rank = -1;
    /// Whether the name, creation index or accessors differ (a change of its
    /// own even when every rank keeps its group).
    bool relabeled = false;
    /// Every rank keeps its group, but the groups are listed in another order.
    bool reordered = false;
};

struct plan_diff {
    std::vector<communicator_change> communicators;  ///< the old plan's order, then the added ones
    bool destroy_order_changed = false;              ///< by communicator names

    [[nodiscard]] bool identical() const noexcept {
        if (destroy_order_changed) return false;
        for (const communicator_change& c : communicators)
            if (c.kind != change_kind::same) return false;
        return true;
    }
};

namespace detail {

/// Ranks of `a` whose group differs in `b` (same world size), and the lowest.
struct moved_ranks {
    std::int64_t count = 0;
    int first = -1;
    bool reordered = false;
};

[[nodiscard]] inline moved_ranks compare_groups(const family& a, const family& b) {
    if (a.groups() == b.groups() && a.members() == b.members()) return {};
    const group_view probe_a = a.group(0);
    const group_view probe_b = b.group(0);
    // Equal member mappings (position -> offset), compared on their
    // coalesced modes: a unique form for these injective layouts.
    const bool same_members = a.group_size() == b.group_size() &&
                              probe_a.positions().coalesce() == probe_b.positions().coalesce();
    if (!same_members) return {a.world_size(), 0};
    moved_ranks out;
    for (int g = 0; g < a.group_count(); ++g) {
        // A group's first rank is its lowest (offsets are not negative).
        const int first = a.group(g).base();
        if (b.locate(first).position == 0) continue;  // b's group starting here is the same list
        out.count += a.group_size();
        if (out.first < 0 || first < out.first) out.first = first;
    }
    out.reordered = out.count == 0 && a.groups().coalesce() != b.groups().coalesce();
    return out;
}

[[nodiscard]] inline communicator_side side_of(const named_family& f, const plan& p) {
    communicator_side s{f.communicator, -1, f.accessors, f.groups.group_count(), f.groups.group_size()};
    for (std::size_t i = 0; i < p.creations.size(); ++i)
        if (p.creations[i].name == f.communicator) s.creation = static_cast<int>(i);
    return s;
}

[[nodiscard]] inline std::vector<std::string> destroyed_names(const plan& p) {
    std::vector<std::string> out;
    for (int k : p.destroy_order) out.push_back(p.creations[static_cast<std::size_t>(k)].name);
    return out;
}

}  // namespace detail

/// Compares every family of `before` and `after` (vLLM's and the plans'),
/// matched by name. Plans over different world sizes compare by name only:
/// every common communicator then counts as changed for all its ranks.
[[nodiscard]] inline plan_diff diff(const plan& before, const plan& after) {
    const std::vector<named_family> old_families = enabled_families(before);
    const std::vector<named_family> new_families = enabled_families(after);
    plan_diff out;
    const auto relabeled = [](const communicator_side& a, const communicator_side& b) {
        return a.communicator != b.communicator || a.creation != b.creation || a.accessors != b.accessors;
    };
    for (const named_family& f : old_families) {
        communicator_change c;
        c.name = f.name;
        c.before = detail::side_of(f, before);
        const named_family* match = nullptr;
        for (const named_family& g : new_families)
            if (g.name == f.name) match = &g;
        if (match == nullptr) {
            c.kind = change_kind::removed;
        } else {
            c.after = detail::side_of(*match, after);
            if (f.groups.world_size() == match->groups.world_size()) {
                const detail::moved_ranks moved = detail::compare_groups(f.groups, match->groups);
                c.ranks_moved = moved.count;
                c.example_rank = moved.first;
                c.reordered = moved.reordered;
            } else {
                c.ranks_moved = std::max(f.groups.world_size(), match->groups.world_size());
                c.example_rank = 0;
            }
            c.relabeled = relabeled(*c.before, *c.after);
            c.kind = c.ranks_moved > 0 || c.relabeled || c.reordered ? change_kind::changed : change_kind::same;
        }
        out.communicators.push_back(std::move(c));
    }
    for (const named_family& g : new_families) {
        bool known = false;
        for (const named_family& f : old_families) known = known || f.name == g.name;
        if (known) continue;
        communicator_change c;
        c.name = g.name;
        c.kind = change_kind::added;
        c.after = detail::side_of(g, after);
        out.communicators.push_back(std::move(c));
    }
    out.destroy_order_changed = detail::destroyed_names(before) != detail::destroyed_names(after);
    return out;
}

}  // namespace ranktopo
