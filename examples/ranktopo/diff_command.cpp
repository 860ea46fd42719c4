// ranktopo diff: what changes between two configs' plans — typically one
// deployment on two vllm-ascend releases. Families are compared as layouts
// (ranktopo/diff.hpp), so it answers at 2^20 ranks as fast as `plan` does.
#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/color.h>
#include <fmt/format.h>

#include "command_table.hpp"
#include "commands.hpp"
#include "ranktopo/diff.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo_cli {
namespace {

constexpr std::string_view diff_help =
    "Usage: ranktopo diff [INPUT] [--from-INPUT ...] [--to-INPUT ...] [--format text|json] [-o FILE]\n\n"
    "Compares the plans of two configs, communicator by communicator (vLLM's families\n"
    "and vllm-ascend's, matched by name; every p_tp_<i> is p_tp): same, changed, added or\n"
    "removed, and for a changed one how many ranks change group (members or positions)\n"
    "and the lowest such rank with its old and new members. Both configs start from\n"
    "INPUT; the old one then takes the --from-* flags, the new one the --to-* flags. Every\n"
    "input flag has both forms, and they mirror each other:\n\n"
    "  --from-version V, --to-version V     vllm_ascend_version (= --from-set vllm_ascend_version=V)\n"
    "  --from-set, --to-set KEY=VALUE       an option on one side only; repeatable\n"
    "  --from-config, --to-config FILE      that side's config from FILE instead of INPUT's\n"
    "  --from-example, --to-example         that side's config is the example\n"
    "  --from-vllm-args, --to-vllm-args \"ARGS\"   that side's `vllm serve` line\n"
    "  --from-additional-config, --to-additional-config, --from-kv-transfer-config,\n"
    "  --to-kv-transfer-config JSON|@FILE, --from-model-config, --to-model-config FILE,\n"
    "  --from-env, --to-env KEY=VALUE, --from-env-from-process, --to-env-from-process\n\n"
    "A world size derived from a launch line (TP*PP*PCP*DP) is derived again after --set.\n"
    "An option the new release does not have (e.g. FlashComm2 in 0.25.1rc1) is not a\n"
    "refusal: the old config is read, the option goes back to its default, and its\n"
    "communicators show as removed with the option named (\"dropped\").\n\n"
    "Exit status: 0 the plans are identical, 1 they differ, 2 invalid input (as diff(1)).\n"
    "Layouts are compared, not rank lists: one lookup per group at most, none when a\n"
    "family's layout is unchanged.\n\n";

constexpr std::string_view diff_examples =
    "\nExamples:\n"
    "  ranktopo diff --example --from-version 0.17.0rc1 --to-version 0.18.0\n"
    "  ranktopo diff --config prod.json --to-set mlp_tensor_parallel_size=4\n"
    "  ranktopo diff --config old.json --to-config new.json --format json\n"
    "  ranktopo diff --from-vllm-args \"-tp 8 -dp 2\" --to-vllm-args \"-tp 4 -dp 4\"\n"
    "  ranktopo diff --from-version 0.17.0rc1 --to-version latest -- serve m -tp 8 -dp 2\n";

constexpr int max_text_runs = 4;

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

bool is_dropped_option(const ranktopo::config_error& e) {
    for (const ranktopo::problem& p : e.problems())
        if (p.message.find(" does not exist in vllm-ascend ") == std::string::npos) return false;
    return !e.problems().empty();
}

/// `load()`, with a refusal saying which side it is about: an upgrade the
/// target release refuses is the answer, and must not read as bad input.
template <class Load>
ranktopo::config side_config(std::string_view side, Load&& load) {
    try {
        return load();
    } catch (const ranktopo::error& e) {
        throw usage_error{fmt::format("the {} side: {}", side, user_message(e))};
    } catch (usage_error& e) {
        e.message = fmt::format("the {} side: {}", side, e.message);
        throw;
    }
}

/// The config of `to`. When its release refuses an option that release does
/// not have, `to` read under `before`'s release with those options back at
/// their defaults, then moved to its own release; `dropped` names them.
ranktopo::config load_dropping(const config_input& to, const ranktopo::config& before,
                               std::vector<std::string>& dropped) {
    try {
        ranktopo::config c = to.load();
        (void)ranktopo::make_plan(c);
        return c;
    } catch (const ranktopo::config_error& e) {
        if (!is_dropped_option(e)) throw;
    } catch (const usage_error& e) {
        if (e.message.find(" does not exist in vllm-ascend ") == std::string::npos) throw;
    }
    std::optional<std::string> target;
    config_input base = to;
    std::erase_if(base.settings, [&](const std::string& s) {
        if (!s.starts_with("vllm_ascend_version=")) return false;
        target = s;
        return true;
    });
    if (!target) return to.load();  // not a change of release: the refusal stands
    const ranktopo::option_info& version = *ranktopo::find_option("vllm_ascend_version");
    base.settings.push_back("vllm_ascend_version=" + ranktopo::option_text(before, version));
    ranktopo::config c = base.load();
    ranktopo::config moved = c;
    ranktopo::set_option(moved, *target);
    const ranktopo::config defaults;
    for (const ranktopo::option_info& o : ranktopo::options) {
        if (ranktopo::detail::has_option(moved.vllm_ascend_version, o) ||
            ranktopo::option_text(c, o) == ranktopo::option_text(defaults, o))
            continue;
        ranktopo::set_option(moved, std::string(o.name) + "=" + ranktopo::option_text(defaults, o));
        dropped.emplace_back(o.name);
    }
    if (dropped.empty()) return to.load();  // the refusal was not about a dropped option
    return moved;
}

}  // namespace

int diff_command(arguments args) {
    shared_options opts("diff");
    comparison_sides sides;
    while (!args.done()) {
        const std::string_view arg = args.take();
        if (is_help(arg)) {
            std::cout << diff_help << shared_help("diff") << diff_examples;
            return exit_ok;
        }
        if (opts.take(args, arg)) continue;
        if (!sides.take("diff", args, arg)) unknown_option("diff", arg);
    }
    const config_input from = sides.side(opts.input, 0);
    const config_input to = sides.side(opts.input, 1);
    ranktopo::config before_config = side_config("--from", [&] { return from.load(); });
    // An option the new release dropped: its communicators are "removed",
    // the option named, rather than a refusal.
    std::vector<std::string> dropped;
    const ranktopo::config after_config = side_config("--to",
                                                      [&] { return load_dropping(to, before_config, dropped); });
    const ranktopo::plan before = ranktopo::make_plan(before_config);
    const ranktopo::plan after = ranktopo::make_plan(after_config);
    const ranktopo::plan_diff d = ranktopo::diff(before, after);
    const std::vector<ranktopo::named_family> old_families = ranktopo::enabled_families(before);
    const std::vector<ranktopo::named_family> new_families = ranktopo::enabled_families(after);
    const auto changed_options = option_changes(before_config, after_config);

    std::string out;
    const output_options& output = opts.output;
    if (output.format == output_format::json) {
        out = ranktopo::diff_to_json(before, after, dropped) + '\n';
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
        for (const std::string& o : dropped) {
            out += fmt::format("dropped: {} (vllm-ascend {} does not have it: its communicators are removed)\n", o,
                               ranktopo::option_text(after_config, *ranktopo::find_option("vllm_ascend_version")));
        }
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
                if (!dropped.empty()) {
                    std::string names;
                    for (const std::string& o : dropped) names += (names.empty() ? "" : ", ") + o;
                    note("dropped option " + names);
                }
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
    opts.write(out);
    return d.identical() ? exit_ok : exit_differ;
}

}  // namespace ranktopo_cli
