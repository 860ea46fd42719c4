// ranktopo — the command-line tool: compute and print a topology's groups.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "ranktopo/io.hpp"
#include "ranktopo/ranktopo.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_invalid = 2;

/// A built-in config with most families on: what `--example` loads.
ranktopo::config example_config() {
    ranktopo::config c;
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

/// Thrown for a bad command line; main prints it and exits 2.
struct usage_error {
    std::string message;
};

std::string read_all(std::istream& in) {
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// --config FILE|-, --example and --set key=value, in that order of precedence:
/// the file (or the example) first, then every --set over it.
struct config_input {
    std::string file;
    bool example = false;
    std::vector<std::string> settings;

    /// Consumes argv[i] (and its value) if it is an input option.
    bool take(int argc, char** argv, int& i) {
        const std::string_view arg = argv[i];
        const auto value = [&](std::string_view option) -> std::string {
            if (i + 1 >= argc) throw usage_error{std::string(option) + " needs a value"};
            return argv[++i];
        };
        if (arg == "--config") {
            file = value(arg);
        } else if (arg.starts_with("--config=")) {
            file = std::string(arg.substr(9));
        } else if (arg == "--set") {
            settings.push_back(value(arg));
        } else if (arg.starts_with("--set=")) {
            settings.emplace_back(arg.substr(6));
        } else if (arg == "--example") {
            example = true;
        } else {
            return false;
        }
        return true;
    }

    [[nodiscard]] ranktopo::config load() const {
        if (!file.empty() && example) throw usage_error{"--config and --example exclude each other"};
        ranktopo::config c = example ? example_config() : ranktopo::config{};
        if (!file.empty()) {
            std::string text;
            if (file == "-") {
                text = read_all(std::cin);
            } else {
                std::ifstream in(file, std::ios::binary);
                if (!in) throw usage_error{"cannot open config file '" + file + "'"};
                text = read_all(in);
            }
            c = ranktopo::parse_config(text, c);
        }
        for (const std::string& s : settings) ranktopo::set_option(c, s);
        if (c.world_size == 0) throw usage_error{"world_size is required: give --config FILE, --example or --set world_size=N"};
        return c;
    }
};

constexpr std::string_view input_help =
    "Input (the file or example first, then each --set over it):\n"
    "  --config FILE   a flat JSON object of options; '-' reads standard input\n"
    "  --example       a built-in config with most families on (16 ranks)\n"
    "  --set KEY=VAL   set one option (an integer, or true / false); repeatable\n";

void print_options(std::ostream& out) {
    out << "Options (JSON keys and --set keys; vLLM / vllm-ascend names):\n";
    for (const ranktopo::option_info& o : ranktopo::options) {
        const ranktopo::config defaults;
        std::string def = o.boolean != nullptr ? (defaults.*o.boolean ? "true" : "false")
                                               : std::to_string(defaults.*o.integer);
        if (o.domain == ranktopo::option_domain::required_positive) def = "required";
        out << "  " << o.name << std::string(40 - o.name.size(), ' ') << "default " << def << "; " << o.help
            << '\n';
    }
}

int plan_command(int argc, char** argv) {
    config_input input;
    for (int i = 2; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << "Usage: ranktopo plan [--config FILE | --example] [--set KEY=VALUE ...]\n\n"
                         "Prints the plan as one JSON object: {\"creations\": [{\"name\", \"groups\"}, ...],\n"
                         "\"handles\": {accessor: creation index or \"borrowed:tp\"}, \"destroy_order\": [...]},\n"
                         "the expected part of a golden fixture. An invalid config prints one line on\n"
                         "standard error and exits with status 2.\n\n"
                      << input_help << '\n';
            print_options(std::cout);
            std::cout << "\nExamples:\n"
                         "  ranktopo plan --example\n"
                         "  ranktopo plan --set world_size=16 --set tensor_parallel_size=4 --set data_parallel_size=4\n"
                         "  echo '{\"world_size\": 8, \"tensor_parallel_size\": 2}' | ranktopo plan --config -\n";
            return exit_ok;
        }
        if (!input.take(argc, argv, i)) throw usage_error{"unknown option '" + std::string(arg) + "'"};
    }
    const ranktopo::plan p = ranktopo::make_plan(input.load());
    ranktopo::write_plan_json(std::cout, p);
    return exit_ok;
}

constexpr std::string_view main_help =
    "Usage: ranktopo COMMAND [OPTIONS]\n\n"
    "Computes the communicator groups of vllm-ascend's parallel_state.py (commit 239683c7a6)\n"
    "for a vLLM topology, without a cluster.\n\n"
    "Commands:\n"
    "  plan     print every creation, accessor and the destroy order as JSON\n\n"
    "Run 'ranktopo COMMAND --help' for a command's options. Exit status: 0 success,\n"
    "2 invalid config or command line.\n";

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "--help" || command == "-h" || command == "help") {
            std::cout << main_help;
            return exit_ok;
        }
        if (command == "--version") {
            std::cout << "ranktopo " << ranktopo::version_string << '\n';
            return exit_ok;
        }
        if (command == "plan") return plan_command(argc, argv);
        throw usage_error{command.empty() ? "missing command (try 'ranktopo --help')"
                                          : "unknown command '" + command + "' (try 'ranktopo --help')"};
    } catch (const usage_error& e) {
        std::cerr << "ranktopo" << (command.empty() ? "" : " " + command) << ": " << e.message << '\n';
    } catch (const ranktopo::error& e) {
        std::cerr << "ranktopo " << command << ": " << e.what() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "ranktopo " << command << ": internal error: " << e.what() << '\n';
        return 1;
    }
    return exit_invalid;
}
