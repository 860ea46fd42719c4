// ranktopo — the command-line tool: compute, show and check a topology's groups.
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "ranktopo/version.hpp"

namespace {

constexpr std::string_view main_help =
    "Usage: ranktopo COMMAND [OPTIONS]\n\n"
    "Computes the communicator groups of vllm-ascend's parallel_state.py (commit 239683c7a6)\n"
    "for a vLLM topology, without a cluster.\n\n"
    "Commands:\n"
    "  plan     print every creation, accessor and the destroy order as JSON\n"
    "  show     print each family's groups and a rank grid (rows DP x PP, columns PCP x TP)\n"
    "  explain  one rank's coordinates and, per family, its group, position and members\n"
    "  lint     which axes vary inside each family's groups; the reference's quirks and\n"
    "           vllm-ascend's own rules that apply; groups that cross nodes\n"
    "  svg      draw the rank grid of each family as an SVG picture\n\n"
    "Every command reads the config from --config FILE|-, --example and --set KEY=VALUE.\n"
    "Run 'ranktopo COMMAND --help' for a command's options and examples.\n\n"
    "Exit status: 0 success, 1 lint found warnings, 2 invalid config or command line\n"
    "(one line on standard error, nothing on standard output), 3 internal error.\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace ranktopo_cli;
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        const arguments rest(argc, argv, 2);
        if (command == "--help" || command == "-h" || command == "help") {
            std::cout << main_help;
            return exit_ok;
        }
        if (command == "--version") {
            std::cout << "ranktopo " << ranktopo::version_string << '\n';
            return exit_ok;
        }
        if (command == "plan") return plan_command(rest);
        if (command == "show") return show_command(rest);
        if (command == "explain") return explain_command(rest);
        if (command == "lint") return lint_command(rest);
        if (command == "svg") return svg_command(rest);
        throw usage_error{command.empty() ? "missing command (try 'ranktopo --help')"
                                          : "unknown command '" + command +
                                                "' (commands: plan, show, explain, lint, svg; try 'ranktopo --help')"};
    } catch (const usage_error& e) {
        std::cerr << "ranktopo" << (command.empty() ? "" : " " + command) << ": " << e.message << '\n';
    } catch (const ranktopo::error& e) {
        std::cerr << "ranktopo " << command << ": " << e.what() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "ranktopo " << command << ": internal error: " << e.what() << '\n';
        return exit_internal;
    }
    return exit_invalid;
}
