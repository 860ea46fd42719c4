// ranktopo — a deployment as people write it (compiled part: ranktopo::ranktopo).
//
// `vllm serve` arguments, vllm-ascend's additional config, the KV-transfer
// config, environment variables and the model's config.json go in; the flat
// config comes out, derived as the chosen release's
// vllm_ascend/ascend_config.py, utils.py and envs.py derive it, with where
// each value came from. And back: the deployment that produces a flat config.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ranktopo/config.hpp"

namespace ranktopo {

/// The environment variables read_deployment() derives options from (envs.py and vLLM's
/// LOCAL_RANK). It also knows, per release, every other variable vllm-ascend reads: a
/// VLLM_ASCEND_* variable the release does not read gets a warning with the nearest name.
inline constexpr std::array<std::string_view, 6> deployment_env_names{"LOCAL_RANK",
                                                                      "VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE",
                                                                      "VLLM_ASCEND_ENABLE_FLASHCOMM1",
                                                                      "VLLM_ASCEND_ENABLE_FLASHCOMM",
                                                                      "DYNAMIC_EPLB",
                                                                      "EXPERT_MAP_RECORD"};

/// Whether the process environment variable `name` concerns vLLM or vllm-ascend
/// (--env-from-process passes only these): one of deployment_env_names, or VLLM_ASCEND_*.
[[nodiscard]] constexpr bool deployment_env_relevant(std::string_view name) noexcept {
    for (std::string_view n : deployment_env_names)
        if (n == name) return true;
    return name.starts_with("VLLM_ASCEND_");
}

/// What a deployment is made of. Every part is optional; JSON parts are text
/// ("" = not given). Nothing is read from the process environment here.
struct deployment {
    std::vector<std::string> vllm_args;                    ///< `vllm serve` arguments, e.g. {"serve", "/m", "-tp", "8"}
    std::string additional_config;                         ///< --additional-config JSON
    std::string kv_transfer_config;                        ///< --kv-transfer-config JSON
    std::vector<std::pair<std::string, std::string>> env;  ///< environment variables, in order
    std::string model_config;                              ///< the model's config.json
    release vllm_ascend_version;                           ///< whose rules to follow
};

/// Where one option's value came from: "--tensor-parallel-size",
/// "--additional-config: eplb_config.dynamic_eplb", "env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE",
/// "model config: num_key_value_heads", "default".
struct option_source {
    std::string option;
    std::string source;
    friend bool operator==(const option_source&, const option_source&) = default;
};

struct derived_config {
    config values;
    std::vector<option_source> sources;  ///< one per option, in the order of `options`
    /// Model facts the derivation used, with where each came from, fallbacks included:
    /// {"num_key_value_heads", "32 (model config: num_attention_heads, transformers' default)"}.
    std::vector<option_source> model_facts;
    /// Inputs the release does not read, each with why: {"--additional-config: layer_sharding",
    /// "ignored by 0.24.0rc1"}. Each also has its line in `warnings`.
    std::vector<option_source> ignored;
    /// `vllm serve` arguments vLLM has that do not affect the groups, and variables that are
    /// vLLM's or the runtime's (not vllm-ascend's), as given: {"--max-model-len", "4096"}.
    std::vector<option_source> skipped;
    std::vector<std::string> warnings;  ///< one line each: what the release ignores, with the nearest known name
};

/// Derives the flat config of `d`. Throws config_error naming the flag and
/// the JSON path (or variable, or model field) of the first problem: wrong
/// types, values the release refuses, a model config that a derivation needs
/// but that is missing. No partial result.
[[nodiscard]] derived_config read_deployment(const deployment& d);

/// The deployment that read_deployment() turns into `c` (its model config
/// only when a derivation needs one). Throws config_error naming the option
/// when no deployment of the release produces `c`.
[[nodiscard]] deployment to_deployment(const config& c);

/// Splits a command line as a POSIX shell does for words: blanks separate,
/// 'single' and "double" quotes group, backslash escapes. Throws config_error
/// for an unterminated quote.
[[nodiscard]] std::vector<std::string> split_args(std::string_view command_line);

/// `d` as a launch script: `export K=V` lines, the model config as a comment,
/// then one `vllm serve` line with shell-quoted arguments.
[[nodiscard]] std::string format_launch(const deployment& d);

}  // namespace ranktopo
