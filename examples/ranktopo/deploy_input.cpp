// ranktopo tool — the deployment flags.
#include "deploy_input.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "cli.hpp"

namespace ranktopo_cli {

std::string read_text_file(std::string_view what, const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw usage_error{fmt::format("{} '{}' is a directory, not a file", what, path)};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error{fmt::format("cannot open {} '{}'", what, path)};
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw usage_error{fmt::format("cannot read {} '{}'", what, path)};
    return text;
}

namespace {

/// JSON given inline, or @FILE.
std::string json_or_file(std::string_view flag, const std::string& value) {
    if (value.starts_with("@")) return read_text_file(fmt::format("{} file", flag), value.substr(1));
    if (value.empty()) throw usage_error{fmt::format("{} needs JSON or @FILE", flag)};
    return value;
}

}  // namespace

bool deploy_input::take(arguments& args, std::string_view arg) {
    if (arg == "--") {
        has_vllm_args = true;
        while (!args.done()) vllm_args.emplace_back(args.take());
    } else if (auto v = args.value(arg, "--vllm-args")) {
        has_vllm_args = true;
        for (std::string& word : ranktopo::split_args(*v)) vllm_args.push_back(std::move(word));
    } else if (auto a = args.value(arg, "--additional-config")) {
        additional_config = json_or_file("--additional-config", *a);
    } else if (auto k = args.value(arg, "--kv-transfer-config")) {
        kv_transfer_config = json_or_file("--kv-transfer-config", *k);
    } else if (auto m = args.value(arg, "--model-config")) {
        if (m->empty()) throw usage_error{"--model-config needs a file name"};
        model_config_file = *m;
    } else if (auto e = args.value(arg, "--env")) {
        const std::size_t eq = e->find('=');
        if (eq == std::string::npos || eq == 0) throw usage_error{fmt::format("--env needs KEY=VALUE, got '{}'", *e)};
        env.emplace_back(e->substr(0, eq), e->substr(eq + 1));
    } else if (arg == "--env-from-process") {
        env_from_process = true;
    } else {
        return false;
    }
    return true;
}

bool deploy_input::given() const {
    return has_vllm_args || !additional_config.empty() || !kv_transfer_config.empty() || !model_config_file.empty() ||
           !env.empty() || env_from_process;
}

ranktopo::derived_config deploy_input::derive(ranktopo::release release) const {
    ranktopo::deployment d;
    d.vllm_args = vllm_args;
    d.additional_config = additional_config;
    d.kv_transfer_config = kv_transfer_config;
    if (!model_config_file.empty()) d.model_config = read_text_file("--model-config file", model_config_file);
    if (env_from_process) {
        for (std::string_view name : ranktopo::deployment_env_names) {
            if (const char* value = std::getenv(std::string(name).c_str())) d.env.emplace_back(name, value);
        }
    }
    d.env.insert(d.env.end(), env.begin(), env.end());
    d.vllm_ascend_version = release;
    ranktopo::derived_config derived = ranktopo::read_deployment(d);
    for (const std::string& w : derived.warnings) std::cerr << "ranktopo: warning: " << w << '\n';
    return derived;
}

const std::string_view deploy_help =
    "Deployment (instead of --config / --example; --set applies over it):\n"
    "  --vllm-args \"ARGS\"         `vllm serve` arguments, quoted as in a shell; or give\n"
    "                             them after --. vLLM's names and short forms count:\n"
    "                             -tp, -dp, -pp, -pcp, -dcp, -dpl, -ep, --enforce-eager,\n"
    "                             --additional-config, --kv-transfer-config; others are skipped\n"
    "  --additional-config JSON|@FILE   vllm-ascend's additional config\n"
    "  --kv-transfer-config JSON|@FILE  vLLM's KV-transfer config\n"
    "  --model-config FILE        the model's config.json (MLA, num_key_value_heads, index_topk)\n"
    "  --env KEY=VALUE            an environment variable, repeatable. The process environment\n"
    "                             is NOT read, so results are reproducible, unless\n"
    "  --env-from-process         reads LOCAL_RANK, VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE,\n"
    "                             VLLM_ASCEND_ENABLE_FLASHCOMM1, VLLM_ASCEND_ENABLE_FLASHCOMM,\n"
    "                             DYNAMIC_EPLB and EXPERT_MAP_RECORD from it (--env wins)\n"
    "  The rules are those of the release --set vllm_ascend_version=V names (default 0.17.0rc1).\n";

std::string describe_sources(const ranktopo::derived_config& d) {
    std::string out;
    for (const ranktopo::option_source& s : d.sources) {
        const ranktopo::option_info* info = ranktopo::find_option(s.option);
        const std::string value = info != nullptr ? ranktopo::option_text(d.values, *info) : "";
        out += fmt::format("{:<38} {:<10} {}\n", s.option, value, s.source);
    }
    return out;
}

}  // namespace ranktopo_cli
