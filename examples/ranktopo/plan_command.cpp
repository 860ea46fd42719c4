// ranktopo plan: every creation, accessor and the destroy order, as JSON.
#include <fstream>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command_table.hpp"
#include "commands.hpp"
#include "ranktopo/deployment.hpp"
#include "ranktopo/fingerprint.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo_cli {

namespace {

constexpr std::string_view plan_help =
    "Usage: ranktopo plan [--config FILE | --example | DEPLOYMENT] [--set KEY=VALUE ...]\n"
    "                     [--fingerprint | --show-config [--changed-only] | --to-vllm]\n"
    "                     [--vllm-groups] [--format json|text] [-o FILE]\n\n"
    "Prints the plan as one JSON object: {\"creations\": [{\"name\", \"groups\"}, ...],\n"
    "\"handles\": {accessor: creation index or \"borrowed:tp\"}, \"destroy_order\": [...]},\n"
    "the expected part of a golden fixture. An invalid config prints one line on\n"
    "standard error and exits with status 2. The plan holds vllm-ascend's creations only.\n\n"
    "  --vllm-groups   add vLLM's own groups (world, tp, pp, dp, pcp, ep) as \"vllm_groups\":\n"
    "                  [{\"name\", \"groups\"}, ...], streamed like the plan, at any scale\n"
    "  --fingerprint   print only the plan's fingerprint: 16 hex digits of FNV-1a 64 over\n"
    "                  the options, creations, bindings and teardown (ranktopo/fingerprint.hpp);\n"
    "                  ranks agree before creating communicators when theirs are equal\n"
    "  --show-config   print the flat config instead, each value with where it came from\n"
    "                  (flag, JSON path, environment variable, model field, default); printed\n"
    "                  even when the config is invalid (then the error follows, exit 2).\n"
    "                  With --format json: {\"options\": [{\"name\", \"value\", \"source\"}]}\n"
    "  --changed-only  with --show-config: leave out the options at their default\n"
    "  --to-vllm       print instead the environment, model config fields and `vllm serve`\n"
    "                  line that give this config; read back, they give it again\n"
    "  --format        json (default): the plan; text: one line per creation and family\n\n";

constexpr std::string_view plan_examples =
    "\nExamples:\n"
    "  ranktopo plan --example\n"
    "  ranktopo plan --example --fingerprint\n"
    "  ranktopo plan --set world_size=16 --set tensor_parallel_size=4 --set data_parallel_size=4\n"
    "  echo '{\"world_size\": 8, \"tensor_parallel_size\": 2}' | ranktopo plan --config -\n"
    "  ranktopo plan --show-config --vllm-args \"-tp 8 -dp 2\" --env "
    "VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE=2\n"
    "  ranktopo plan --to-vllm --set world_size=16 --set tensor_parallel_size=4 --set data_parallel_size=4\n"
    "  ranktopo plan --vllm-groups --set world_size=65536 --set tensor_parallel_size=16 \\\n"
    "                --set data_parallel_size=4096 -o plan.json\n";

/// The --show-config table (text or JSON), every option or only the changed ones.
std::string config_table(const ranktopo::derived_config& d, bool json, bool changed_only) {
    ranktopo::derived_config shown = d;
    if (changed_only) {
        std::erase_if(shown.sources, [](const ranktopo::option_source& s) { return s.source == "default"; });
    }
    if (!json) return describe_sources(shown);
    nlohmann::ordered_json j;
    j["options"] = nlohmann::ordered_json::array();
    for (const ranktopo::option_source& s : shown.sources) {
        const ranktopo::option_info* info = ranktopo::find_option(s.option);
        if (info != nullptr && !ranktopo::option_listed(d.values, *info)) continue;  // dcp = 1: not listed
        const std::string text = info != nullptr ? ranktopo::option_text(d.values, *info) : "";
        nlohmann::ordered_json value = text;
        if (info != nullptr && info->version == nullptr) value = nlohmann::ordered_json::parse(text);
        j["options"].push_back({{"name", s.option}, {"value", value}, {"source", s.source}});
    }
    if (!d.warnings.empty()) j["warnings"] = d.warnings;
    return j.dump() + '\n';
}

std::string plan_text(const ranktopo::plan& p, bool vllm_groups) {
    std::string out = fmt::format("{} ranks: {}\n", p.topology.world_size, sizes(p.topology));
    for (const ranktopo::named_family& f : ranktopo::enabled_families(p)) {
        if (f.origin == ranktopo::family_origin::vllm && !vllm_groups) continue;
        out += fmt::format("{} {}: {} group{} of {}; group 0: {}\n",
                           f.origin == ranktopo::family_origin::vllm ? "vllm     " : "creation ", f.communicator,
                           f.groups.group_count(), f.groups.group_count() == 1 ? "" : "s", f.groups.group_size(),
                           compact_ranks(f.groups.group(0), 4));
    }
    out += fmt::format("fingerprint {}\n", ranktopo::fingerprint_text(ranktopo::fingerprint(p)));
    return out;
}

}  // namespace

int plan_command(arguments args) {
    shared_options opts("plan");
    bool fingerprint_only = false;
    bool show_config = false;
    bool changed_only = false;
    bool to_vllm = false;
    bool vllm_groups = false;
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::string help(plan_help);
            help += shared_help("plan");
            help += '\n';
            print_options(help);
            help += plan_examples;
            std::cout << help;
            return exit_ok;
        }
        if (arg == "--fingerprint") {
            fingerprint_only = true;
        } else if (arg == "--show-config") {
            show_config = true;
        } else if (arg == "--changed-only") {
            changed_only = true;
        } else if (arg == "--to-vllm") {
            to_vllm = true;
        } else if (arg == "--vllm-groups") {
            vllm_groups = true;
        } else if (!opts.take(args, arg)) {
            unknown_option("plan", arg);
        }
    }
    if (int{fingerprint_only} + int{show_config} + int{to_vllm} > 1) {
        throw usage_error{"--fingerprint, --show-config and --to-vllm exclude each other"};
    }
    if (changed_only && !show_config) throw usage_error{"--changed-only goes with --show-config"};
    if (vllm_groups && (fingerprint_only || show_config || to_vllm)) {
        throw usage_error{"--vllm-groups adds to the plan: not with --fingerprint, --show-config or --to-vllm"};
    }
    // The plan is JSON unless --format text; --show-config is text unless --format json.
    const bool json = opts.output.format_given.value_or(show_config ? "text" : "json") == "json";
    const ranktopo::derived_config derived = opts.input.derive();
    if (show_config) {
        // The table first, whether or not the plan can be made: an invalid
        // derived config is when the user needs to see where values came from.
        opts.write(config_table(derived, json, changed_only));
        (void)ranktopo::make_plan(derived.values);  // refusal: one line on stderr, exit 2
        return exit_ok;
    }
    const ranktopo::plan p = ranktopo::make_plan(derived.values);  // refuses what the release cannot serve
    if (fingerprint_only) {
        opts.write(ranktopo::fingerprint_text(ranktopo::fingerprint(p)) + '\n');
        return exit_ok;
    }
    if (to_vllm) {
        opts.write(ranktopo::format_launch(ranktopo::to_deployment(derived.values)));
        return exit_ok;
    }
    if (!json) {
        opts.write(plan_text(p, vllm_groups));
    } else if (!opts.output_file || *opts.output_file == "-") {
        if (vllm_groups) ranktopo::write_plan_json_with_vllm_groups(std::cout, p);
        else ranktopo::write_plan_json(std::cout, p);
    } else {
        std::ofstream file(*opts.output_file, std::ios::binary);
        if (!file) throw usage_error{"cannot write '" + *opts.output_file + "'"};
        if (vllm_groups) ranktopo::write_plan_json_with_vllm_groups(file, p);
        else ranktopo::write_plan_json(file, p);
        if (!file.flush()) throw usage_error{"cannot write '" + *opts.output_file + "'"};
    }
    // Standard output stays the plan alone; what looks like a typo goes to standard error.
    if (const std::string note = ranktopo::external_replicas_note(p.topology); !note.empty()) {
        std::cerr << "ranktopo plan: note: " << note << '\n';
    }
    return exit_ok;
}

}  // namespace ranktopo_cli
