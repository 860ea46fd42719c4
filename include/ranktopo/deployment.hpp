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

/// The environment variables read_deployment() looks at (envs.py and vLLM's LOCAL_RANK).
inline constexpr std::array<std::string_view, 6> deployment_env_names{"LOCAL_RANK",
                                                                      "VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE",
                                                                      "VLLM_ASCEND_ENABLE_FLASHCOMM1",
                                                                      "VLLM_ASCEND_ENABLE_FLASHCOMM",
                                                                      "DYNAMIC_EPLB",
                                                                      "EXPERT_MAP_RECORD"};

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
    std::vector<std::string> warnings;   ///< one line each: keys nobody reads, with the nearest known key
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
