// The configs the benchmarks measure.
#pragma once

#include <array>
#include <string_view>

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

/// issue_config on vllm-ascend `release`, less the options that release does
/// not have (layer sharding and the overlap gate from 0.24.0rc1, FlashComm2
/// from 0.25.1rc1, dynamic EPLB before 0.15.0rc1).
[[nodiscard]] inline config issue_config(int world_size, release r) {
    config c = issue_config(world_size);
    c.vllm_ascend_version = r;
    const recipe& layout = r.layout();
    if (!layout.has(step::dynamic_eplb)) c.dynamic_eplb = false;
    if (!layout.has(step::shard_weight)) c.layer_sharding = false;
    if (!layout.has(step::fc3_quant_x)) c.multistream_overlap_gate = false;
    if (!layout.has(step::flashcomm2)) {
        c.flashcomm2_enabled = false;
        c.flashcomm2_oproj_tensor_parallel_size = 1;
    }
    return c;
}

/// One release of each recipe, oldest first: what the per-release figures cover.
inline constexpr std::array<std::string_view, 7> release_per_recipe{"0.13.0", "0.16.0rc1", "0.17.0rc1", "0.18.0",
                                                                    "0.23.0", "0.24.0rc1", "0.25.1rc1"};

/// The world sizes of the issue: 2^10, 2^12, ..., 2^20.
inline constexpr int smallest_world_log2 = 10;
inline constexpr int largest_world_log2 = 20;

/// A config with most families on for 2, 4, 8 or 16 processes (the MPI
/// benchmark): 16 is `ranktopo plan --example`; the smaller ones shrink its
/// tensor, data and pipeline parallelism and drop what no longer fits (head
/// replicas, fine-grained TP and FlashComm2 at 2). Returns world_size 0 for other sizes.
[[nodiscard]] inline config small_config(int world_size) {
    config c = example_config();
    c.world_size = world_size;
    switch (world_size) {
        case 16: break;
        case 8: c.tensor_parallel_size = 2; break;
        case 4:
            c.tensor_parallel_size = 2;
            c.pipeline_parallel_size = 1;
            break;
        case 2:
            c.tensor_parallel_size = 2;
            c.data_parallel_size = 1;
            c.pipeline_parallel_size = 1;
            c.num_head_replica = 1;
            c.oproj_tensor_parallel_size = 1;
            c.embedding_tensor_parallel_size = 1;
            c.mlp_tensor_parallel_size = 1;
            c.flashcomm2_enabled = false;  // S = 1 would borrow the engine's TP group
            c.flashcomm2_oproj_tensor_parallel_size = 1;
            break;
        default: return {};
    }
    return c;
}

}  // namespace ranktopo::bench
