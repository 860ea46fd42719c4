// ranktopo cost [--rank R] [--env HCCL_BUFFSIZE=N]: what one rank pays for
// its communicators on the config's release — device (HCCL) and CPU (Gloo)
// communicators, the release's HCCL group reuse, HCCL buffer memory, and
// what sharing every identical group would save. Per-rank arithmetic on
// layouts (ranktopo/cost.hpp): instant at any world size.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include <fmt/color.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command_table.hpp"
#include "commands.hpp"
#include "ranktopo/cost.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo_cli {
namespace {

constexpr std::string_view cost_help =
    "Usage: ranktopo cost [--rank R] [--env HCCL_BUFFSIZE=N] [--format text|json] [-o FILE] INPUT\n\n"
    "What rank R pays for its communicators on the config's vllm-ascend release: for\n"
    "each communicator it is a member of, the group size, the HCCL buffer size by name\n"
    "(hccl_config's hccl_buffer_size; HCCL_BUFFSIZE for mc2, which passes none), and\n"
    "whether the release's HCCL process-group registry (0.19.1rc1 on) serves it the\n"
    "device group of an earlier communicator. Then the device communicators after reuse,\n"
    "the CPU (Gloo) ones, the HCCL memory (2 x buffer per device communicator of more\n"
    "than one rank: a ceiling, as a communicator that never communicates allocates\n"
    "nothing), and what sharing every identical group would save.\n\n"
    "  --rank R               the rank, 0 <= R < world_size (default 0: every rank\n"
    "                         pays alike, see docs/cost.md)\n"
    "  --env HCCL_BUFFSIZE=N  the HCCL_BUFFSIZE environment variable in MB (default 200);\n"
    "                         other --env KEY=VALUE go to the deployment input\n\n";

constexpr std::string_view cost_examples =
    "\nExamples:\n"
    "  ranktopo cost --example\n"
    "  ranktopo cost --example --set vllm_ascend_version=0.20.2rc1 --rank 3\n"
    "  ranktopo cost --config topology.json --env HCCL_BUFFSIZE=512 --format json\n";

std::string_view reuse_text(ranktopo::hccl_reuse r) {
    switch (r) {
        case ranktopo::hccl_reuse::none: return "no HCCL group reuse (the registry came in 0.19.1rc1)";
        case ranktopo::hccl_reuse::by_options:
            return "HCCL groups reused when ranks, hccl_config and domain are equal (_hccl_pg_registry.py)";
        case ranktopo::hccl_reuse::name_in_key:
            return "HCCL groups reused only under one name: hccl_config holds group_name (utils.py)";
    }
    return "";
}

std::string_view reuse_key(ranktopo::hccl_reuse r) {
    switch (r) {
        case ranktopo::hccl_reuse::none: return "none";
        case ranktopo::hccl_reuse::by_options: return "ranks_options_domain";
        case ranktopo::hccl_reuse::name_in_key: return "group_name_in_options";
    }
    return "";
}

nlohmann::ordered_json to_json(const ranktopo::rank_cost& r, int world_size, int hccl_buffsize) {
    nlohmann::ordered_json j;
    j["rank"] = r.rank;
    j["world_size"] = world_size;
    j["release"] = r.release;
    j["reuse"] = reuse_key(r.reuse);
    j["hccl_buffsize_mb"] = hccl_buffsize;
    j["communicators"] = nlohmann::ordered_json::array();
    for (const ranktopo::communicator_cost& e : r.communicators) {
        nlohmann::ordered_json c;
        c["name"] = e.name;
        c["communicator"] = e.communicator;
        c["group_size"] = e.group_size;
        c["hccl_buffer_mb"] = e.hccl_buffer_mb;
        c["buffer_from_env"] = e.buffer_from_env;
        c["reuse_domain"] = e.reuse_domain.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.reuse_domain);
        c["device_shared_with"] = e.device_shared_with ? nlohmann::ordered_json(*e.device_shared_with)
                                                       : nlohmann::ordered_json();
        j["communicators"].push_back(c);
    }
    j["device_communicators"] = r.device_communicators;
    j["cpu_communicators"] = r.cpu_communicators;
    j["hccl_memory_mb"] = r.hccl_memory_mb;
    j["identical"] = r.identical;
    j["if_identical_shared"] = {{"device_communicators", r.device_communicators_if_identical_shared},
                                {"hccl_memory_mb", r.hccl_memory_if_identical_shared_mb}};
    return j;
}

std::string to_text(const ranktopo::rank_cost& r, int world_size, bool chosen, bool color) {
    std::string out = paint(color, fmt::emphasis::bold,
                            fmt::format("rank {} of {}{}, vllm-ascend {}", r.rank, world_size,
                                        chosen ? " (every rank pays alike)" : "", r.release));
    out += fmt::format(": {}\n\n", reuse_text(r.reuse));
    std::size_t name_width = 12, size_width = 4, domain_width = 6;
    for (const ranktopo::communicator_cost& e : r.communicators) {
        name_width = std::max(name_width, e.communicator.size());
        size_width = std::max(size_width, std::to_string(e.group_size).size());
        domain_width = std::max(domain_width, e.reuse_domain.size());
    }
    out += paint(color, fmt::emphasis::bold,
                 fmt::format("{:<{}}  {:>{}}  {:>9}  {:<{}}  {}", "communicator", name_width, "size", size_width,
                             "buffer MB", "domain", domain_width, "device group"));
    out += '\n';
    for (const ranktopo::communicator_cost& e : r.communicators) {
        std::string device = e.device_shared_with ? "shared with " + *e.device_shared_with
                             : e.group_size == 1  ? "own (one rank: no memory)"
                                                  : "own";
        const std::string buffer = fmt::format("{}{}", e.hccl_buffer_mb, e.buffer_from_env ? "*" : "");
        out += fmt::format("{:<{}}  {:>{}}  {:>9}  {:<{}}  {}\n", e.communicator, name_width, e.group_size, size_width,
                           buffer, e.reuse_domain.empty() ? "-" : e.reuse_domain, domain_width, device);
    }
    out += "(* HCCL_BUFFSIZE: mc2 passes no hccl_config)\n\n";
    out += fmt::format("device communicators: {} ({} created, {} reused)\n", r.device_communicators,
                       r.communicators.size(),
                       r.communicators.size() - static_cast<std::size_t>(r.device_communicators));
    out += fmt::format("CPU communicators:    {}\n", r.cpu_communicators);
    out += fmt::format(
        "HCCL memory:          {} MB (2 x buffer per device communicator of more than one rank;\n"
        "                      a ceiling: a communicator that never communicates allocates nothing)\n",
        r.hccl_memory_mb);
    for (const std::vector<std::string>& same : r.identical) {
        std::string names;
        for (std::size_t k = 0; k < same.size(); ++k)
            names += (k == 0 ? "" : k + 1 == same.size() ? " and " : ", ") + same[k];
        out += fmt::format("identical groups:     {}\n", names);
    }
    out += fmt::format("sharing every identical group: {} device communicators, {} MB ({} MB saved)\n",
                       r.device_communicators_if_identical_shared, r.hccl_memory_if_identical_shared_mb,
                       r.hccl_memory_mb - r.hccl_memory_if_identical_shared_mb);
    return out;
}

}  // namespace

int cost_command(arguments args) {
    shared_options opts("cost");
    std::optional<std::string> rank_text;
    std::optional<std::string> buffsize_text;
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::cout << cost_help << shared_help("cost") << cost_examples;
            return exit_ok;
        }
        // HCCL_BUFFSIZE is cost's own (HCCL reads it, not vllm-ascend's config
        // code); every other --env KEY=VALUE is the deployment's.
        constexpr std::string_view buffsize = "HCCL_BUFFSIZE=";
        if (arg.starts_with("--env=HCCL_BUFFSIZE=") || (arg == "--env" && args.peek().starts_with(buffsize))) {
            const std::string v = *args.value(arg, "--env");
            set_once(buffsize_text, "--env HCCL_BUFFSIZE", v.substr(buffsize.size()));
            continue;
        }
        if (opts.take(args, arg)) continue;
        if (auto v = args.value(arg, "--rank")) {
            set_once(rank_text, "--rank", *v);
            continue;
        }
        unknown_option("cost", arg);
    }
    if (const char* process = std::getenv("HCCL_BUFFSIZE");
        !buffsize_text && opts.input.deploy.env_from_process && process != nullptr) {
        buffsize_text = process;
    }
    const config_input& input = opts.input;
    const output_options& output = opts.output;
    ranktopo::cost_options settings;
    if (buffsize_text) settings.hccl_buffsize_mb = parse_int("HCCL_BUFFSIZE", *buffsize_text, 1);
    const std::optional<int> given_rank = rank_text ? std::optional<int>(parse_int("--rank", *rank_text, 0))
                                                    : std::nullopt;
    const ranktopo::config c = input.load();
    const ranktopo::plan p = ranktopo::make_plan(c);
    if (given_rank && *given_rank >= c.world_size) {
        throw usage_error{fmt::format("rank {} is outside the world of {} ranks (0..{})", *given_rank, c.world_size,
                                      c.world_size - 1)};
    }
    const int rank = given_rank ? *given_rank : ranktopo::costliest_rank(p, settings);
    const ranktopo::rank_cost r = ranktopo::cost(p, rank, settings);
    opts.write(output.format == output_format::json ? to_json(r, c.world_size, settings.hccl_buffsize_mb).dump() + '\n'
                                                    : to_text(r, c.world_size, !given_rank, output.colored()));
    return exit_ok;
}

}  // namespace ranktopo_cli
