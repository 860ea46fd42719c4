// ranktopo diff: what changes between two configs' plans — typically one
// deployment on two vllm-ascend releases. Families are compared as layouts
// (ranktopo/diff.hpp), so it answers at 2^20 ranks as fast as `plan` does.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/color.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ranktopo/diff.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo_cli {
namespace {

constexpr std::string_view diff_help =
    "Usage: ranktopo diff INPUT [--from-version V] [--to-version V] [--to-config FILE]\n"
    "                     [--from-set KEY=VALUE ...] [--to-set KEY=VALUE ...] [--format text|json]\n\n"
    "Compares the plans of two configs, communicator by communicator (vLLM's families\n"
    "and vllm-ascend's, matched by name; every p_tp_<i> is p_tp): same, changed, added or\n"
    "removed, and for a changed one how many ranks change group (members or positions)\n"
    "and the lowest such rank with its old and new members. Both configs start from\n"
    "INPUT; the old one then takes --from-*, the new one --to-*:\n\n"
    "  --from-version V    the old config's vllm_ascend_version (= --from-set vllm_ascend_version=V)\n"
    "  --to-version V      the new config's vllm_ascend_version\n"
    "  --to-config FILE    the new config from FILE instead of INPUT's file or example\n"
    "                      (INPUT's --set still apply to it)\n"
    "  --from-set, --to-set KEY=VALUE   an option on one side only; repeatable\n\n"
    "Exit status: 0 the plans are identical, 1 they differ, 2 invalid input (as diff(1)).\n"
    "Layouts are compared, not rank lists: one lookup per group at most, none when a\n"
    "family's layout is unchanged.\n\n";

constexpr std::string_view diff_examples =
    "\nExamples:\n"
    "  ranktopo diff --example --from-version 0.17.0rc1 --to-version 0.18.0\n"
    "  ranktopo diff --config prod.json --to-set mlp_tensor_parallel_size=4\n"
    "  ranktopo diff --config old.json --to-config new.json --format json\n";

constexpr int max_text_runs = 4;
constexpr int max_listed_members = 4096;

/// An option's value as JSON: a number, a boolean or a string.
nlohmann::ordered_json option_json(const ranktopo::option_info& o, const std::string& text) {
    return o.version != nullptr ? nlohmann::ordered_json(text) : nlohmann::ordered_json::parse(text);
}

/// Options whose values differ: "vllm_ascend_version 0.17.0rc1 -> 0.18.0".
std::vector<std::pair<std::string, std::pair<std::string, std::string>>> option_changes(const ranktopo::config& a,
                                                                                        const ranktopo::config& b) {
    std::vector<std::pair<std::string, std::pair<std::string, std::string>>> out;
    for (const ranktopo::option_info& o : ranktopo::options) {
        std::string before = ranktopo::option_text(a, o);
        std::string after = ranktopo::option_text(b, o);
        if (before != after) out.push_back({std::string(o.name), {std::move(before), std::move(after)}});
    }
    return out;
}

const ranktopo::family* groups_of(const std::vector<ranktopo::named_family>& all, const std::string& name) {
    for (const ranktopo::named_family& f : all)
        if (f.name == name) return &f.groups;
    return nullptr;
}

nlohmann::ordered_json side_json(const ranktopo::communicator_side& s) {
    return {{"communicator", s.communicator},
            {"creation", s.creation},
            {"accessors", s.accessors},
            {"groups", s.group_count},
            {"group_size", s.group_size}};
}

nlohmann::ordered_json members_json(const ranktopo::family& f, int rank) {
    const ranktopo::location at = f.locate(rank);
    const ranktopo::group_view members = f.group(at.group);
    nlohmann::ordered_json j{{"group", at.group}, {"position", at.position}, {"size", members.size()}};
    if (members.size() <= max_listed_members) j["members"] = members.to_vector();
    return j;
}

}  // namespace

int diff_command(arguments args) {
    config_input from;
    output_options output;
    std::vector<std::string> from_settings;
    std::vector<std::string> to_settings;
    std::optional<std::string> to_file;
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::cout << diff_help << input_help << '\n' << output_help << diff_examples;
            return exit_ok;
        }
        if (from.take(args, arg) || output.take(args, arg)) continue;
        if (auto v = args.value(arg, "--from-version")) {
            from_settings.push_back("vllm_ascend_version=" + *v);
        } else if (auto w = args.value(arg, "--to-version")) {
            to_settings.push_back("vllm_ascend_version=" + *w);
        } else if (auto fs = args.value(arg, "--from-set")) {
            from_settings.push_back(*fs);
        } else if (auto ts = args.value(arg, "--to-set")) {
            to_settings.push_back(*ts);
        } else if (auto tc = args.value(arg, "--to-config")) {
            set_once(to_file, "--to-config", *tc);
        } else {
            throw usage_error{"unknown option '" + std::string(arg) + "'"};
        }
    }
    config_input to = from;
    if (to_file) {
        to.file = *to_file;
        to.example = false;
    }
    from.settings.insert(from.settings.end(), from_settings.begin(), from_settings.end());
    to.settings.insert(to.settings.end(), to_settings.begin(), to_settings.end());
    const ranktopo::config before_config = from.load();
    const ranktopo::config after_config = to.load();
    const ranktopo::plan before = ranktopo::make_plan(before_config);
    const ranktopo::plan after = ranktopo::make_plan(after_config);
    const ranktopo::plan_diff d = ranktopo::diff(before, after);
    const std::vector<ranktopo::named_family> old_families = ranktopo::enabled_families(before);
    const std::vector<ranktopo::named_family> new_families = ranktopo::enabled_families(after);
    const auto changed_options = option_changes(before_config, after_config);

    std::string out;
    if (output.format == output_format::json) {
        nlohmann::ordered_json j;
        j["identical"] = d.identical();
        j["options"] = nlohmann::ordered_json::array();
        for (const auto& [option, values] : changed_options) {
            const ranktopo::option_info& o = *ranktopo::find_option(option);
            j["options"].push_back(
                {{"name", option}, {"before", option_json(o, values.first)}, {"after", option_json(o, values.second)}});
        }
        j["communicators"] = nlohmann::ordered_json::array();
        for (const ranktopo::communicator_change& c : d.communicators) {
            nlohmann::ordered_json e{{"name", c.name}, {"status", ranktopo::name(c.kind)}};
            if (c.before) e["before"] = side_json(*c.before);
            if (c.after) e["after"] = side_json(*c.after);
            if (c.before && c.after) {
                e["ranks_changing_group"] = c.ranks_moved;
                e["groups_reordered"] = c.reordered;
                if (c.example_rank >= 0) {
                    e["example"] = {{"rank", c.example_rank},
                                    {"before", members_json(*groups_of(old_families, c.name), c.example_rank)},
                                    {"after", members_json(*groups_of(new_families, c.name), c.example_rank)}};
                }
            }
            j["communicators"].push_back(std::move(e));
        }
        j["destroy_order_changed"] = d.destroy_order_changed;
        out = j.dump() + '\n';
    } else {
        const bool color = output.colored();
        std::string options_line;
        for (const auto& [option, values] : changed_options)
            options_line += fmt::format("{}{} {} -> {}", options_line.empty() ? "" : ", ", option, values.first,
                                        values.second);
        out += paint(color, fmt::emphasis::bold,
                     fmt::format("{} ranks ({}) -> {} ranks ({})", before_config.world_size, sizes(before_config),
                                 after_config.world_size, sizes(after_config)));
        out += '\n';
        out += options_line.empty() ? std::string("no option differs\n") : "options: " + options_line + '\n';
        std::size_t changes = 0;
        for (const ranktopo::communicator_change& c : d.communicators)
            changes += c.kind != ranktopo::change_kind::same ? 1U : 0U;
        out += fmt::format("{} of {} communicators differ{}\n\n", changes, d.communicators.size(),
                           d.destroy_order_changed ? "; the destroy order differs" : "");
        std::size_t width = 12;
        for (const ranktopo::communicator_change& c : d.communicators) width = std::max(width, c.name.size());
        out += paint(color, fmt::emphasis::bold,
                     fmt::format("{:<{}}  {:<7}  {:>20}  {}", "communicator", width, "status", "ranks changing group",
                                 "detail"));
        out += '\n';
        for (const ranktopo::communicator_change& c : d.communicators) {
            std::string count;
            std::string detail;
            const auto note = [&](const std::string& text) { detail += (detail.empty() ? "" : "; ") + text; };
            if (c.kind == ranktopo::change_kind::added) {
                note(fmt::format("new: {} ({} groups of {})", c.after->communicator, c.after->group_count,
                                 c.after->group_size));
            } else if (c.kind == ranktopo::change_kind::removed) {
                note(fmt::format("gone: {} ({} groups of {})", c.before->communicator, c.before->group_count,
                                 c.before->group_size));
            } else if (c.kind == ranktopo::change_kind::changed) {
                count = fmt::format("{} of {}", c.ranks_moved, after_config.world_size);
                if (c.before->communicator != c.after->communicator)
                    note(fmt::format("named {} -> {}", c.before->communicator, c.after->communicator));
                if (c.before->creation != c.after->creation)
                    note(fmt::format("creation {} -> {}", c.before->creation, c.after->creation));
                if (c.before->accessors != c.after->accessors) note("accessors change");
                if (c.reordered) note("same groups, listed in another order");
                if (c.example_rank >= 0) {
                    const ranktopo::family& a = *groups_of(old_families, c.name);
                    const ranktopo::family& b = *groups_of(new_families, c.name);
                    const auto members = [&](const ranktopo::family& f) {
                        return c.example_rank < f.world_size()
                                   ? compact_ranks(f.group(f.locate(c.example_rank).group), max_text_runs)
                                   : std::string("(not in the world)");
                    };
                    note(fmt::format("rank {}: {} -> {}", c.example_rank, members(a), members(b)));
                }
            }
            const std::string status(ranktopo::name(c.kind));
            const fmt::text_style style = c.kind == ranktopo::change_kind::same ? fmt::text_style{}
                                                                                : fmt::fg(fmt::terminal_color::yellow);
            out += fmt::format("{:<{}}  {}  {:>20}  {}\n", c.name, width,
                               paint(color, style, fmt::format("{:<7}", status)), count, detail);
        }
    }
    std::cout << out;
    return d.identical() ? exit_ok : exit_differ;
}

}  // namespace ranktopo_cli
