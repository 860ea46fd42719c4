// ranktopo explain --rank R: one rank's coordinates and, for every family,
// its group, position, members and communicator — per-rank arithmetic
// (family::locate, family::group), so instant at any world size.
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
#include "ranktopo/families.hpp"
#include "ranktopo/fingerprint.hpp"
#include "ranktopo/identical.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo_cli {
namespace {

constexpr std::string_view explain_help =
    "Usage: ranktopo explain --rank R [--format text|json] [--color WHEN] INPUT\n\n"
    "Prints rank R's coordinates (e, d, p, c, t), with R = (((e*D + d)*P + p)*C + c)*T + t,\n"
    "and for every family of the config: R's group index, its position in the group,\n"
    "the communicator's name and the group's members. Long member lists are cut after\n"
    "a few runs in text; JSON lists members of groups up to 4096 ranks and always gives\n"
    "the member layout (rank = base + sum of coordinate * stride). Families that hold\n"
    "identical groups (of more than one rank) are listed after the table, and in JSON\n"
    "as \"identical\". Instant at any size.\n\n"
    "  --rank R        the rank to explain, 0 <= R < world_size\n\n";

constexpr std::string_view explain_examples =
    "\nExamples:\n"
    "  ranktopo explain --example --rank 13\n"
    "  ranktopo explain --set world_size=1048576 --set tensor_parallel_size=16 \\\n"
    "                   --set data_parallel_size=65536 --rank 1000000\n"
    "  ranktopo explain --config topology.json --rank 5 --format json\n";

constexpr int max_listed_members = 4096;
constexpr int max_text_runs = 8;

}  // namespace

int explain_command(arguments args) {
    shared_options opts("explain");
    std::optional<std::string> rank_text;
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::cout << explain_help << shared_help("explain") << explain_examples;
            return exit_ok;
        }
        if (opts.take(args, arg)) continue;
        if (auto v = args.value(arg, "--rank")) {
            set_once(rank_text, "--rank", *v);
            continue;
        }
        unknown_option("explain", arg);
    }
    const config_input& input = opts.input;
    const output_options& output = opts.output;
    if (!rank_text) throw usage_error{"explain needs --rank R"};
    const int rank = parse_int("--rank", *rank_text, 0);
    const ranktopo::config c = input.load();
    const ranktopo::plan p = ranktopo::make_plan(c);
    if (rank >= c.world_size) {
        throw usage_error{
            fmt::format("rank {} is outside the world of {} ranks (0..{})", rank, c.world_size, c.world_size - 1)};
    }
    const rank_grid grid(c);
    const ranktopo::layout x = ranktopo::coordinates(c);
    int coordinate[5];
    for (int a = 0; a < 5; ++a) coordinate[a] = (rank / x[a].stride) % x[a].extent;
    const std::vector<ranktopo::named_family> all = opts.family ? chosen_families(c, *opts.family)
                                                                : ranktopo::enabled_families(p);
    const std::vector<std::vector<std::string>> identical = ranktopo::identical_group_names(all);

    std::string out;
    if (output.format == output_format::json) {
        nlohmann::ordered_json j;
        j["rank"] = rank;
        j["world_size"] = c.world_size;
        j["sizes"] = {{"E", grid.E}, {"D", grid.D}, {"P", grid.P}, {"C", grid.C}, {"T", grid.T}};
        j["coordinates"] = {{"e", coordinate[0]},
                            {"d", coordinate[1]},
                            {"p", coordinate[2]},
                            {"c", coordinate[3]},
                            {"t", coordinate[4]}};
        if (opts.ranks_per_node > 0) j["node"] = rank / opts.ranks_per_node;
        j["families"] = nlohmann::ordered_json::array();
        for (const ranktopo::named_family& f : all) {
            const ranktopo::location at = f.groups.locate(rank);
            const ranktopo::group_view members = f.groups.group(at.group);
            nlohmann::ordered_json e;
            e["name"] = f.name;
            e["communicator"] = f.communicator;
            e["accessors"] = f.accessors;
            e["group"] = at.group;
            e["position"] = at.position;
            e["group_size"] = members.size();
            nlohmann::ordered_json modes = nlohmann::ordered_json::array();
            for (const ranktopo::mode& m : f.groups.members().coalesce()) modes.push_back({m.extent, m.stride});
            e["member_layout"] = {{"base", members[0]}, {"modes", modes}};
            if (members.size() <= max_listed_members) e["members"] = members.to_vector();
            j["families"].push_back(e);
        }
        j["identical"] = identical;
        j["fingerprint"] = ranktopo::fingerprint_text(ranktopo::fingerprint(p));
        out = j.dump() + '\n';
    } else {
        const bool color = output.colored();
        out = paint(color, fmt::emphasis::bold,
                    fmt::format("rank {} of {}: e={} d={} p={} c={} t={}", rank, c.world_size, coordinate[0],
                                coordinate[1], coordinate[2], coordinate[3], coordinate[4]));
        out += fmt::format("  ({}; rank = (((e*D + d)*P + p)*C + c)*T + t)\n", sizes(c));
        if (opts.ranks_per_node > 0) {
            out += fmt::format("node {} of {} ranks per node (ranks {}..{})\n", rank / opts.ranks_per_node,
                               opts.ranks_per_node, rank / opts.ranks_per_node * opts.ranks_per_node,
                               std::min(c.world_size, (rank / opts.ranks_per_node + 1) * opts.ranks_per_node) - 1);
        }
        if (const std::string note = ranktopo::external_replicas_note(c); !note.empty()) {
            out += paint(color, fmt::fg(fmt::terminal_color::cyan), "note: " + note) + '\n';
        }
        out += '\n';
        std::size_t name_width = 6, comm_width = 12, group_width = 5, position_width = 8;
        for (const ranktopo::named_family& f : all) {
            const ranktopo::location at = f.groups.locate(rank);
            name_width = std::max(name_width, f.name.size());
            comm_width = std::max(comm_width, f.communicator.size());
            group_width = std::max(group_width, std::to_string(at.group).size());
            position_width = std::max(position_width, std::to_string(at.position).size());
        }
        out += paint(color, fmt::emphasis::bold,
                     fmt::format("{:<{}}  {:>{}}  {:>{}}  {:<{}}  {}", "family", name_width, "group", group_width,
                                 "position", position_width, "communicator", comm_width, "members"));
        out += '\n';
        std::string footnotes;
        for (const ranktopo::named_family& f : all) {
            const ranktopo::location at = f.groups.locate(rank);
            out += fmt::format("{:<{}}  {:>{}}  {:>{}}  {:<{}}  {}\n", f.name, name_width, at.group, group_width,
                               at.position, position_width, f.communicator, comm_width,
                               compact_ranks(f.groups.group(at.group), max_text_runs));
            if (f.name == "p_tp" && f.communicator != fmt::format("p_tp_{}", at.group)) {
                footnotes += paint(color, fmt::fg(fmt::terminal_color::cyan),
                                   fmt::format("note: p_tp is named {} after the group of local_rank {}, not "
                                               "p_tp_{} (rank {}'s own group): a quirk of the reference",
                                               f.communicator, c.local_rank, at.group, rank)) +
                             '\n';
            }
        }
        for (const std::vector<std::string>& same : identical) {
            std::string names;
            for (std::size_t k = 0; k < same.size(); ++k)
                names += (k == 0 ? "" : k + 1 == same.size() ? " and " : ", ") + same[k];
            footnotes += paint(
                             color, fmt::fg(fmt::terminal_color::cyan),
                             fmt::format("note: {} hold identical groups (ranktopo cost: what sharing saves)", names)) +
                         '\n';
        }
        if (!footnotes.empty()) out += '\n' + footnotes;
        out += fmt::format("\nplan fingerprint {} (ranktopo plan --fingerprint)\n",
                           ranktopo::fingerprint_text(ranktopo::fingerprint(p)));
    }
    opts.write(out);
    return exit_ok;
}

}  // namespace ranktopo_cli
