// ranktopo — the topology config: vLLM / vllm-ascend options, by their own names.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "ranktopo/release.hpp"

namespace ranktopo {

/// The options that decide the reference's groups. Names and defaults are
/// vLLM's and vllm-ascend's (see shared/golden/README.md); world_size has no
/// default and must be set.
struct config {
    int world_size = 0;
    int tensor_parallel_size = 1;
    int data_parallel_size = 1;
    int pipeline_parallel_size = 1;
    int prefill_context_parallel_size = 1;
    int decode_context_parallel_size = 1;  ///< vLLM's DCP group size; divides tensor_parallel_size
    int local_rank = 0;                    ///< node-local rank; only the p_tp group's name depends on it
    int pd_tp_ratio = 1;
    int pd_head_ratio = 1;
    int num_head_replica = 1;
    bool is_kv_producer = false;
    int oproj_tensor_parallel_size = 0;  ///< 0 = off
    int lmhead_tensor_parallel_size = 0;
    int embedding_tensor_parallel_size = 0;
    int mlp_tensor_parallel_size = 0;
    bool flashcomm2_enabled = false;
    int flashcomm2_oproj_tensor_parallel_size = 1;
    bool layer_sharding = false;
    bool dsa_cp_layer_shard = false;
    bool dynamic_eplb = false;
    bool multistream_overlap_gate = false;
    release vllm_ascend_version;  ///< whose parallel_state.py to follow; 0.17.0rc1 by default

    friend constexpr bool operator==(const config&, const config&) = default;
};

/// The built-in example (`ranktopo --example`): 16 ranks, D = 2, P = 2,
/// T = 4, and most families on, p_tp with head replicas and FlashComm2 among them.
[[nodiscard]] constexpr config example_config() noexcept {
    config c;
    c.world_size = 16;
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 2;
    c.pipeline_parallel_size = 2;
    c.is_kv_producer = true;
    c.pd_head_ratio = 2;
    c.pd_tp_ratio = 2;
    c.num_head_replica = 2;
    c.oproj_tensor_parallel_size = 2;
    c.lmhead_tensor_parallel_size = 1;
    c.embedding_tensor_parallel_size = 2;
    c.mlp_tensor_parallel_size = 2;
    c.flashcomm2_enabled = true;
    c.flashcomm2_oproj_tensor_parallel_size = 2;
    c.layer_sharding = true;
    c.dynamic_eplb = true;
    c.multistream_overlap_gate = true;
    return c;
}

/// How an option may be set: 0 only where it means "off".
enum class option_domain { required_positive, positive, off_or_positive, non_negative, boolean, version };

/// One config option: its key, what it means, where it lives.
struct option_info {
    std::string_view name;
    option_domain domain;
    int config::*integer = nullptr;   ///< set for integer options
    bool config::*boolean = nullptr;  ///< set for boolean options
    std::string_view help;
    /// The step this option belongs to, for options that exist only in the
    /// releases whose recipe has that step; nothing for options of every release.
    std::optional<step> feature = std::nullopt;
    release config::*version = nullptr;  ///< set for vllm_ascend_version
    /// Left out of the fingerprint and of to_json while at its default, so
    /// that the fingerprints and JSON of every config written before the
    /// option existed stay byte for byte what they were.
    bool silent_at_default = false;
};

/// Every option, in the order of shared/golden/README.md, then the release.
inline constexpr std::array<option_info, 22> options{{
    {"world_size", option_domain::required_positive, &config::world_size, nullptr, "number of ranks N (required)"},
    {"tensor_parallel_size", option_domain::positive, &config::tensor_parallel_size, nullptr, "T"},
    {"data_parallel_size", option_domain::positive, &config::data_parallel_size, nullptr, "D"},
    {"pipeline_parallel_size", option_domain::positive, &config::pipeline_parallel_size, nullptr, "P"},
    {"prefill_context_parallel_size", option_domain::positive, &config::prefill_context_parallel_size, nullptr, "C"},
    {"decode_context_parallel_size", option_domain::positive, &config::decode_context_parallel_size, nullptr,
     "vLLM's DCP group size; must divide tensor_parallel_size", std::nullopt, nullptr, true},
    {"local_rank", option_domain::non_negative, &config::local_rank, nullptr, "node-local rank, names the p_tp group"},
    {"pd_tp_ratio", option_domain::positive, &config::pd_tp_ratio, nullptr, "prefill TP / decode TP"},
    {"pd_head_ratio", option_domain::positive, &config::pd_head_ratio, nullptr, "p_tp is built when > 1"},
    {"num_head_replica", option_domain::positive, &config::num_head_replica, nullptr, "KV head replicas"},
    {"is_kv_producer", option_domain::boolean, nullptr, &config::is_kv_producer, "prefill (KV producer) node"},
    {"oproj_tensor_parallel_size", option_domain::off_or_positive, &config::oproj_tensor_parallel_size, nullptr,
     "fine-grained TP for o_proj, 0 = off"},
    {"lmhead_tensor_parallel_size", option_domain::off_or_positive, &config::lmhead_tensor_parallel_size, nullptr,
     "fine-grained TP for lm_head, 0 = off"},
    {"embedding_tensor_parallel_size", option_domain::off_or_positive, &config::embedding_tensor_parallel_size, nullptr,
     "fine-grained TP for the embedding, 0 = off"},
    {"mlp_tensor_parallel_size", option_domain::off_or_positive, &config::mlp_tensor_parallel_size, nullptr,
     "fine-grained TP for the MLP, 0 = off"},
    {"flashcomm2_enabled", option_domain::boolean, nullptr, &config::flashcomm2_enabled, "FlashComm2 on",
     step::flashcomm2},
    {"flashcomm2_oproj_tensor_parallel_size", option_domain::positive, &config::flashcomm2_oproj_tensor_parallel_size,
     nullptr, "FlashComm2 o_proj TP size S", step::flashcomm2},
    {"layer_sharding", option_domain::boolean, nullptr, &config::layer_sharding, "shard_weight group on",
     step::shard_weight},
    {"dsa_cp_layer_shard", option_domain::boolean, nullptr, &config::dsa_cp_layer_shard,
     "DSA context parallel with layer sharding", step::shard_weight},
    {"dynamic_eplb", option_domain::boolean, nullptr, &config::dynamic_eplb, "dynamic EPLB group on",
     step::dynamic_eplb},
    {"multistream_overlap_gate", option_domain::boolean, nullptr, &config::multistream_overlap_gate,
     "fc3_quant_x group on", step::fc3_quant_x},
    {"vllm_ascend_version", option_domain::version, nullptr, nullptr,
     "the vllm-ascend release whose groups to build (\"latest\" = 0.25.1rc1)", std::nullopt,
     &config::vllm_ascend_version},
}};

/// The value of option `o` in `c` as text: "8", "true", "0.18.0".
[[nodiscard]] inline std::string option_text(const config& c, const option_info& o) {
    if (o.version != nullptr) return std::string((c.*o.version).version());
    if (o.boolean != nullptr) return c.*o.boolean ? "true" : "false";
    return std::to_string(c.*o.integer);
}

/// Whether option `o` is written for `c` (fingerprint, to_json, option
/// tables): always, but for a silent_at_default option left at its default.
[[nodiscard]] inline bool option_listed(const config& c, const option_info& o) {
    return !o.silent_at_default || option_text(c, o) != option_text(config{}, o);
}

/// The option called `name`, or nullptr.
[[nodiscard]] constexpr const option_info* find_option(std::string_view name) noexcept {
    for (const option_info& o : options) {
        if (o.name == name) return &o;
    }
    return nullptr;
}

}  // namespace ranktopo
