// ranktopo show: each family as a table (group → ranks) and a rank grid.
#include <algorithm>
#include <iostream>
#include <optional>
#include <string>

#include <fmt/color.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command_table.hpp"
#include "commands.hpp"
#include "grid.hpp"
#include "ranktopo/analysis.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo_cli {
namespace {

constexpr std::string_view show_help =
    "Usage: ranktopo show [--family NAME] [--format text|json] [--color WHEN] INPUT\n\n"
    "Prints each family of the config (vLLM's world, tp, pp, dp, pcp, ep, then the\n"
    "plan's creations) as a table, group index -> ranks, and as a grid: one block per\n"
    "external replica e, rows d p (DP x PP), columns c t (PCP x TP), each cell the group\n"
    "of the rank there. Ranks are vLLM's: (((e*D + d)*P + p)*C + c)*T + t.\n\n"
    "  --family NAME   only this family, or several: NAME,NAME,... A family name (world,\n"
    "                  tp, pp, dp, pcp, ep, p_tp, mc2, dynamic_eplb, otp, lmheadtp, emtp,\n"
    "                  mlptp, flashcomm2_otp, flashcomm2_odp, shard_weight, fc3_quant_x, as\n"
    "                  the config enables them) or an accessor it serves (mlp_tp, ...)\n\n"
    "Text draws at most 4096 ranks, and 16384 cells over all families; beyond, use --family,\n"
    "'ranktopo explain --rank R', 'ranktopo lint', or --format json, which has no limit.\n\n";

constexpr std::string_view show_examples =
    "\nExamples:\n"
    "  ranktopo show --example --family mc2\n"
    "  ranktopo show --set world_size=16 --set data_parallel_size=2 --set pipeline_parallel_size=2 \\\n"
    "                --set tensor_parallel_size=4 --family dp\n"
    "  ranktopo show --config topology.json --format json | jq '.families[].name'\n";

/// "(2:4) | (4:1)": the family's modes without extent-1 modes, neighbours merged.
std::string coalesced_layout(const ranktopo::family& f) {
    return ranktopo::family(f.groups().coalesce(), f.members().coalesce()).describe();
}

std::string accessors_of(const ranktopo::named_family& f) {
    std::string out;
    for (const std::string& a : f.accessors) out += (out.empty() ? "" : ", ") + a;
    return out;
}

void write_text(std::string& out, const ranktopo::config& c, const ranktopo::named_family& f, bool color,
                int ranks_per_node) {
    const ranktopo::family& groups = f.groups;
    std::string heading = fmt::format("{}: {} group{} of {} rank{}; communicator \"{}\"", f.name, groups.group_count(),
                                      groups.group_count() == 1 ? "" : "s", groups.group_size(),
                                      groups.group_size() == 1 ? "" : "s", f.communicator);
    if (!f.accessors.empty()) heading += "; accessors " + accessors_of(f);
    if (ranks_per_node > 0) {
        heading += fmt::format("; {} of {} cross nodes of {} ranks",
                               ranktopo::groups_crossing_nodes(groups, ranks_per_node), groups.group_count(),
                               ranks_per_node);
    }
    out += paint(color, fmt::emphasis::bold, heading) + '\n';
    out += fmt::format("  layout {}\n", coalesced_layout(groups));

    const int index_width = static_cast<int>(std::to_string(groups.group_count() - 1).size());
    for (int g = 0; g < groups.group_count(); ++g) {
        const std::string label = fmt::format("group {:>{}}", g, index_width);
        out += fmt::format(
            "  {}: {}\n",
            paint(color, fmt::bg(group_color(g, groups.group_count())) | fmt::fg(fmt::color::black), label),
            compact_ranks(groups.group(g)));
    }

    const rank_grid grid(c);
    int width = index_width;
    for (int col = 0; col < grid.columns(); ++col)
        width = std::max(width, static_cast<int>(grid.column_label(col).size()));
    int label_width = 0;
    for (int row = 0; row < grid.rows(); ++row)
        label_width = std::max(label_width, static_cast<int>(grid.row_label(row).size()));
    label_width = std::max(label_width, static_cast<int>(grid.block_label(grid.blocks() - 1).size()));
    const std::string gap = color ? " " : "";  // coloured cells get a margin inside their background
    for (int block = 0; block < grid.blocks(); ++block) {
        out += fmt::format("\n  {:<{}}", grid.block_label(block), label_width);
        for (int col = 0; col < grid.columns(); ++col)
            out += fmt::format(" {}{:>{}}{}", gap, grid.column_label(col), width, gap);
        out += '\n';
        for (int row = 0; row < grid.rows(); ++row) {
            out += fmt::format("  {:<{}}", grid.row_label(row), label_width);
            for (int col = 0; col < grid.columns(); ++col) {
                const int g = groups.locate(grid.rank(block, row, col)).group;
                const std::string cell = fmt::format("{}{:>{}}{}", gap, g, width, gap);
                out += ' ' +
                       paint(color, fmt::bg(group_color(g, groups.group_count())) | fmt::fg(fmt::color::black), cell);
            }
            out += '\n';
        }
    }
}

nlohmann::ordered_json to_json(const ranktopo::named_family& f, int ranks_per_node) {
    const ranktopo::family& groups = f.groups;
    nlohmann::ordered_json j;
    j["name"] = f.name;
    j["origin"] = f.origin == ranktopo::family_origin::vllm ? "vllm" : "reference";
    j["communicator"] = f.communicator;
    j["accessors"] = f.accessors;
    j["group_count"] = groups.group_count();
    j["group_size"] = groups.group_size();
    j["layout"] = coalesced_layout(groups);
    if (ranks_per_node > 0) j["groups_crossing_nodes"] = ranktopo::groups_crossing_nodes(groups, ranks_per_node);
    j["groups"] = groups.to_vectors();
    std::vector<int> group_of(static_cast<std::size_t>(groups.world_size()));
    for (int r = 0; r < groups.world_size(); ++r) group_of[static_cast<std::size_t>(r)] = groups.locate(r).group;
    j["group_of_rank"] = group_of;
    return j;
}

}  // namespace

int show_command(arguments args) {
    shared_options opts("show");
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::cout << show_help << shared_help("show") << show_examples;
            return exit_ok;
        }
        if (!opts.take(args, arg)) unknown_option("show", arg);
    }
    const config_input& input = opts.input;
    const output_options& output = opts.output;
    const std::optional<std::string>& family = opts.family;
    const ranktopo::config c = input.load();
    const std::vector<ranktopo::named_family> shown = chosen_families(c, family.value_or(""));
    // JSON is for scripts: no drawing limit (its size is the groups' and the ranks').
    if (output.format != output_format::json) check_drawable("show", c, shown.size());

    std::string out;
    if (output.format == output_format::json) {
        nlohmann::ordered_json j;
        j["world_size"] = c.world_size;
        const rank_grid grid(c);
        j["sizes"] = {{"E", grid.E}, {"D", grid.D}, {"P", grid.P}, {"C", grid.C}, {"T", grid.T}};
        j["families"] = nlohmann::ordered_json::array();
        for (const ranktopo::named_family& f : shown) j["families"].push_back(to_json(f, opts.ranks_per_node));
        out = j.dump() + '\n';
    } else {
        const bool color = output.colored();
        out = paint(color, fmt::emphasis::bold, fmt::format("{} ranks: {}", c.world_size, sizes(c))) + '\n';
        for (const ranktopo::named_family& f : shown) {
            out += '\n';
            write_text(out, c, f, color, opts.ranks_per_node);
        }
    }
    opts.write(out);
    return exit_ok;
}

}  // namespace ranktopo_cli
