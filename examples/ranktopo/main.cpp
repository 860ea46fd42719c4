// ranktopo — the command-line tool: compute, show and check a topology's groups.
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "command_table.hpp"
#include "commands.hpp"
#include "ranktopo/release.hpp"
#include "ranktopo/version.hpp"

namespace {

constexpr std::string_view main_help =
    "Usage: ranktopo COMMAND [OPTIONS]\n\n"
    "Computes the communicator groups of vllm-ascend's parallel_state.py, as each release\n"
    "from 0.13.0 to 0.25.1rc1 builds them, for a vLLM topology, without a cluster.\n\n"
    "Commands:\n"
    "{commands}\n\n"
    "Every command reads the config from --config FILE|-, --example, a `vllm serve` line\n"
    "(--vllm-args or -- ARGS) and --set KEY=VALUE, and writes with --format text|json,\n"
    "-o FILE, --ranks-per-node K and --family NAME (docs/cli.md: which command takes which);\n"
    "--set vllm_ascend_version=V picks the vllm-ascend release (default 0.17.0rc1), one of\n"
    "  {releases}\n"
    "Run 'ranktopo COMMAND --help' or 'ranktopo help COMMAND' for a command's options and\n"
    "examples.\n\n"
    "Exit status: 0 success, 1 lint found warnings or diff found differences, 2 invalid\n"
    "config or command line\n"
    "(one line on standard error, nothing on standard output), 3 internal error.\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace ranktopo_cli;
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        const arguments rest(argc, argv, 2);
        if (command == "help" && argc > 2) {  // 'ranktopo help plan' is 'ranktopo plan --help'
            const command_info* c = find_command(argv[2]);
            if (c == nullptr) unknown_command(argv[2]);
            char help_flag[] = "--help";
            char* help_argv[] = {argv[0], argv[2], help_flag};
            return c->run(arguments(3, help_argv, 2));
        }
        if (command == "--help" || command == "-h" || command == "help") {
            // The releases, wrapped at 80 columns under a two-space indent.
            const std::string accepted = ranktopo::accepted_releases();
            std::string releases;
            std::size_t column = 2;
            for (std::string_view left = accepted; !left.empty();) {
                const std::size_t word = std::min(left.find(' '), left.size());
                if (column + word > 80) {
                    releases.back() = '\n';  // the space before the word
                    releases += "  ";
                    column = 2;
                }
                const std::size_t taken = std::min(word + 1, left.size());
                releases += left.substr(0, taken);
                column += taken;
                left.remove_prefix(taken);
            }
            std::string help(main_help);
            std::string list;
            for (const command_info& c : commands()) list += fmt::format("  {:<8} {}\n", c.name, c.summary);
            list.pop_back();
            help.replace(help.find("{commands}"), std::string_view("{commands}").size(), list);
            help.replace(help.find("{releases}"), std::string_view("{releases}").size(), releases);
            std::cout << help;
            return exit_ok;
        }
        if (command == "--version") {
            std::cout << "ranktopo " << ranktopo::version_string << '\n';
            return exit_ok;
        }
        if (command.empty()) throw usage_error{"missing command (try 'ranktopo --help')"};
        if (const command_info* c = find_command(command)) return c->run(rest);
        unknown_command(command);
    } catch (const usage_error& e) {
        std::cerr << "ranktopo" << (command.empty() ? "" : " " + command) << ": " << e.message << '\n';
    } catch (const ranktopo::error& e) {
        std::cerr << "ranktopo " << command << ": " << user_message(e) << '\n';
    } catch (const std::exception& e) {
        std::cerr << "ranktopo " << command << ": internal error: " << e.what() << '\n';
        return exit_internal;
    }
    return exit_invalid;
}
