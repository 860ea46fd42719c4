// ranktopo tool — the deployment flags: a launch line, its JSON configs,
// environment and model config, read by ranktopo::read_deployment().
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ranktopo/deployment.hpp"

namespace ranktopo_cli {

class arguments;

/// --vllm-args "ARGS" (or everything after --), --additional-config JSON|@FILE,
/// --kv-transfer-config JSON|@FILE, --env KEY=VALUE, --env-from-process,
/// --model-config FILE|@FILE|JSON.
struct deploy_input {
    std::vector<std::string> vllm_args;
    bool has_vllm_args = false;
    std::string additional_config;
    std::string kv_transfer_config;
    std::string model_config_file;
    std::string model_config;  ///< --model-config given as JSON
    std::vector<std::pair<std::string, std::string>> env;
    bool env_from_process = false;

    /// Consumes `arg` (and its value) if it is a deployment option.
    bool take(arguments& args, std::string_view arg);
    [[nodiscard]] bool given() const;
    /// The deployment for `release` (the environment from the process first
    /// when asked, then each --env), derived; warnings go to standard error.
    [[nodiscard]] ranktopo::derived_config derive(ranktopo::release release) const;
};

/// The whole text of `path`, or a usage_error naming `what` ("config file")
/// and the path: a directory, a file that cannot be opened or read.
[[nodiscard]] std::string read_text_file(std::string_view what, const std::string& path);

extern const std::string_view deploy_help;

/// "world_size = 16   (TP·PP·PCP·DP ...)" for every option.
[[nodiscard]] std::string describe_sources(const ranktopo::derived_config& d);

}  // namespace ranktopo_cli
