// The configs the benchmarks measure.
#pragma once

#include "ranktopo/config.hpp"

namespace ranktopo::bench {

/// Issue 4's config, every family on: T = 16, D = N / 16, fine-grained TP
/// 4 / 8 / 8 / 16, FlashComm2 with S = 4, p_tp with two head replicas.
/// Valid for N a multiple of 256 (D must be a multiple of 16).
[[nodiscard]] inline config issue_config(int world_size) {
    config c;
    c.world_size = world_size;
    c.tensor_parallel_size = 16;
    c.data_parallel_size = world_size / 16;
    c.oproj_tensor_parallel_size = 4;
    c.lmhead_tensor_parallel_size = 8;
    c.embedding_tensor_parallel_size = 8;
    c.mlp_tensor_parallel_size = 16;
    c.flashcomm2_enabled = true;
    c.flashcomm2_oproj_tensor_parallel_size = 4;
    c.layer_sharding = true;
    c.dynamic_eplb = true;
    c.multistream_overlap_gate = true;
    c.is_kv_producer = true;
    c.pd_head_ratio = 2;
    c.pd_tp_ratio = 2;
    c.num_head_replica = 2;
    return c;
}

/// The world sizes of the issue: 2^10, 2^12, ..., 2^20.
inline constexpr int smallest_world_log2 = 10;
inline constexpr int largest_world_log2 = 20;

/// A config with most families on for 8 or 16 processes (the MPI benchmark):
/// 16 is `ranktopo plan --example`; 8 halves its tensor parallelism.
/// Returns world_size 0 for any other size.
[[nodiscard]] inline config small_config(int world_size) {
    if (world_size != 8 && world_size != 16) return {};
    config c = example_config();
    c.world_size = world_size;
    c.tensor_parallel_size = world_size / 4;
    return c;
}

}  // namespace ranktopo::bench
