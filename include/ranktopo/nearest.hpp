// ranktopo — the known name nearest to a mistyped one, for error messages.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace ranktopo {

/// Levenshtein distance (insertions, deletions, substitutions), O(|a|·|b|).
[[nodiscard]] inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

/// The candidate nearest to `text`, if it is near enough to be a likely typo
/// (within a third of the longer name's length, or 2 edits), else nothing.
template <class Names>
[[nodiscard]] std::optional<std::string_view> nearest_name(std::string_view text, const Names& candidates) {
    std::optional<std::string_view> best;
    std::size_t best_distance = 0;
    for (const auto& candidate : candidates) {
        const std::string_view name = candidate;
        const std::size_t d = edit_distance(text, name);
        if (!best || d < best_distance) {
            best = name;
            best_distance = d;
        }
    }
    const std::size_t limit = std::max<std::size_t>(2, std::max(text.size(), best ? best->size() : 0) / 3);
    return best && best_distance <= limit ? best : std::nullopt;
}

}  // namespace ranktopo
