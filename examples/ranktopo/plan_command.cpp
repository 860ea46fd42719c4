// ranktopo plan: every creation, accessor and the destroy order, as JSON.
#include <iostream>
#include <string>

#include "commands.hpp"
#include "ranktopo/deployment.hpp"
#include "ranktopo/fingerprint.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo_cli {

int plan_command(arguments args) {
    config_input input;
    bool fingerprint_only = false;
    bool show_config = false;
    bool to_vllm = false;
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::string help =
                "Usage: ranktopo plan [--config FILE | --example | DEPLOYMENT] [--set KEY=VALUE ...]\n"
                "                     [--fingerprint | --show-config | --to-vllm]\n\n"
                "Prints the plan as one JSON object: {\"creations\": [{\"name\", \"groups\"}, ...],\n"
                "\"handles\": {accessor: creation index or \"borrowed:tp\"}, \"destroy_order\": [...]},\n"
                "the expected part of a golden fixture. An invalid config prints one line on\n"
                "standard error and exits with status 2.\n\n"
                "  --fingerprint   print only the plan's fingerprint: 16 hex digits of FNV-1a 64 over\n"
                "                  the options, creations, bindings and teardown (ranktopo/fingerprint.hpp);\n"
                "                  ranks agree before creating communicators when theirs are equal\n"
                "  --show-config   print the flat config instead, each value with where it came from\n"
                "                  (flag, JSON path, environment variable, model field, default)\n"
                "  --to-vllm       print instead the environment, model config fields and `vllm serve`\n"
                "                  line that give this config; read back, they give it again\n\n";
            help += input_help;
            help += '\n';
            print_options(help);
            help +=
                "\nExamples:\n"
                "  ranktopo plan --example\n"
                "  ranktopo plan --example --fingerprint\n"
                "  ranktopo plan --set world_size=16 --set tensor_parallel_size=4 --set data_parallel_size=4\n"
                "  echo '{\"world_size\": 8, \"tensor_parallel_size\": 2}' | ranktopo plan --config -\n"
                "  ranktopo plan --show-config --vllm-args \"-tp 8 -dp 2\" --env "
                "VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE=2\n"
                "  ranktopo plan --to-vllm --example\n";
            std::cout << help;
            return exit_ok;
        }
        if (arg == "--fingerprint") {
            fingerprint_only = true;
            continue;
        }
        if (arg == "--show-config") {
            show_config = true;
            continue;
        }
        if (arg == "--to-vllm") {
            to_vllm = true;
            continue;
        }
        if (!input.take(args, arg)) throw usage_error{"unknown option '" + std::string(arg) + "'"};
    }
    if (int{fingerprint_only} + int{show_config} + int{to_vllm} > 1) {
        throw usage_error{"--fingerprint, --show-config and --to-vllm exclude each other"};
    }
    const ranktopo::derived_config derived = input.derive();
    const ranktopo::plan p = ranktopo::make_plan(derived.values);  // refuses what the release cannot serve
    if (fingerprint_only) {
        std::cout << ranktopo::fingerprint_text(ranktopo::fingerprint(p)) << '\n';
        return exit_ok;
    }
    if (show_config) {
        std::cout << describe_sources(derived);
        return exit_ok;
    }
    if (to_vllm) {
        std::cout << ranktopo::format_launch(ranktopo::to_deployment(derived.values));
        return exit_ok;
    }
    ranktopo::write_plan_json(std::cout, p);
    // Standard output stays the plan alone; what looks like a typo goes to standard error.
    if (const std::string note = ranktopo::external_replicas_note(p.topology); !note.empty()) {
        std::cerr << "ranktopo plan: note: " << note << '\n';
    }
    return exit_ok;
}

}  // namespace ranktopo_cli
