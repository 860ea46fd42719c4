// ranktopo html: one self-contained interactive page (inline CSS and JS, no
// network) showing a plan. The plan is embedded as layouts — each family's
// group and member modes — and the page computes groups from them, so the
// file stays small at any world size. The page itself is html_page.html,
// embedded at build time (html_page.hpp is generated from it by CMake).
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command_table.hpp"
#include "commands.hpp"
#include "cost_json.hpp"
#include "grid.hpp"
#include "html_page.hpp"
#include "ranktopo/families.hpp"
#include "ranktopo/fingerprint.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/version.hpp"

namespace ranktopo_cli {
namespace {

constexpr std::string_view html_help =
    "Usage: ranktopo html [-o FILE] [--ranks-per-node K] [--compare-version V] INPUT\n\n"
    "Writes one self-contained HTML page (inline CSS and JS; no network, no server) that\n"
    "shows the config's plan: a rank grid (rows d p, columns c t as 'show' draws it, or\n"
    "nodes x devices with --ranks-per-node), a family picker that colours its groups,\n"
    "and a rank's groups in every family (click a rank, use the arrow keys, or type its\n"
    "number). The plan is embedded as layouts, so the page stays small at any size;\n"
    "beyond 4096 ranks it draws one cell per node or per block of ranks.\n\n"
    "  --compare-version V      also embed the plan of vllm-ascend release V and mark,\n"
    "                           per communicator, the ranks whose group changes (as\n"
    "                           'ranktopo diff' counts them); = --to-version V\n"
    "  --from-X, --to-X         the two sides, as 'ranktopo diff' takes them (every\n"
    "                           input flag --X, and --from-version/--to-version V); the\n"
    "                           page shows the old side and compares it with the new one\n\n"
    "With -o FILE the page goes to FILE ('-' or none: standard output); with\n"
    "--ranks-per-node K (node = rank / K) it draws nodes x devices and lists the groups\n"
    "that cross nodes.\n\n";

constexpr std::string_view html_examples =
    "\nExamples:\n"
    "  ranktopo html --example -o example.html\n"
    "  ranktopo html --example --compare-version 0.18.0 -o upgrade.html\n"
    "  ranktopo html --ranks-per-node 16 -o deepseek.html -- serve /models/DeepSeek-V3 -tp 16 -dp 4 \\\n"
    "                --enable-expert-parallel\n";

constexpr std::string_view data_marker = "/*RANKTOPO_DATA*/";

nlohmann::ordered_json modes_json(const ranktopo::layout& l) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const ranktopo::mode& m : l) out.push_back({m.extent, m.stride});
    return out;
}

/// A plan as the page reads it: sizes, options and every family as modes.
nlohmann::ordered_json plan_json(const ranktopo::derived_config& d) {
    const ranktopo::config& c = d.values;
    const ranktopo::plan p = ranktopo::make_plan(c);
    const rank_grid grid(c);
    nlohmann::ordered_json j;
    j["world_size"] = c.world_size;
    j["sizes"] = {{"E", grid.E}, {"D", grid.D}, {"P", grid.P}, {"C", grid.C}, {"T", grid.T}};
    j["release"] = ranktopo::option_text(c, *ranktopo::find_option("vllm_ascend_version"));
    j["options"] = nlohmann::ordered_json::array();
    for (const ranktopo::option_info& o : ranktopo::options) {
        if (!ranktopo::option_listed(c, o)) continue;  // dcp = 1: not listed
        std::string source;
        for (const ranktopo::option_source& s : d.sources)
            if (s.option == o.name) source = s.source;
        j["options"].push_back({{"name", o.name}, {"value", ranktopo::option_text(c, o)}, {"source", source}});
    }
    j["note"] = ranktopo::external_replicas_note(c);
    j["families"] = nlohmann::ordered_json::array();
    for (const ranktopo::named_family& f : ranktopo::enabled_families(p)) {
        int creation = -1;
        for (std::size_t i = 0; i < p.creations.size(); ++i)
            if (p.creations[i].name == f.communicator) creation = static_cast<int>(i);
        j["families"].push_back({{"name", f.name},
                                 {"communicator", f.communicator},
                                 {"accessors", f.accessors},
                                 {"origin", f.origin == ranktopo::family_origin::vllm ? "vllm" : "reference"},
                                 {"creation", creation},
                                 {"groups", modes_json(f.groups.groups())},
                                 {"members", modes_json(f.groups.members())}});
    }
    j["fingerprint"] = ranktopo::fingerprint_text(ranktopo::fingerprint(p));
    // Every rank pays alike (each family partitions the ranks): rank 0's bill is every rank's.
    const ranktopo::cost_options defaults;
    j["cost"] = cost_json(ranktopo::cost(p, 0, defaults), c.world_size, defaults.hccl_buffsize_mb);
    return j;
}

/// JSON that is safe inside a <script> element: '<', '>' and '&' (which can
/// only occur inside JSON strings) as \u escapes, so no "</script>" or
/// "<!--" can end or change the element; U+2028 and U+2029 too (line ends
/// to older JavaScript parsers). Invalid UTF-8 becomes U+FFFD.
std::string script_safe_json(const nlohmann::ordered_json& j) {
    const std::string text = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch == '<') {
            out += "\\u003c";
        } else if (ch == '>') {
            out += "\\u003e";
        } else if (ch == '&') {
            out += "\\u0026";
        } else if (ch == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
                   (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
            out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += ch;
        }
    }
    return out;
}

}  // namespace

int html_command(arguments args) {
    shared_options opts("html");
    comparison_sides sides;
    std::vector<std::string> command_line{"ranktopo", "html"};  // shown on the page, as given
    for (arguments all = args; !all.done();) command_line.emplace_back(all.take());
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::cout << html_help << shared_help("html") << html_examples;
            return exit_ok;
        }
        if (opts.take(args, arg)) continue;
        if (auto v = args.value(arg, "--compare-version")) {  // = --to-version V
            sides.sides[1].settings.push_back("vllm_ascend_version=" + *v);
            sides.given = true;
            continue;
        }
        if (!sides.take("html", args, arg)) unknown_option("html", arg);
    }
    const bool compare = sides.given;
    const int ranks_per_node = opts.ranks_per_node;
    const config_input from = sides.side(opts.input, 0);
    const config_input to = sides.side(opts.input, 1);

    nlohmann::ordered_json j;
    j["tool"] = fmt::format("ranktopo {}", ranktopo::version_string);
    j["command"] = command_line;
    j["ranks_per_node"] = ranks_per_node > 0 ? nlohmann::ordered_json(ranks_per_node) : nlohmann::ordered_json();
    j["plan"] = plan_json(from.derive());
    j["compare"] = compare ? plan_json(to.derive()) : nlohmann::ordered_json();

    std::string page(html_page);
    const std::size_t at = page.find(data_marker);
    if (at == std::string::npos) throw std::logic_error("html_page.html has no " + std::string(data_marker));
    page.replace(at, data_marker.size(), script_safe_json(j));

    opts.write(page);
    return exit_ok;
}

}  // namespace ranktopo_cli
