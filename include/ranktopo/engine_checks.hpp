// ranktopo — vllm-ascend's own config rules (ascend_config.py, utils.py).
//
// These are NOT the reference's refusals: validate() decides what the layout
// code can serve, and the golden data accepts configs these rules reject.
// They are an opt-in check for engines that want to refuse what vllm-ascend
// itself would refuse before any group is built. Some rules need facts the
// config does not carry (graph mode, whether a node is a KV consumer):
// engine_checks_undecided() names those instead of guessing.
#pragma once

#include <string>
#include <vector>

#include "ranktopo/config.hpp"
#include "ranktopo/error.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {

/// The rules of vllm-ascend that `c` breaks, each naming its option(s).
/// Decided from the config alone; never throws (but for std::bad_alloc).
[[nodiscard]] inline std::vector<problem> engine_checks(const config& c) {
    using detail::cat;
    std::vector<problem> out;
    const int D = c.data_parallel_size;
    const int T = c.tensor_parallel_size;
    const struct {
        const char* option;
        int size;
    } fine_grained[] = {{"oproj_tensor_parallel_size", c.oproj_tensor_parallel_size},
                        {"lmhead_tensor_parallel_size", c.lmhead_tensor_parallel_size},
                        {"embedding_tensor_parallel_size", c.embedding_tensor_parallel_size},
                        {"mlp_tensor_parallel_size", c.mlp_tensor_parallel_size}};
    for (const auto& [option, size] : fine_grained) {
        if (size > 0 && D > 0 && D % size != 0) {
            out.push_back({option, cat(option, " (", size, ") must divide data_parallel_size (", D, ")")});
        }
    }
    if (c.oproj_tensor_parallel_size > 0 && c.is_kv_producer) {
        out.push_back(
            {"oproj_tensor_parallel_size", cat("oproj_tensor_parallel_size (", c.oproj_tensor_parallel_size,
                                               ") is for decode (KV consumer) nodes, but is_kv_producer is true")});
    }
    if (c.flashcomm2_enabled) {
        const int S = c.flashcomm2_oproj_tensor_parallel_size;
        if (S >= T) {
            out.push_back({"flashcomm2_oproj_tensor_parallel_size",
                           cat("FlashComm2 needs flashcomm2_oproj_tensor_parallel_size (", S,
                               ") < tensor_parallel_size (", T, ")")});
        } else if (S > 0 && T % S != 0) {
            out.push_back({"flashcomm2_oproj_tensor_parallel_size",
                           cat("FlashComm2 needs flashcomm2_oproj_tensor_parallel_size (", S,
                               ") to divide tensor_parallel_size (", T, ")")});
        }
        if (c.oproj_tensor_parallel_size > 0) {
            out.push_back(
                {"oproj_tensor_parallel_size", cat("FlashComm2 cannot be combined with oproj_tensor_parallel_size (",
                                                   c.oproj_tensor_parallel_size, ")")});
        }
    }
    if (c.is_kv_producer && c.pd_tp_ratio > 1 && T % c.pd_tp_ratio != 0) {
        out.push_back({"pd_tp_ratio", cat("prefill TP (tensor_parallel_size ", T,
                                          ") must be a multiple of decode TP, but pd_tp_ratio (", c.pd_tp_ratio,
                                          ") does not divide it")});
    }
    return out;
}

/// The rules of vllm-ascend that apply to `c` but need facts the config
/// does not carry; each message says which fact.
[[nodiscard]] inline std::vector<problem> engine_checks_undecided(const config& c) {
    using detail::cat;
    std::vector<problem> out;
    if (c.oproj_tensor_parallel_size > 0) {
        out.push_back({"oproj_tensor_parallel_size",
                       cat("oproj_tensor_parallel_size (", c.oproj_tensor_parallel_size, ") needs graph mode",
                           c.is_kv_producer ? ", which the config does not carry"
                                            : " and a KV consumer (decode) node: the config carries neither")});
    }
    if (c.flashcomm2_enabled && !c.is_kv_producer) {
        out.push_back({"flashcomm2_enabled",
                       "FlashComm2 is refused on KV consumer (decode) nodes: is_kv_producer is false, but the "
                       "config does not say whether this node is a KV consumer"});
    }
    if (c.flashcomm2_enabled && c.layer_sharding) {
        out.push_back({"layer_sharding",
                       "FlashComm2 with layer sharding needs the sharded layers to be exactly [\"o_proj\"]: the "
                       "config carries only whether sharding is on"});
    }
    return out;
}

}  // namespace ranktopo
