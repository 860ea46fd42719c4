// ranktopo tool — the deployment flags.
#include "deploy_input.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "cli.hpp"

extern char** environ;  // POSIX

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

/// JSON given inline, or @FILE. A value that cannot start a JSON object (a file name
/// without its @) is refused with the hint.
std::string json_or_file(std::string_view flag, const std::string& value) {
    if (value.starts_with("@")) return read_text_file(fmt::format("{} file", flag), value.substr(1));
    if (value.empty()) throw usage_error{fmt::format("{} needs JSON or @FILE", flag)};
    const std::size_t first = value.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && value[first] != '{') {
        throw usage_error{fmt::format("{} takes a JSON object or @FILE, got '{}': to read the file, write {} @{}", flag,
                                      value, flag, value)};
    }
    return value;
}

/// The tool's own flags that vLLM does not have: after `--` they would be taken as
/// `vllm serve` arguments.
constexpr std::array<std::string_view, 22> tool_flags{"--format",       "-o",
                                                      "--output",       "--ranks-per-node",
                                                      "--family",       "--show-config",
                                                      "--fingerprint",  "--to-vllm",
                                                      "--set",          "--example",
                                                      "--env",          "--env-from-process",
                                                      "--model-config", "--vllm-args",
                                                      "--color",        "--from-version",
                                                      "--to-version",   "--from-set",
                                                      "--to-set",       "--allow-cross-node",
                                                      "--vllm-groups",  "--max-ranks"};

}  // namespace

bool deploy_input::take(arguments& args, std::string_view arg) {
    if (arg == "--") {
        has_vllm_args = true;
        while (!args.done()) {
            const std::string_view word = args.take();
            const std::string_view name = word.substr(0, word.find('='));
            if (std::find(tool_flags.begin(), tool_flags.end(), name) != tool_flags.end()) {
                throw usage_error{
                    fmt::format("'{}' after -- is a ranktopo option, not a `vllm serve` argument: "
                                "put it before --",
                                name)};
            }
            vllm_args.emplace_back(word);
        }
    } else if (auto v = args.value(arg, "--vllm-args")) {
        has_vllm_args = true;
        for (std::string& word : ranktopo::split_args(*v)) vllm_args.push_back(std::move(word));
    } else if (auto a = args.value(arg, "--additional-config")) {
        additional_config = json_or_file("--additional-config", *a);
    } else if (auto k = args.value(arg, "--kv-transfer-config")) {
        kv_transfer_config = json_or_file("--kv-transfer-config", *k);
    } else if (auto m = args.value(arg, "--model-config")) {
        // FILE, @FILE like the neighbouring flags, or the JSON itself.
        if (m->empty() || *m == "@") throw usage_error{"--model-config needs FILE, @FILE or JSON"};
        if (m->starts_with("{")) {
            model_config = *m;
        } else {
            model_config_file = m->starts_with("@") ? m->substr(1) : *m;
        }
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
           !model_config.empty() || !env.empty() || env_from_process;
}

ranktopo::derived_config deploy_input::derive(ranktopo::release release) const {
    ranktopo::deployment d;
    d.vllm_args = vllm_args;
    d.additional_config = additional_config;
    d.kv_transfer_config = kv_transfer_config;
    d.model_config = model_config;
    if (!model_config_file.empty()) d.model_config = read_text_file("--model-config file", model_config_file);
    if (env_from_process) {
        // Only the variables that concern vLLM or vllm-ascend: a VLLM_ASCEND_* typo still gets its warning.
        std::vector<std::pair<std::string, std::string>> from_process;
        for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
            const std::string_view text(*entry);
            const std::size_t eq = text.find('=');
            if (eq == std::string_view::npos) continue;
            if (ranktopo::deployment_env_relevant(text.substr(0, eq)))
                from_process.emplace_back(text.substr(0, eq), text.substr(eq + 1));
        }
        std::sort(from_process.begin(), from_process.end());  // the same order whatever the process's
        d.env.insert(d.env.end(), from_process.begin(), from_process.end());
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
    "                             them after -- (ranktopo's own options go before --).\n"
    "                             -tp, -dp, -pp, -pcp, -dpl, -ep, --enforce-eager,\n"
    "                             --additional-config, --kv-transfer-config count; other vLLM\n"
    "                             arguments are skipped (--show-config lists them), and an\n"
    "                             argument vLLM does not have is refused with the nearest one\n"
    "  --additional-config JSON|@FILE   vllm-ascend's additional config\n"
    "  --kv-transfer-config JSON|@FILE  vLLM's KV-transfer config\n"
    "  --model-config FILE|@FILE|JSON  the model's config.json (MLA, KV heads, experts, index_topk)\n"
    "  --env KEY=VALUE            an environment variable, repeatable. The process environment\n"
    "                             is NOT read, so results are reproducible, unless\n"
    "  --env-from-process         reads LOCAL_RANK, DYNAMIC_EPLB, EXPERT_MAP_RECORD,\n"
    "                             VLLM_ASCEND_ENABLE_FLASHCOMM and every VLLM_ASCEND_* from it\n"
    "                             (--env wins). A variable the release does not read gets a\n"
    "                             warning with the nearest one it reads\n"
    "  The rules are those of the release --set vllm_ascend_version=V names (default 0.17.0rc1).\n";

std::string describe_sources(const ranktopo::derived_config& d) {
    std::string out;
    for (const ranktopo::option_source& s : d.sources) {
        const ranktopo::option_info* info = ranktopo::find_option(s.option);
        if (info != nullptr && !ranktopo::option_listed(d.values, *info)) continue;  // dcp = 1: not listed
        const std::string value = info != nullptr ? ranktopo::option_text(d.values, *info) : "";
        out += fmt::format("{:<38} {:<10} {}\n", s.option, value, s.source);
    }
    // What the derivation read from the model (fallbacks named), what the release ignores,
    // and what does not affect the groups.
    for (const ranktopo::option_source& f : d.model_facts) out += fmt::format("model: {} {}\n", f.option, f.source);
    for (const ranktopo::option_source& i : d.ignored) out += fmt::format("ignored: {} ({})\n", i.option, i.source);
    for (const ranktopo::option_source& s : d.skipped) {
        out += s.source.empty() ? fmt::format("skipped: {}\n", s.option)
                                : fmt::format("skipped: {} {}\n", s.option, s.source);
    }
    return out;
}

}  // namespace ranktopo_cli
