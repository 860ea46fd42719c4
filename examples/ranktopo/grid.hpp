// ranktopo tool — the rank grid that show and svg draw: a block per
// external replica e, rows d·P + p (DP × PP), columns c·T + t (PCP × TP).
#pragma once

#include <string>

#include <fmt/format.h>

#include "ranktopo/config.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo_cli {

struct rank_grid {
    int E, D, P, C, T;

    explicit rank_grid(const ranktopo::config& c)
        : E(ranktopo::detail::external_dp(c)), D(c.data_parallel_size), P(c.pipeline_parallel_size),
          C(c.prefill_context_parallel_size), T(c.tensor_parallel_size) {}

    [[nodiscard]] int blocks() const noexcept { return E; }
    [[nodiscard]] int rows() const noexcept { return D * P; }
    [[nodiscard]] int columns() const noexcept { return C * T; }
    /// vLLM's rank at (e, row, column): (((e·D + d)·P + p)·C + c)·T + t.
    [[nodiscard]] int rank(int block, int row, int column) const noexcept {
        return (block * rows() + row) * columns() + column;
    }
    [[nodiscard]] std::string block_label(int block) const { return fmt::format("e{}", block); }
    [[nodiscard]] std::string row_label(int row) const { return fmt::format("d{} p{}", row / P, row % P); }
    [[nodiscard]] std::string column_label(int column) const {
        return C > 1 ? fmt::format("c{}t{}", column / T, column % T) : fmt::format("t{}", column);
    }
};

}  // namespace ranktopo_cli
