// ranktopo — the command-line tool: compute, show and check a topology's groups.
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "ranktopo/release.hpp"
#include "ranktopo/version.hpp"

namespace {

constexpr std::string_view main_help =
    "Usage: ranktopo COMMAND [OPTIONS]\n\n"
    "Computes the communicator groups of vllm-ascend's parallel_state.py, as each release\n"
    "from 0.13.0 to 0.25.1rc1 builds them, for a vLLM topology, without a cluster.\n\n"
    "Commands:\n"
    "  plan     print every creation, accessor and the destroy order as JSON\n"
    "  show     print each family's groups and a rank grid (rows DP x PP, columns PCP x TP)\n"
    "  explain  one rank's coordinates and, per family, its group, position and members\n"
    "  lint     which axes vary inside each family's groups; the reference's quirks and\n"
    "           vllm-ascend's own rules that apply; groups that cross nodes\n"
    "  svg      draw the rank grid of each family as an SVG picture\n"
    "  diff     what changes between two configs' plans, e.g. one deployment on two releases\n"
    "  cost     what one rank pays for its communicators: HCCL groups after the release's\n"
    "           reuse, CPU groups, HCCL buffer memory, identical groups\n\n"
    "Every command reads the config from --config FILE|-, --example and --set KEY=VALUE;\n"
    "--set vllm_ascend_version=V picks the vllm-ascend release (default 0.17.0rc1), one of\n"
    "  {releases}\n"
    "Run 'ranktopo COMMAND --help' for a command's options and examples.\n\n"
    "Exit status: 0 success, 1 lint found warnings or diff found differences, 2 invalid\n"
    "config or command line\n"
    "(one line on standard error, nothing on standard output), 3 internal error.\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace ranktopo_cli;
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        const arguments rest(argc, argv, 2);
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
            help.replace(help.find("{releases}"), std::string_view("{releases}").size(), releases);
            std::cout << help;
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
        if (command == "diff") return diff_command(rest);
        if (command == "cost") return cost_command(rest);
        throw usage_error{command.empty()
                              ? "missing command (try 'ranktopo --help')"
                              : "unknown command '" + command +
                                    "' (commands: plan, show, explain, lint, svg, diff, cost; try 'ranktopo --help')"};
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
