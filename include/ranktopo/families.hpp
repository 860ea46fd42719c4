// ranktopo — every group family, as a layout expression over the ranks.
//
// Each function maps a config to one family. The formulas are those of
// shared/reference/layouts.md; each is written as the reference's own
// reshape (split / select / divide of modes), not as a loop nest. Every
// function checks what it needs and throws config_error naming the option.
#pragma once

#include <cstdint>
#include <optional>

#include "ranktopo/config.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/layout.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {

/// Mode indices of vLLM's coordinate layout.
enum axis : int { axis_e = 0, axis_d = 1, axis_p = 2, axis_c = 3, axis_t = 4 };

/// vLLM's rank layout (E, D, P, C, T), rank = (((e·D + d)·P + p)·C + c)·T + t.
/// Throws config_error if the config is invalid.
[[nodiscard]] inline layout coordinates(const config& c) {
    require_valid(c, "ranktopo::coordinates");
    return layout::row_major({detail::external_dp(c), c.data_parallel_size, c.pipeline_parallel_size,
                              c.prefill_context_parallel_size, c.tensor_parallel_size});
}

namespace detail {

/// The (D, P, T) grid with T split as (S, T/S): tensor rank t = j·(T/S) + i.
[[nodiscard]] inline layout flashcomm2_grid(const config& c, const char* function) {
    require_valid(c, function);
    if (!flashcomm2_groups_enabled(c)) {
        throw config_error(function, {{"flashcomm2_oproj_tensor_parallel_size",
                                       cat("FlashComm2 groups need flashcomm2_enabled and "
                                           "flashcomm2_oproj_tensor_parallel_size (",
                                           c.flashcomm2_oproj_tensor_parallel_size, ") > 1")}});
    }
    return layout::row_major({c.data_parallel_size, c.pipeline_parallel_size, c.tensor_parallel_size})
        .split(2, c.flashcomm2_oproj_tensor_parallel_size);  // (D, P, S, n)
}

}  // namespace detail

namespace families {

// --- vLLM's own families -------------------------------------------------

/// All ranks, one group.
[[nodiscard]] inline family world(const config& c) {
    require_valid(c, "ranktopo::families::world");
    return {layout{}, layout::row_major({c.world_size})};
}

/// Tensor parallel: for e, d, p, c, the T ranks t = 0..T-1.
[[nodiscard]] inline family tp(const config& c) {
    const layout x = coordinates(c);
    return {x.select({axis_e, axis_d, axis_p, axis_c}), x.select({axis_t})};
}

/// Decode context parallel of size k (k divides T): consecutive blocks of k,
/// vLLM's all_ranks.reshape(-1, k); each splits one TP group.
[[nodiscard]] inline family dcp(const config& c, int k) {
    require_valid(c, "ranktopo::families::dcp");
    if (k < 1 || c.tensor_parallel_size % k != 0) {
        throw config_error("ranktopo::families::dcp",
                           {{"decode_context_parallel_size",
                             detail::cat("decode_context_parallel_size (", k, ") must divide tensor_parallel_size (",
                                         c.tensor_parallel_size, ")")}});
    }
    const layout x = layout::row_major({c.world_size / k, k});
    return {x.select({0}), x.select({1})};
}

/// vLLM's DCP groups of the config's decode_context_parallel_size.
[[nodiscard]] inline family dcp(const config& c) {
    return dcp(c, c.decode_context_parallel_size);
}

/// Prefill context parallel: for e, d, p, t, the C ranks c = 0..C-1.
[[nodiscard]] inline family pcp(const config& c) {
    const layout x = coordinates(c);
    return {x.select({axis_e, axis_d, axis_p, axis_t}), x.select({axis_c})};
}

/// Pipeline parallel: for e, d, t, c, the P stages.
[[nodiscard]] inline family pp(const config& c) {
    const layout x = coordinates(c);
    return {x.select({axis_e, axis_d, axis_t, axis_c}), x.select({axis_p})};
}

/// Data parallel: for e, t, p, c, the D replicas.
[[nodiscard]] inline family dp(const config& c) {
    const layout x = coordinates(c);
    return {x.select({axis_e, axis_t, axis_p, axis_c}), x.select({axis_d})};
}

/// Expert parallel: for e, p, the ranks (d, c, t).
[[nodiscard]] inline family ep(const config& c) {
    const layout x = coordinates(c);
    return {x.select({axis_e, axis_p}), x.select({axis_d, axis_c, axis_t})};
}

// --- the reference's families ----------------------------------------------

/// MC2 (also dynamic_eplb and fc3_quant_x), as the config's release builds
/// it: up to 0.17.0rc1 consecutive blocks of D·C·T, which span pipeline
/// stages when D > 1 and P > 1 (a quirk kept); from 0.18.0 on vLLM's EP groups.
[[nodiscard]] inline family mc2(const config& c) {
    require_valid(c, "ranktopo::families::mc2");
    if (c.vllm_ascend_version.layout().mc2 == mc2_groups::vllm_ep) return ep(c);
    const int block = c.data_parallel_size * c.prefill_context_parallel_size * c.tensor_parallel_size;
    const layout x = layout::row_major({c.world_size / block, block});
    return {x.select({0}), x.select({1})};
}

/// Prefill-TP all-to-all (p_tp). With num_head_replica h <= 1, blocks of
/// pd_tp_ratio; else the ranks viewed as (B, heads, h), replicas outermost
/// after the transpose, heads cut into all-to-all groups of heads / (T / R).
/// B is the release's replica count: D up to 0.16.0rc1, D·C in 0.17.0rc1
/// (quirks kept: they leave pipeline stages out), D·P·C from 0.18.0 on.
/// Throws unless p_tp is enabled.
[[nodiscard]] inline family p_tp(const config& c) {
    require_valid(c, "ranktopo::families::p_tp");
    if (!detail::p_tp_enabled(c)) {
        throw config_error(
            "ranktopo::families::p_tp",
            {{"pd_head_ratio", detail::cat("p_tp needs pd_head_ratio (", c.pd_head_ratio, ") > 1 and is_kv_producer (",
                                           c.is_kv_producer ? "true" : "false", ")")}});
    }
    const int N = c.world_size;
    if (c.num_head_replica <= 1) {
        const layout x = layout::row_major({N / c.pd_tp_ratio, c.pd_tp_ratio});
        return {x.select({0}), x.select({1})};
    }
    const int replicas = detail::p_tp_replica_count(c);
    const int h = c.num_head_replica;
    const int heads = N / (replicas * h);
    const int alltoall = heads / (c.tensor_parallel_size / c.pd_tp_ratio);
    const layout x = layout::row_major({replicas, heads, h})  // view(B, -1, h)
                         .select({0, 2, 1})                   // permute(0, 2, 1)
                         .split(2, heads / alltoall);         // view(B, h, -1, A)
    return {x.select({0, 1, 2}), x.select({3})};
}

/// Fine-grained TP of size s (o_proj, lm_head, embedding, MLP): the grid
/// (P, D, T), D cut into chunks of s; a group is one chunk at one (p, t).
/// Quirk kept: the grid is pp-major where vLLM's is dp-major.
[[nodiscard]] inline family fine_grained(const config& c, int size) {
    require_valid(c, "ranktopo::families::fine_grained");
    detail::problems found;
    if (size < 1) {
        found.push_back({"size", detail::cat("fine-grained TP size (", size, ") must be at least 1")});
    } else {
        detail::check_fine_grained(c, size, "size", found);
    }
    if (!found.empty()) throw config_error("ranktopo::families::fine_grained", std::move(found));
    const layout x = layout::row_major({c.pipeline_parallel_size, c.data_parallel_size, c.tensor_parallel_size})
                         .split(1, c.data_parallel_size / size);  // (P, D/s, s, T)
    return {x.select({0, 1, 3}), x.select({2})};
}

/// FlashComm2 o_proj TP: for d, p, i, the S ranks t = i + j·(T/S).
[[nodiscard]] inline family flashcomm2_otp(const config& c) {
    const layout x = detail::flashcomm2_grid(c, "ranktopo::families::flashcomm2_otp");
    return {x.select({0, 1, 3}), x.select({2})};
}

/// FlashComm2 o_proj DP: for d, p, j, the T/S consecutive ranks.
[[nodiscard]] inline family flashcomm2_odp(const config& c) {
    const layout x = detail::flashcomm2_grid(c, "ranktopo::families::flashcomm2_odp");
    return {x.select({0, 1, 2}), x.select({3})};
}

/// Which module-TP matrix the shard_weight group is built over.
enum class shard_weight_source { pipeline_stages, flashcomm2_otp, tp };

[[nodiscard]] constexpr shard_weight_source shard_weight_basis(const config& c) noexcept {
    if (c.flashcomm2_enabled) {
        return detail::flashcomm2_groups_enabled(c) ? shard_weight_source::flashcomm2_otp
                                                    : shard_weight_source::pipeline_stages;
    }
    return c.dsa_cp_layer_shard ? shard_weight_source::pipeline_stages : shard_weight_source::tp;
}

/// Layer sharding. Over no module-TP matrix: one group per pipeline stage,
/// members in (e, d, t, c) order. Over a matrix M (rows = groups): its rows
/// viewed as (P, G), a group per (q, column w) holding M[q·G + g][w].
/// Quirk kept: the (P, G) view cuts vLLM-ordered rows, so with P > 1 and
/// D > 1 groups follow the row order, not the pipeline stage.
[[nodiscard]] inline family shard_weight(const config& c) {
    require_valid(c, "ranktopo::families::shard_weight");
    const auto over = [&](const family& module) -> family {
        // module.groups() numbers the rows of M; view(P, G) divides it.
        const auto [stage, row] = module.groups().divide(c.pipeline_parallel_size);
        return {concat(stage, module.members()), row};
    };
    switch (shard_weight_basis(c)) {
        case shard_weight_source::flashcomm2_otp: return over(flashcomm2_otp(c));
        case shard_weight_source::tp: return over(tp(c));
        case shard_weight_source::pipeline_stages: break;
    }
    const layout x = coordinates(c);
    return {x.select({axis_p}), x.select({axis_e, axis_d, axis_t, axis_c})};
}

}  // namespace families

/// vllm-ascend's get_global_rank (defined from 0.22.1rc1 on): a rank unique
/// across all DP replicas, also when each replica runs as its own DP = 1
/// engine: data_parallel_index · R + rank_in_group mod R, with R = T·P·C the
/// ranks of one replica. Throws config_error for a release without it or a
/// negative argument.
[[nodiscard]] inline std::int64_t global_rank(const config& c, int data_parallel_index, int rank_in_group) {
    constexpr const char* function = "ranktopo::global_rank";
    require_valid(c, function);
    detail::problems found;
    if (!c.vllm_ascend_version.layout().defines_global_rank) {
        found.push_back(
            {"vllm_ascend_version", detail::cat("get_global_rank does not exist in vllm-ascend ",
                                                c.vllm_ascend_version.version(), " (vllm_ascend_version)")});
    }
    if (data_parallel_index < 0) {
        found.push_back({"data_parallel_index",
                         detail::cat("data_parallel_index (", data_parallel_index, ") must not be negative")});
    }
    if (rank_in_group < 0) {
        found.push_back({"rank_in_group", detail::cat("rank_in_group (", rank_in_group, ") must not be negative")});
    }
    if (!found.empty()) throw config_error(function, std::move(found));
    const std::int64_t replica = std::int64_t{c.tensor_parallel_size} * c.pipeline_parallel_size *
                                 c.prefill_context_parallel_size;
    return data_parallel_index * replica + rank_in_group % replica;
}

}  // namespace ranktopo
