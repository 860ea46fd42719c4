// ranktopo — the layout algebra.
//
// A layout is a short list of modes, each an (extent, stride) pair, read in
// row-major order: the value at index i is  Σ coordₖ · strideₖ  where the
// coordinates are i written in the mixed radix of the extents. It is the
// shape:stride of a CuTe layout, or of a PyTorch tensor viewed over
// arange(N): every reshape, view, transpose, permute and unbind the reference
// applies to its rank tensors is one of select (permute or pick modes),
// split, coalesce and divide below.
#pragma once

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>

#include "ranktopo/error.hpp"

namespace ranktopo {

/// One axis of a layout: `extent` coordinates, `stride` apart.
struct mode {
    int extent = 1;
    int stride = 0;
    friend constexpr bool operator==(const mode&, const mode&) = default;
};

namespace detail {

[[noreturn]] inline void throw_layout_error(const char* function, const std::string& what) {
    throw layout_error(std::string("ranktopo::") + function + ": " + what);
}

/// Drops extent-1 modes and merges neighbours (outer, inner) whose
/// outer.stride == inner.extent · inner.stride. The row-major mapping is
/// unchanged. Returns the number of modes written to `out`.
constexpr int coalesce_modes(std::span<const mode> in, mode* out) noexcept {
    int count = 0;
    for (const mode& m : in) {
        if (m.extent == 1) continue;
        if (count > 0 && out[count - 1].stride == std::int64_t{m.extent} * m.stride) {
            out[count - 1] = {out[count - 1].extent * m.extent, m.stride};
        } else {
            out[count++] = m;
        }
    }
    return count;
}

}  // namespace detail

/// A mapping from a row-major index to a value (here: a rank), given by up to
/// `capacity` modes. Values always fit in an int: construction checks it.
class layout {
public:
    static constexpr int capacity = 8;

    constexpr layout() = default;

    constexpr layout(std::initializer_list<mode> modes) {
        for (const mode& m : modes) push_back(m);
    }

    constexpr explicit layout(std::span<const mode> modes) {
        for (const mode& m : modes) push_back(m);
    }

    /// The contiguous layout of `shape`: what arange(size).reshape(shape) is.
    static constexpr layout row_major(std::initializer_list<int> shape) {
        std::array<mode, capacity> modes{};
        if (shape.size() > capacity) detail::throw_layout_error("layout::row_major", "too many modes");
        std::int64_t stride = 1;
        auto count = static_cast<int>(shape.size());
        for (int i = count - 1; i >= 0; --i) {
            const int extent = shape.begin()[i];
            if (extent < 1) {
                detail::throw_layout_error("layout::row_major",
                                           "extent " + std::to_string(extent) + " must be at least 1");
            }
            if (stride > INT_MAX) detail::throw_layout_error("layout::row_major", "size exceeds the int range");
            modes[static_cast<std::size_t>(i)] = {extent, static_cast<int>(stride)};
            stride *= extent;
        }
        return layout(std::span<const mode>(modes.data(), shape.size()));
    }

    [[nodiscard]] constexpr int mode_count() const noexcept { return count_; }
    [[nodiscard]] constexpr const mode& operator[](int i) const noexcept { return modes_[static_cast<std::size_t>(i)]; }
    [[nodiscard]] constexpr std::span<const mode> modes() const noexcept {
        return {modes_.data(), static_cast<std::size_t>(count_)};
    }
    [[nodiscard]] constexpr const mode* begin() const noexcept { return modes_.data(); }
    [[nodiscard]] constexpr const mode* end() const noexcept { return modes_.data() + count_; }

    /// Number of indices: the product of the extents (1 for no modes).
    [[nodiscard]] constexpr int size() const noexcept { return size_; }

    /// The value at row-major `index`, 0 <= index < size().
    [[nodiscard]] constexpr int operator()(int index) const noexcept {
        int value = 0;
        for (int i = count_ - 1; i >= 0; --i) {
            const mode& m = (*this)[i];
            value += (index % m.extent) * m.stride;
            index /= m.extent;
        }
        return value;
    }

    /// The modes at `which`, in that order: a permutation (transpose,
    /// permute) when every mode is named once, a projection otherwise.
    [[nodiscard]] constexpr layout select(std::initializer_list<int> which) const {
        layout result;
        for (int i : which) {
            if (i < 0 || i >= count_) {
                detail::throw_layout_error("layout::select", "mode " + std::to_string(i) + " of a layout with " +
                                                                 std::to_string(count_) + " modes");
            }
            result.push_back((*this)[i]);
        }
        return result;
    }

    /// Mode i of extent e becomes two modes (outer_extent, e / outer_extent),
    /// as view(..., outer, -1, ...) does to one tensor dimension.
    [[nodiscard]] constexpr layout split(int i, int outer_extent) const {
        if (i < 0 || i >= count_) {
            detail::throw_layout_error("layout::split", "mode " + std::to_string(i) + " of a layout with " +
                                                            std::to_string(count_) + " modes");
        }
        const mode m = (*this)[i];
        if (outer_extent < 1 || m.extent % outer_extent != 0) {
            detail::throw_layout_error("layout::split", "outer extent " + std::to_string(outer_extent) +
                                                            " does not divide extent " + std::to_string(m.extent));
        }
        const int inner_extent = m.extent / outer_extent;
        // Beyond INT_MAX only when outer_extent is 1 (else it is at most a value of the layout).
        if (std::int64_t{m.stride} * inner_extent > INT_MAX) {
            detail::throw_layout_error("layout::split", "the outer stride exceeds the int range");
        }
        layout result;
        for (int k = 0; k < count_; ++k) {
            if (k == i) {
                result.push_back({outer_extent, m.stride * inner_extent});
                result.push_back({inner_extent, m.stride});
            } else {
                result.push_back((*this)[k]);
            }
        }
        return result;
    }

    /// The same mapping with extent-1 modes dropped and mergeable neighbours merged.
    [[nodiscard]] constexpr layout coalesce() const noexcept {
        layout result;
        result.count_ = detail::coalesce_modes(modes(), result.modes_.data());
        result.size_ = size_;
        result.max_value_ = max_value_;
        return result;
    }

    /// Splits the row-major index into (outer, inner) with outer of size
    /// `outer_extent`: what view(outer_extent, -1) does to a flattened
    /// tensor. Coalesces first, so a split across mode boundaries works
    /// whenever the result is still a layout; throws otherwise.
    [[nodiscard]] constexpr std::pair<layout, layout> divide(int outer_extent) const {
        if (outer_extent < 1 || size_ % outer_extent != 0) {
            detail::throw_layout_error("layout::divide", "outer extent " + std::to_string(outer_extent) +
                                                             " does not divide size " + std::to_string(size_));
        }
        const layout flat = coalesce();
        int need = size_ / outer_extent;  // what the inner layout still has to take
        int k = flat.count_;              // modes [k, count) are inner
        mode split_outer{1, 0};
        std::array<mode, capacity> inner_rev{};
        int inner_count = 0;
        while (need > 1) {
            const mode m = flat[k - 1];
            if (need % m.extent == 0) {
                inner_rev[static_cast<std::size_t>(inner_count++)] = m;
                need /= m.extent;
                --k;
            } else if (m.extent % need == 0) {
                inner_rev[static_cast<std::size_t>(inner_count++)] = {need, m.stride};
                split_outer = {m.extent / need, m.stride * need};
                need = 1;
                --k;
            } else {
                detail::throw_layout_error("layout::divide", "dividing size " + std::to_string(size_) + " into " +
                                                                 std::to_string(outer_extent) +
                                                                 " rows is not a strided view");
            }
        }
        layout outer(flat.modes().first(static_cast<std::size_t>(k)));
        if (split_outer.extent > 1) outer.push_back(split_outer);
        layout inner;
        for (int i = inner_count - 1; i >= 0; --i) inner.push_back(inner_rev[static_cast<std::size_t>(i)]);
        return {outer, inner};
    }

    /// The modes of `outer` followed by those of `inner`.
    [[nodiscard]] friend constexpr layout concat(const layout& outer, const layout& inner) {
        layout result = outer;
        for (const mode& m : inner) result.push_back(m);
        return result;
    }

    friend constexpr bool operator==(const layout& a, const layout& b) noexcept {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

private:
    constexpr void push_back(mode m) {
        if (count_ == capacity) detail::throw_layout_error("layout", "more than 8 modes");
        if (m.extent < 1 || m.stride < 0) {
            detail::throw_layout_error("layout", "mode (" + std::to_string(m.extent) + " : " +
                                                     std::to_string(m.stride) + ") needs extent >= 1 and stride >= 0");
        }
        const std::int64_t size = std::int64_t{size_} * m.extent;
        const std::int64_t max_value = max_value_ + std::int64_t{m.extent - 1} * m.stride;
        if (size > INT_MAX || max_value > INT_MAX) detail::throw_layout_error("layout", "exceeds the int range");
        modes_[static_cast<std::size_t>(count_++)] = m;
        size_ = static_cast<int>(size);
        max_value_ = static_cast<int>(max_value);
    }

    std::array<mode, capacity> modes_{};
    int count_ = 0;
    int size_ = 1;
    int max_value_ = 0;
};

}  // namespace ranktopo
