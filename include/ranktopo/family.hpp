// ranktopo — a group family: which ranks form which groups.
//
// A family is a layout split in two: group modes number the groups, member
// modes number the positions inside a group, and
//     rank(group, position) = groups(group) + members(position).
// A family always partitions 0..N-1 (construction checks it), so one rank's
// group and position come back from its digits in the layout's mixed radix,
// exactly as MPI_Cart_sub computes colour and key.
#pragma once

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "ranktopo/error.hpp"
#include "ranktopo/layout.hpp"

namespace ranktopo {

/// Where a rank sits in a family.
struct location {
    int group = 0;
    int position = 0;
    friend constexpr bool operator==(const location&, const location&) = default;
};

/// The members of one group, computed on access: no allocation.
class group_view {
public:
    class iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = int;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = int;

        constexpr iterator() = default;
        constexpr iterator(const group_view* view, int position) noexcept : view_(view), position_(position) {}
        constexpr int operator*() const noexcept { return (*view_)[position_]; }
        constexpr int operator[](difference_type n) const noexcept { return (*view_)[position_ + static_cast<int>(n)]; }
        constexpr iterator& operator++() noexcept {
            ++position_;
            return *this;
        }
        constexpr iterator operator++(int) noexcept {
            iterator old = *this;
            ++position_;
            return old;
        }
        constexpr iterator& operator--() noexcept {
            --position_;
            return *this;
        }
        constexpr iterator operator--(int) noexcept {
            iterator old = *this;
            --position_;
            return old;
        }
        constexpr iterator& operator+=(difference_type n) noexcept {
            position_ += static_cast<int>(n);
            return *this;
        }
        constexpr iterator& operator-=(difference_type n) noexcept {
            position_ -= static_cast<int>(n);
            return *this;
        }
        friend constexpr iterator operator+(iterator it, difference_type n) noexcept { return it += n; }
        friend constexpr iterator operator+(difference_type n, iterator it) noexcept { return it += n; }
        friend constexpr iterator operator-(iterator it, difference_type n) noexcept { return it -= n; }
        friend constexpr difference_type operator-(const iterator& a, const iterator& b) noexcept {
            return a.position_ - b.position_;
        }
        friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.position_ == b.position_;
        }
        friend constexpr auto operator<=>(const iterator& a, const iterator& b) noexcept {
            return a.position_ <=> b.position_;
        }

    private:
        const group_view* view_ = nullptr;
        int position_ = 0;
    };

    constexpr group_view(int base, const layout& members) noexcept : base_(base), members_(members) {}

    [[nodiscard]] constexpr int size() const noexcept { return members_.size(); }
    /// The rank at position 0; the rank at position i is base() + positions()(i).
    [[nodiscard]] constexpr int base() const noexcept { return base_; }
    /// The family's member layout: position -> offset from base().
    [[nodiscard]] constexpr const layout& positions() const noexcept { return members_; }
    /// The rank at `position`, 0 <= position < size().
    [[nodiscard]] constexpr int operator[](int position) const noexcept { return base_ + members_(position); }
    [[nodiscard]] constexpr iterator begin() const noexcept { return {this, 0}; }
    [[nodiscard]] constexpr iterator end() const noexcept { return {this, size()}; }
    [[nodiscard]] std::vector<int> to_vector() const { return {begin(), end()}; }

private:
    int base_;
    layout members_;
};

/// A partition of the ranks 0..N-1 into equal groups, as a layout.
class family {
public:
    /// Throws layout_error unless the group and member modes together visit
    /// every value of 0..size-1 exactly once.
    constexpr family(const layout& groups, const layout& members) : groups_(groups), members_(members) {
        if (!is_partition()) {
            detail::throw_layout_error("family", "the modes " + describe() + " do not cover 0.." +
                                                     std::to_string(std::int64_t{groups.size()} * members.size() - 1) +
                                                     " exactly once");
        }
        // Extent-1 modes add no digit (and may have stride 0, which locate would divide by).
        int weight = 1;
        for (int i = members_.mode_count() - 1; i >= 0; --i) {
            if (members_[i].extent == 1) continue;
            digits_[static_cast<std::size_t>(digit_count_++)] = {members_[i], weight, false};
            weight *= members_[i].extent;
        }
        weight = 1;
        for (int i = groups_.mode_count() - 1; i >= 0; --i) {
            if (groups_[i].extent == 1) continue;
            digits_[static_cast<std::size_t>(digit_count_++)] = {groups_[i], weight, true};
            weight *= groups_[i].extent;
        }
    }

    [[nodiscard]] constexpr const layout& groups() const noexcept { return groups_; }
    [[nodiscard]] constexpr const layout& members() const noexcept { return members_; }
    [[nodiscard]] constexpr int group_count() const noexcept { return groups_.size(); }
    [[nodiscard]] constexpr int group_size() const noexcept { return members_.size(); }
    /// N: the number of ranks the family partitions.
    [[nodiscard]] constexpr int world_size() const noexcept { return groups_.size() * members_.size(); }

    /// The rank at `position` of group `group`.
    [[nodiscard]] constexpr int rank(int group, int position) const {
        check_index("family::rank", "group", group, group_count());
        check_index("family::rank", "position", position, group_size());
        return groups_(group) + members_(position);
    }

    /// The members of group `group`, computed on access.
    [[nodiscard]] constexpr group_view group(int group) const {
        check_index("family::group", "group", group, group_count());
        return {groups_(group), members_};
    }

    /// The group of `rank` and its position there: O(modes) arithmetic.
    [[nodiscard]] constexpr location locate(int rank) const {
        check_index("family::locate", "rank", rank, world_size());
        location where;
        for (int i = 0; i < digit_count_; ++i) {
            const digit& d = digits_[static_cast<std::size_t>(i)];
            const int coordinate = (rank / d.axis.stride) % d.axis.extent;
            (d.in_group ? where.group : where.position) += coordinate * d.weight;
        }
        return where;
    }

    /// Writes every group, in order, to `out` (group_count() · group_size()
    /// ints): nested loops over the coalesced modes, no per-rank division.
    void write(std::span<int> out) const { write_all(out); }
    /// The same into 64-bit integers (a numpy int64 array), in the same one pass.
    void write(std::span<std::int64_t> out) const { write_all(out); }

    /// Every group, flattened: group g is [g·group_size(), (g+1)·group_size()).
    [[nodiscard]] std::vector<int> ranks() const {
        std::vector<int> out(static_cast<std::size_t>(world_size()));
        write(out);
        return out;
    }

    /// Every group as its own vector; for tests and small worlds.
    [[nodiscard]] std::vector<std::vector<int>> to_vectors() const {
        std::vector<std::vector<int>> out;
        out.reserve(static_cast<std::size_t>(group_count()));
        for (int g = 0; g < group_count(); ++g) out.push_back(group(g).to_vector());
        return out;
    }

    /// "(2:8),(4:1) | (2:4)": group modes, then member modes.
    [[nodiscard]] std::string describe() const {
        auto modes = [](const layout& l) {
            std::string s;
            for (const mode& m : l) {
                s += (s.empty() ? "(" : ",(") + std::to_string(m.extent) + ":" + std::to_string(m.stride) + ")";
            }
            return s.empty() ? std::string("()") : s;
        };
        return modes(groups_) + " | " + modes(members_);
    }

private:
    struct digit {
        mode axis;
        int weight = 0;  // place value in the group index or in the position
        bool in_group = false;
    };

    template <class Int>
    void write_all(std::span<Int> out) const {
        if (out.size() != static_cast<std::size_t>(world_size())) {
            detail::throw_layout_error("family::write", "output holds " + std::to_string(out.size()) +
                                                            " ints, the family " + std::to_string(world_size()));
        }
        std::array<mode, 2 * layout::capacity> all{};
        std::size_t n = 0;
        for (const mode& m : groups_) all[n++] = m;
        for (const mode& m : members_) all[n++] = m;
        std::array<mode, 2 * layout::capacity> flat{};
        const int count = detail::coalesce_modes({all.data(), n}, flat.data());
        if (count == 0) {
            out[0] = 0;
            return;
        }
        // Short inner runs are the common case (fine-grained TP, FlashComm2):
        // with the run length known at compile time, a run is one vector add.
        switch (flat[static_cast<std::size_t>(count - 1)].extent) {
            case 2: write_tiles<2, Int>(flat.data(), count, out.data()); break;
            case 4: write_tiles<4, Int>(flat.data(), count, out.data()); break;
            case 8: write_tiles<8, Int>(flat.data(), count, out.data()); break;
            case 16: write_tiles<16, Int>(flat.data(), count, out.data()); break;
            default: write_tiles<0, Int>(flat.data(), count, out.data()); break;
        }
    }

    /// Writes the values of the coalesced modes `flat` (count >= 1, extents
    /// > 1) in row-major order: tiles of the two innermost modes, an
    /// odometer over the others. `inner_extent` is the innermost extent when
    /// known at compile time, 0 when not.
    template <int inner_extent, class Int>
    static void write_tiles(const mode* flat, int count, Int* cursor) noexcept {
        const mode inner = flat[count - 1];
        const mode middle = count >= 2 ? flat[count - 2] : mode{1, 0};
        const int outer_count = count >= 2 ? count - 2 : 0;
        std::array<int, (inner_extent > 0 ? inner_extent : 1)> offsets{};  // j · inner stride
        if constexpr (inner_extent > 0) {
            for (int j = 0; j < inner_extent; ++j) offsets[static_cast<std::size_t>(j)] = j * inner.stride;
        }
        int tiles = 1;
        for (int k = 0; k < outer_count; ++k) tiles *= flat[k].extent;
        std::array<int, 2 * layout::capacity> coordinate{};
        int base = 0;
        for (int tile = 0; tile < tiles; ++tile) {
            int row_base = base;
            for (int i = 0; i < middle.extent; ++i, row_base += middle.stride) {
                if constexpr (inner_extent > 0) {
                    for (int j = 0; j < inner_extent; ++j) {
                        const int member_rank = row_base +
                                                offsets[static_cast<std::size_t>(j)];  // < world size: an int
                        cursor[j] = static_cast<Int>(member_rank);
                    }
                    cursor += inner_extent;
                } else {
                    for (int j = 0; j < inner.extent; ++j) {
                        const int member_rank = row_base + j * inner.stride;
                        cursor[j] = static_cast<Int>(member_rank);
                    }
                    cursor += inner.extent;
                }
            }
            for (int k = outer_count - 1; k >= 0; --k) {  // odometer over the outer modes
                const mode& m = flat[k];
                base += m.stride;
                if (++coordinate[static_cast<std::size_t>(k)] < m.extent) break;
                base -= m.stride * m.extent;
                coordinate[static_cast<std::size_t>(k)] = 0;
            }
        }
    }

    // The modes, sorted by stride, must be the mixed radix of world_size():
    // strides 1, e0, e0·e1, ... — then every value is hit exactly once.
    [[nodiscard]] constexpr bool is_partition() const noexcept {
        std::array<mode, 2 * layout::capacity> sorted{};
        std::size_t n = 0;
        for (const mode& m : groups_)
            if (m.extent > 1) sorted[n++] = m;
        for (const mode& m : members_)
            if (m.extent > 1) sorted[n++] = m;
        std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n),
                  [](const mode& a, const mode& b) { return a.stride < b.stride; });
        std::int64_t expected = 1;
        for (std::size_t i = 0; i < n; ++i) {
            if (sorted[i].stride != expected) return false;
            expected *= sorted[i].extent;
            if (expected > INT_MAX) return false;
        }
        return true;
    }

    static constexpr void check_index(const char* function, const char* what, int value, int bound) {
        if (value < 0 || value >= bound) {
            throw lookup_error(std::string("ranktopo::") + function + ": " + what + " " + std::to_string(value) +
                               " is outside [0, " + std::to_string(bound) + ")");
        }
    }

    layout groups_;
    layout members_;
    std::array<digit, 2 * layout::capacity> digits_{};
    int digit_count_ = 0;
};

}  // namespace ranktopo
