// ranktopo tool — the table of subcommands and their flags.
#include "command_table.hpp"

#include <fmt/format.h>

#include "commands.hpp"
#include "ranktopo/nearest.hpp"

namespace ranktopo_cli {
namespace {

/// The flags every subcommand shares, in the order shared_help lists them.
constexpr std::string_view input_flags[] = {
    "--config",
    "--example",
    "--set",
    "--vllm-args",
    "--additional-config",
    "--kv-transfer-config",
    "--model-config",
    "--env",
    "--env-from-process",
    "--",
};
struct shared_flag_name {
    shared_flag flag;
    std::string_view name;
};
constexpr shared_flag_name output_flags[] = {
    {takes_format, "--format"},
    {takes_color, "--color"},
    {takes_output, "-o"},
    {takes_output, "--output"},
    {takes_ranks_per_node, "--ranks-per-node"},
    {takes_family, "--family"},
};

/// `own`, and the --from-X / --to-X flags of a comparison (comparison_sides).
std::vector<std::string_view> with_side_flags(std::vector<std::string_view> own) {
    own.insert(own.end(), {"--from-version",
                           "--to-version",
                           "--from-set",
                           "--to-set",
                           "--from-config",
                           "--to-config",
                           "--from-example",
                           "--to-example",
                           "--from-vllm-args",
                           "--to-vllm-args",
                           "--from-additional-config",
                           "--to-additional-config",
                           "--from-kv-transfer-config",
                           "--to-kv-transfer-config",
                           "--from-model-config",
                           "--to-model-config",
                           "--from-env",
                           "--to-env",
                           "--from-env-from-process",
                           "--to-env-from-process"});
    return own;
}

}  // namespace

const std::vector<command_info>& commands() {
    static const std::vector<command_info> table = {
        {"plan",
         "print every creation, accessor and the destroy order as JSON; --vllm-groups adds\n"
         "           vLLM's own groups (world, tp, pp, dp, pcp, ep)",
         plan_command,
         takes_all & ~takes_family & ~takes_ranks_per_node,
         {"--fingerprint", "--show-config", "--changed-only", "--to-vllm", "--vllm-groups", "--help"},
         "the plan is one unit (a golden fixture's format, what --fingerprint hashes): it prints every "
         "family; for nodes use 'ranktopo lint --ranks-per-node K', for some families 'ranktopo show --family'"},
        {"show",
         "print each family's groups and a rank grid (rows DP x PP, columns PCP x TP)",
         show_command,
         takes_all,
         {"--help"},
         ""},
        {"explain",
         "one rank's coordinates and, per family, its group, position and members",
         explain_command,
         takes_all,
         {"--rank", "--help"},
         ""},
        {"lint",
         "which axes vary inside each family's groups; the reference's quirks and\n"
         "           vllm-ascend's own rules that apply; groups that cross nodes",
         lint_command,
         takes_all & ~takes_family,
         {"--allow-cross-node", "--help"},
         "lint checks every family, so that a gate cannot miss one; leave one out of the node check "
         "with --allow-cross-node FAMILY"},
        {"svg",
         "draw the rank grid of each family as an SVG picture",
         svg_command,
         takes_output | takes_family,
         {"--help"},
         "its output is an SVG picture in its own colours; for text or JSON use 'ranktopo show', for nodes "
         "'ranktopo show --ranks-per-node K'"},
        {"diff", "what changes between two configs' plans, e.g. one deployment on two releases", diff_command,
         takes_all & ~takes_family & ~takes_ranks_per_node, with_side_flags({"--help"}),
         "diff compares every communicator of the two plans; nodes are lint's "
         "('ranktopo lint --ranks-per-node K' on each side)"},
        {"cost",
         "what one rank pays for its communicators: HCCL groups after the release's\n"
         "           reuse, CPU groups, HCCL buffer memory, identical groups",
         cost_command,
         takes_format | takes_color | takes_output,
         {"--rank", "--help"},
         "cost is one rank's bill, every communicator it is a member of (--rank R picks the rank); for "
         "nodes use 'ranktopo lint --ranks-per-node K'"},
        {"html", "one self-contained interactive page: the rank grid, each rank's groups", html_command,
         takes_output | takes_ranks_per_node, with_side_flags({"--compare-version", "--help"}),
         "the page is HTML, its colours its own, and it holds every family (a picker chooses); for text or "
         "JSON use 'ranktopo show'"},
    };
    return table;
}

const command_info* find_command(std::string_view name) {
    for (const command_info& c : commands())
        if (c.name == name) return &c;
    return nullptr;
}

namespace {

/// The flags `c` takes: the input flags, its shared output flags, its own.
std::vector<std::string_view> flags_of(const command_info& c) {
    std::vector<std::string_view> out(std::begin(input_flags), std::end(input_flags));
    for (const shared_flag_name& f : output_flags)
        if ((c.shared & f.flag) != 0U) out.push_back(f.name);
    out.insert(out.end(), c.flags.begin(), c.flags.end());
    return out;
}

}  // namespace

void unknown_option(std::string_view command, std::string_view arg) {
    const command_info* self = find_command(command);
    const std::string_view name = arg.substr(0, arg.find('='));
    std::string message = fmt::format("unknown option '{}'", arg);
    // A flag of other subcommands: name them.
    std::string owners;
    for (const command_info& c : commands()) {
        if (&c == self) continue;
        for (std::string_view f : flags_of(c)) {
            if (f == name && f != "--help") {
                owners += fmt::format("{}'ranktopo {} {}'", owners.empty() ? "" : ", ", c.name, name);
                break;
            }
        }
    }
    if (!owners.empty()) {
        message += fmt::format(": {} is an option of {}", name, owners);
    } else if (self != nullptr) {
        if (const auto near = ranktopo::nearest_name(name, flags_of(*self)); near && name.starts_with("-")) {
            message += fmt::format(". did you mean '{}'?", *near);
        }
    }
    message += fmt::format(" (see 'ranktopo {} --help')", command);
    throw usage_error{message};
}

void unknown_command(std::string_view name) {
    std::vector<std::string_view> names;
    std::string list;
    for (const command_info& c : commands()) {
        names.push_back(c.name);
        list += (list.empty() ? "" : ", ") + std::string(c.name);
    }
    std::string message = fmt::format("unknown command '{}'", name);
    if (const auto near = ranktopo::nearest_name(name, names)) message += fmt::format(". did you mean '{}'?", *near);
    if (name.starts_with("-")) {
        // A subcommand's flag before the subcommand.
        for (const command_info& c : commands()) {
            for (std::string_view f : flags_of(c)) {
                if (f == name.substr(0, name.find('='))) {
                    message += fmt::format(" ({} is an option: give the command first, e.g. 'ranktopo {} {}')", f,
                                           c.name, name);
                    throw usage_error{message + fmt::format(" (commands: {})", list)};
                }
            }
        }
    }
    throw usage_error{message + fmt::format(" (commands: {}; try 'ranktopo --help')", list)};
}

std::string shared_help(std::string_view command) {
    const command_info* self = find_command(command);
    const unsigned takes = self != nullptr ? self->shared : takes_all;
    std::string out(input_help);
    out +=
        "  DEPLOYMENT      --vllm-args \"ARGS\" or -- ARGS, --additional-config, --kv-transfer-config,\n"
        "                  --model-config, --env KEY=VALUE, --env-from-process: a `vllm serve`\n"
        "                  launch line instead of --config (see 'ranktopo plan --help')\n\n";
    out += "Output (the same flags in every command):\n";
    const auto line = [&](unsigned flag, std::string_view text) {
        if ((takes & flag) != 0U) out += text;
    };
    line(takes_format, "  --format text|json      text for people, JSON for scripts\n");
    line(takes_color,
         "  --color=auto|always|never\n"
         "                          colour text output; auto (default): only when standard\n"
         "                          output is a terminal and NO_COLOR is unset\n");
    line(takes_output, "  -o, --output FILE       write to FILE instead of standard output ('-': standard output)\n");
    line(takes_ranks_per_node, "  --ranks-per-node K      node = rank / K: count the groups that cross nodes\n");
    line(takes_family, "  --family NAME[,NAME]    only these families (names: 'ranktopo show --help')\n");
    std::string refused;
    for (const shared_flag_name& f : output_flags) {
        if ((takes & f.flag) == 0U && f.name != "--output")
            refused += (refused.empty() ? "" : ", ") + std::string(f.name);
    }
    if (!refused.empty() && self != nullptr) {
        out += fmt::format("  Not here: {} ({}: {}).\n", refused, command, self->exceptions);
    }
    return out;
}

}  // namespace ranktopo_cli
