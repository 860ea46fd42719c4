// ranktopo tool — one function per subcommand: argv after the subcommand's
// name in, exit status out; usage_error and ranktopo::error propagate to main.
#pragma once

#include <string_view>
#include <vector>

#include "cli.hpp"
#include "ranktopo/named_families.hpp"

namespace ranktopo_cli {

int plan_command(arguments args);
int show_command(arguments args);
int explain_command(arguments args);
int lint_command(arguments args);
int svg_command(arguments args);
int diff_command(arguments args);
int html_command(arguments args);
int cost_command(arguments args);

/// The families `show` and `svg` draw: all, or those --family names
/// (NAME,NAME,...; usage_error listing the names for one there is not).
[[nodiscard]] std::vector<ranktopo::named_family> chosen_families(const ranktopo::config& c, std::string_view family);

/// Refuses, with a hint, to draw more than max_drawn_ranks ranks per family
/// or max_drawn_cells in all.
void check_drawable(std::string_view command, const ranktopo::config& c, std::size_t families);

}  // namespace ranktopo_cli
