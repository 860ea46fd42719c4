// ranktopo lint: the axes inside each family's groups, warnings for mixed
// stages or replicas, the reference's quirks and vllm-ascend's own rules,
// and with --ranks-per-node the groups that cross nodes. Exit 1 on warnings.
#include <algorithm>
#include <iostream>
#include <optional>
#include <string>

#include <fmt/color.h>
#include <fmt/format.h>

#include "command_table.hpp"
#include "commands.hpp"
#include "grid.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/lint.hpp"

namespace ranktopo_cli {
namespace {

constexpr std::string_view lint_help =
    "Usage: ranktopo lint [--ranks-per-node K] [--format text|json] [--color WHEN] INPUT\n\n"
    "For every family of the config, which of vLLM's coordinate axes (e external replica,\n"
    "d DP, p PP, c PCP, t TP) vary inside its groups and which stay fixed, computed from\n"
    "the layouts. Warns about:\n"
    "  - families whose groups mix pipeline stages or external replicas (world spans\n"
    "    everything and pp spans stages by design: not warned about);\n"
    "  - the reference's known quirks that show in this config;\n"
    "  - vllm-ascend's own config rules (ascend_config.py, utils.py) that the config\n"
    "    breaks: these are not the layout's refusals, which exit 2.\n"
    "Rules that need facts the config does not carry (graph mode, KV consumer) are notes.\n\n"
    "  --ranks-per-node K  also count, per family, the groups that hold ranks of more\n"
    "                      than one node (node = rank / K), and check p_tp's names. Groups\n"
    "                      crossing nodes are warnings for the families vllm-ascend keeps\n"
    "                      in a node: tp (its guidance: TP within a node, over HCCS);\n"
    "                      a note when K does not divide world_size\n"
    "  --allow-cross-node FAMILY[,FAMILY]  no warning for these families crossing nodes\n\n"
    "Exit status: 0 no warnings, 1 warnings, 2 invalid config or command line.\n\n";

constexpr std::string_view lint_examples =
    "\nExamples:\n"
    "  ranktopo lint --example\n"
    "  ranktopo lint --set world_size=32 --set data_parallel_size=4 --set pipeline_parallel_size=2 \\\n"
    "                --set tensor_parallel_size=4 --ranks-per-node 8\n"
    "  ranktopo lint --config topology.json --format json || echo 'see warnings'\n";

std::string to_text(const ranktopo::lint_report& r, bool color) {
    const ranktopo::config& c = r.topology;
    const ranktopo::layout x = ranktopo::coordinates(c);
    std::string out = paint(color, fmt::emphasis::bold, fmt::format("{} ranks: {}", c.world_size, sizes(c)));
    std::string trivial;
    for (int a = 0; a < 5; ++a)
        if (x[a].extent == 1)
            trivial += (trivial.empty() ? "" : " ") +
                       std::string(1, ranktopo::axis_letters[static_cast<std::size_t>(a)]);
    if (!trivial.empty()) out += fmt::format("  (axes of size 1 left out: {})", trivial);
    out += "\n\n";

    struct row {
        std::string name, shape, varies, fixed, crossing;
    };
    std::vector<row> rows{{"family", "groups", "varies", "fixed",
                           r.ranks_per_node > 0 ? fmt::format("groups crossing nodes of {}", r.ranks_per_node) : ""}};
    for (const ranktopo::family_check& f : r.families) {
        row line{f.name, fmt::format("{} x {}", f.group_count, f.group_size), "", "", ""};
        for (int a = 0; a < 5; ++a) {
            if (x[a].extent == 1) continue;
            std::string letter(1, ranktopo::axis_letters[static_cast<std::size_t>(a)]);
            std::string& column = f.axes.fixed(a) ? line.fixed : line.varies;
            if (f.axes.varies(a) && f.axes.varying_in(a) < f.group_count) {
                letter += fmt::format("({}/{})", f.axes.varying_in(a), f.group_count);  // only some groups
            }
            column += (column.empty() ? "" : " ") + letter;
        }
        if (line.varies.empty()) line.varies = "-";
        if (line.fixed.empty()) line.fixed = "-";
        if (f.groups_crossing_nodes >= 0)
            line.crossing = fmt::format("{} of {}", f.groups_crossing_nodes, f.group_count);
        rows.push_back(line);
    }
    std::size_t w[4] = {};
    for (const row& l : rows) {
        w[0] = std::max(w[0], l.name.size());
        w[1] = std::max(w[1], l.shape.size());
        w[2] = std::max(w[2], l.varies.size());
        w[3] = std::max(w[3], l.fixed.size());
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const row& l = rows[i];
        std::string line = fmt::format("{:<{}}  {:>{}}  {:<{}}  {:<{}}  {}", l.name, w[0], l.shape, w[1], l.varies,
                                       w[2], l.fixed, w[3], l.crossing);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += (i == 0 ? paint(color, fmt::emphasis::bold, line) : line) + '\n';
    }

    const auto finding = [&](const ranktopo::lint_finding& f, std::string_view label, fmt::text_style style) {
        std::string head(label);
        if (f.kind != ranktopo::lint_kind::mixes_axes && !f.families.empty()) {
            std::string names;
            for (const std::string& n : f.families) names += (names.empty() ? "" : ", ") + n;
            head += " [" + names + "]";
        }
        return paint(color, style, head + ":") + " " + f.message + '\n';
    };
    if (!r.warnings.empty() || !r.notes.empty()) out += '\n';
    for (const ranktopo::lint_finding& f : r.warnings)
        out += finding(f, "warning", fmt::fg(fmt::terminal_color::yellow) | fmt::emphasis::bold);
    for (const ranktopo::lint_finding& f : r.notes) out += finding(f, "note", fmt::fg(fmt::terminal_color::cyan));
    out += fmt::format("\n{} warning{}, {} note{}\n", r.warnings.size(), r.warnings.size() == 1 ? "" : "s",
                       r.notes.size(), r.notes.size() == 1 ? "" : "s");
    return out;
}

}  // namespace

int lint_command(arguments args) {
    shared_options opts("lint");
    std::vector<std::string> allowed;
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::cout << lint_help << shared_help("lint") << lint_examples;
            return exit_ok;
        }
        if (opts.take(args, arg)) continue;
        if (auto v = args.value(arg, "--allow-cross-node")) {
            for (std::size_t start = 0; start <= v->size();) {  // NAME[,NAME...]
                const std::size_t comma = std::min(v->find(',', start), v->size());
                const std::string name = v->substr(start, comma - start);
                if (std::find(ranktopo::node_local_families.begin(), ranktopo::node_local_families.end(), name) ==
                    ranktopo::node_local_families.end()) {
                    std::string known;
                    for (std::string_view f : ranktopo::node_local_families)
                        known += (known.empty() ? "" : ", ") + std::string(f);
                    throw usage_error{
                        fmt::format("--allow-cross-node: '{}' is not a family lint keeps in a node ({})", name, known)};
                }
                allowed.push_back(name);
                start = comma + 1;
            }
            continue;
        }
        unknown_option("lint", arg);
    }
    const config_input& input = opts.input;
    const output_options& output = opts.output;
    const int ranks_per_node = opts.ranks_per_node;
    const ranktopo::lint_report report = ranktopo::lint(input.load(), ranks_per_node, allowed);
    opts.write(output.format == output_format::json ? ranktopo::lint_to_json(report) + '\n'
                                                    : to_text(report, output.colored()));
    return report.warnings.empty() ? exit_ok : exit_warnings;
}

}  // namespace ranktopo_cli
