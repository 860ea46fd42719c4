// ranktopo tool — the one table of subcommands and their flags: dispatch,
// per-subcommand help of the shared flags, and hints for unknown flags and
// commands. A new subcommand adds one row to commands() (command_table.cpp)
// and parses its arguments with shared_options::take (cli.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"

namespace ranktopo_cli {

/// The shared output flags a subcommand takes; those it lacks, it refuses
/// with the reason its row gives.
enum shared_flag : unsigned {
    takes_format = 1U << 0U,          ///< --format text|json
    takes_color = 1U << 1U,           ///< --color WHEN
    takes_output = 1U << 2U,          ///< -o, --output FILE
    takes_ranks_per_node = 1U << 3U,  ///< --ranks-per-node K
    takes_family = 1U << 4U,          ///< --family NAME[,NAME...]
    takes_all = (1U << 5U) - 1U,
};

struct command_info {
    std::string_view name;
    std::string_view summary;  ///< one line (continuation lines indented by 11 spaces)
    int (*run)(arguments);
    unsigned shared = takes_all;
    std::vector<std::string_view> flags;  ///< its own flags, for hints ("--rank", ...)
    std::string_view exceptions;          ///< why a shared flag is refused or differs here
};

/// Every subcommand, in the order `ranktopo --help` lists them.
[[nodiscard]] const std::vector<command_info>& commands();
[[nodiscard]] const command_info* find_command(std::string_view name);

/// usage_error for a flag `command` does not take: the nearest flag it does
/// take, or the subcommands that take it.
[[noreturn]] void unknown_option(std::string_view command, std::string_view arg);
/// usage_error for a command name that is not one, with the nearest.
[[noreturn]] void unknown_command(std::string_view name);

/// The help of the flags every subcommand shares (input, deployment, output),
/// marking those `command` refuses, and its exceptions.
[[nodiscard]] std::string shared_help(std::string_view command);

}  // namespace ranktopo_cli
