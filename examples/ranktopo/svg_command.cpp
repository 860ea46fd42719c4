// ranktopo svg: each family's rank grid as a picture — a cell per rank
// (class "rank", its number inside, a tooltip), a colour per group, a legend.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "command_table.hpp"
#include "commands.hpp"
#include "grid.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo_cli {
namespace {

constexpr std::string_view svg_help =
    "Usage: ranktopo svg [--family NAME] -o FILE INPUT\n\n"
    "Draws each family of the config (or only --family NAME) as a rank grid: a block per\n"
    "external replica e, rows d p (DP x PP), columns c t (PCP x TP), the rank number in\n"
    "each cell, a colour per group and a legend. The SVG opens in any browser; hover a\n"
    "cell for its group and position. Family names are those of 'ranktopo show --help'.\n\n"
    "  -o, --output FILE   where to write the SVG; '-' for standard output\n"
    "  --family NAME       only this family, or several: NAME,NAME,...\n\n"
    "Draws at most 4096 ranks, and 16384 cells over all families.\n\n";

constexpr std::string_view svg_examples =
    "\nExamples:\n"
    "  ranktopo svg --example -o example.svg\n"
    "  ranktopo svg --example --family mc2 -o mc2.svg\n"
    "  ranktopo svg --set world_size=32 --set data_parallel_size=2 --set pipeline_parallel_size=2 \\\n"
    "               --set tensor_parallel_size=8 --set mlp_tensor_parallel_size=2 --family mlptp -o - | rsvg-convert > "
    "mlptp.png\n";

// Geometry, in pixels.
constexpr int margin = 20;
constexpr int cell_height = 22;
constexpr int header_height = 16;
constexpr int block_gap = 24;
constexpr int panel_gap = 30;
constexpr int max_row_width = 1200;
constexpr int legend_entry_width = 72;
constexpr int max_legend_entries = 24;
constexpr int char_width = 7;          // an estimate at font-size 11, to size labels
constexpr int heading_char_width = 8;  // at font-size 13, bold
constexpr int title_char_width = 9;    // at font-size 15, bold

std::string escape(std::string_view text) {
    std::string out;
    for (char ch : text) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += ch;
        }
    }
    return out;
}

struct size {
    int width = 0;
    int height = 0;
};

/// One family's panel, drawn at the origin: heading, a grid per external
/// replica (flowing left to right), a legend. Returns its size.
size draw_family(std::string& svg, const ranktopo::config& c, const ranktopo::named_family& f) {
    const ranktopo::family& groups = f.groups;
    const rank_grid grid(c);
    int cell_width = std::max(28, char_width * static_cast<int>(std::to_string(c.world_size - 1).size()) + 10);
    for (int col = 0; col < grid.columns(); ++col) {
        cell_width = std::max(cell_width, char_width * static_cast<int>(grid.column_label(col).size()) + 6);
    }
    int label_width = 0;
    for (int row = 0; row < grid.rows(); ++row) {
        label_width = std::max(label_width, char_width * static_cast<int>(grid.row_label(row).size()) + 8);
    }
    const int block_label_height = grid.blocks() > 1 ? header_height : 0;  // "e0" only with external replicas
    const int block_width = label_width + grid.columns() * cell_width;
    const int block_height = block_label_height + header_height + grid.rows() * cell_height;
    const int blocks_per_line = std::max(1, (max_row_width + block_gap) / (block_width + block_gap));

    std::string heading = fmt::format("{}: {} group{} of {}", f.name, groups.group_count(),
                                      groups.group_count() == 1 ? "" : "s", groups.group_size());
    if (f.communicator != f.name) heading += fmt::format(" (communicator {})", f.communicator);
    size panel{heading_char_width * static_cast<int>(heading.size()), 0};
    svg += fmt::format("<g class=\"family\" id=\"family-{}\">\n", escape(f.name));
    svg += fmt::format("<text class=\"heading\" x=\"0\" y=\"14\">{}</text>\n", escape(heading));
    const int top = 24;
    for (int block = 0; block < grid.blocks(); ++block) {
        const int bx = (block % blocks_per_line) * (block_width + block_gap);
        const int by = top + (block / blocks_per_line) * (block_height + block_gap);
        panel.width = std::max(panel.width, bx + block_width);
        svg += "<g class=\"block\">";
        if (block_label_height > 0) {
            svg += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\">{}</text>", bx, by + 12,
                               grid.block_label(block));
        }
        const int header_y = by + block_label_height;
        for (int col = 0; col < grid.columns(); ++col) {
            svg += fmt::format("<text class=\"label\" text-anchor=\"middle\" x=\"{}\" y=\"{}\">{}</text>",
                               bx + label_width + col * cell_width + cell_width / 2, header_y + 12,
                               grid.column_label(col));
        }
        svg += '\n';
        for (int row = 0; row < grid.rows(); ++row) {
            const int cy = header_y + header_height + row * cell_height;
            svg += fmt::format("<text class=\"label\" text-anchor=\"end\" x=\"{}\" y=\"{}\">{}</text>",
                               bx + label_width - 6, cy + 15, grid.row_label(row));
            for (int col = 0; col < grid.columns(); ++col) {
                const int rank = grid.rank(block, row, col);
                const ranktopo::location at = groups.locate(rank);
                const int cx = bx + label_width + col * cell_width;
                svg += fmt::format(
                    "<rect class=\"rank\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>rank {}: "
                    "group {}, position {}</title></rect><text class=\"n\" x=\"{}\" y=\"{}\">{}</text>",
                    cx, cy, cell_width, cell_height, hex(group_color(at.group, groups.group_count())), rank, at.group,
                    at.position, cx + cell_width / 2, cy + 15, rank);
            }
            svg += '\n';
        }
        // Group borders: a dark edge wherever two neighbouring cells belong to
        // different groups, and around the block, so groups read as shapes
        // even where colours are close.
        std::string edges;
        const int x0 = bx + label_width;
        const int y0 = header_y + header_height;
        for (int row = 0; row < grid.rows(); ++row) {
            for (int col = 0; col < grid.columns(); ++col) {
                const int group = groups.locate(grid.rank(block, row, col)).group;
                const int cx = x0 + col * cell_width;
                const int cy = y0 + row * cell_height;
                if (col + 1 < grid.columns() && groups.locate(grid.rank(block, row, col + 1)).group != group) {
                    edges += fmt::format("M{} {}v{}", cx + cell_width, cy, cell_height);
                }
                if (row + 1 < grid.rows() && groups.locate(grid.rank(block, row + 1, col)).group != group) {
                    edges += fmt::format("M{} {}h{}", cx, cy + cell_height, cell_width);
                }
            }
        }
        svg += fmt::format("<path class=\"border\" d=\"{}M{} {}h{}v{}h-{}z\"/>\n", edges, x0, y0,
                           grid.columns() * cell_width, grid.rows() * cell_height, grid.columns() * cell_width);
        svg += "</g>\n";
    }
    const int lines = (grid.blocks() + blocks_per_line - 1) / blocks_per_line;
    int y = top + lines * (block_height + block_gap) - block_gap + 12;

    // The legend: as many entries per line as fit under the grid (2 to 8);
    // beyond max_legend_entries groups, or for groups of one rank, a summary
    // line instead (the cells' tooltips and borders tell the groups apart).
    const int per_line = std::clamp(std::min(panel.width, max_row_width) / legend_entry_width, 2, 8);
    const bool summarised = groups.group_count() > max_legend_entries || groups.group_size() == 1;
    const int shown = summarised ? 0 : groups.group_count();
    svg += "<g class=\"legend\">";
    if (summarised) {
        const std::string summary = groups.group_size() == 1
                                        ? fmt::format("{} groups of 1 rank: every rank is its own group",
                                                      groups.group_count())
                                        : fmt::format("{} groups of {} ranks, outlined (hover a cell for its group)",
                                                      groups.group_count(), groups.group_size());
        svg += fmt::format("<text class=\"label\" x=\"0\" y=\"{}\">{}</text>", y + 10, summary);
        panel.width = std::max(panel.width, char_width * static_cast<int>(summary.size()));
        y += 18;
    }
    for (int g = 0; g < shown; ++g) {
        const int lx = (g % per_line) * legend_entry_width;
        const int ly = y + (g / per_line) * 18;
        svg += fmt::format(
            "<rect class=\"swatch\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>"
            "<text class=\"label\" x=\"{}\" y=\"{}\">group {}</text>",
            lx, ly, hex(group_color(g, groups.group_count())), lx + 16, ly + 10, g);
    }
    y += ((shown + per_line - 1) / per_line) * 18;
    panel.width = std::max(panel.width, std::min(shown, per_line) * legend_entry_width);
    svg += "</g>\n</g>\n";
    panel.height = y;
    return panel;
}

}  // namespace

int svg_command(arguments args) {
    shared_options opts("svg");
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::cout << svg_help << shared_help("svg") << svg_examples;
            return exit_ok;
        }
        if (!opts.take(args, arg)) unknown_option("svg", arg);
    }
    if (!opts.output_file) throw usage_error{"svg needs -o FILE (or -o - for standard output)"};
    const config_input& input = opts.input;
    const std::optional<std::string>& family = opts.family;
    const ranktopo::config c = input.load();
    const std::vector<ranktopo::named_family> drawn = chosen_families(c, family.value_or(""));
    check_drawable("svg", c, drawn.size());

    // Panels flow left to right and wrap, like words.
    std::string body;
    int width = 0;
    int x = margin;
    int y = margin + 30;
    int line_height = 0;
    for (const ranktopo::named_family& f : drawn) {
        std::string panel;
        const size drawn_size = draw_family(panel, c, f);
        if (x > margin && x + drawn_size.width > margin + max_row_width) {
            x = margin;
            y += line_height + panel_gap;
            line_height = 0;
        }
        body += fmt::format("<g transform=\"translate({} {})\">\n", x, y) + panel + "</g>\n";
        width = std::max(width, x + drawn_size.width + margin);
        line_height = std::max(line_height, drawn_size.height);
        x += drawn_size.width + panel_gap;
    }
    const std::string title = fmt::format("ranktopo: {} ranks, {} (rows d p, columns {}t)", c.world_size, sizes(c),
                                          c.prefill_context_parallel_size > 1 ? "c " : "");
    width = std::max(width, 2 * margin + title_char_width * static_cast<int>(title.size()));
    const int height = y + line_height + margin;
    std::string svg = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
        "<style>.rank{{stroke:#ffffff;stroke-width:1.5}} .n{{text-anchor:middle;fill:#222222}} "
        ".label{{fill:#555555}} .heading{{font-size:13px;font-weight:bold;fill:#222222}} "
        ".title{{font-size:15px;font-weight:bold;fill:#111111}} .swatch{{stroke:#999999;stroke-width:0.5}} "
        ".border{{fill:none;stroke:#333333;stroke-width:2}}</style>\n"
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        "<text class=\"title\" x=\"{2}\" y=\"{3}\">{4}</text>\n",
        width, height, margin, margin + 8, escape(title));
    svg += body;
    svg += "</svg>\n";

    opts.write(svg);
    return exit_ok;
}

}  // namespace ranktopo_cli
