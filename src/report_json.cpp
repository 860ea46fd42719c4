// The tool's JSON answers for diff and lint, shared by the tool and the Python
// module so that the two cannot drift apart.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ranktopo/diff.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {
namespace {

using ordered_json = nlohmann::ordered_json;

// A group beyond this many members is described by its size only.
constexpr int max_listed_members = 4096;

/// An option's value as JSON: a number, a boolean or a string.
ordered_json option_json(const option_info& o, const std::string& text) {
    return o.version != nullptr ? ordered_json(text) : ordered_json::parse(text);
}

const family& groups_of(const std::vector<named_family>& all, const std::string& name) {
    for (const named_family& f : all)
        if (f.name == name) return f.groups;
    throw error("ranktopo::diff_to_json: no family " + name + " in the plan");
}

ordered_json side_json(const communicator_side& s) {
    return {{"communicator", s.communicator},
            {"creation", s.creation},
            {"accessors", s.accessors},
            {"groups", s.group_count},
            {"group_size", s.group_size}};
}

ordered_json members_json(const family& f, int rank) {
    const location at = f.locate(rank);
    const group_view members = f.group(at.group);
    ordered_json j{{"group", at.group}, {"position", at.position}, {"size", members.size()}};
    if (members.size() <= max_listed_members) j["members"] = members.to_vector();
    return j;
}

}  // namespace

std::string diff_to_json(const plan& before, const plan& after, const std::vector<std::string>& dropped_options) {
    const plan_diff d = diff(before, after);
    const std::vector<named_family> old_families = enabled_families(before);
    const std::vector<named_family> new_families = enabled_families(after);
    ordered_json j;
    j["identical"] = d.identical();
    j["options"] = ordered_json::array();
    for (const option_info& o : options) {
        const std::string x = option_text(before.topology, o);
        const std::string y = option_text(after.topology, o);
        if (x != y)
            j["options"].push_back({{"name", o.name}, {"before", option_json(o, x)}, {"after", option_json(o, y)}});
    }
    if (!dropped_options.empty()) j["dropped_options"] = dropped_options;
    j["communicators"] = ordered_json::array();
    for (const communicator_change& c : d.communicators) {
        ordered_json e{{"name", c.name}, {"status", name(c.kind)}};
        if (c.before) e["before"] = side_json(*c.before);
        if (c.after) e["after"] = side_json(*c.after);
        if (c.kind == change_kind::removed && !dropped_options.empty()) e["dropped_options"] = dropped_options;
        if (c.before && c.after) {
            e["ranks_changing_group"] = c.ranks_moved;
            e["groups_reordered"] = c.reordered;
            if (c.example_rank >= 0) {
                e["example"] = {{"rank", c.example_rank},
                                {"before", members_json(groups_of(old_families, c.name), c.example_rank)},
                                {"after", members_json(groups_of(new_families, c.name), c.example_rank)}};
            }
        }
        j["communicators"].push_back(std::move(e));
    }
    j["destroy_order_changed"] = d.destroy_order_changed;
    return j.dump();
}

std::string lint_to_json(const lint_report& report) {
    const config& c = report.topology;
    ordered_json j;
    j["world_size"] = c.world_size;
    j["sizes"] = {{"E", detail::external_dp(c)},
                  {"D", c.data_parallel_size},
                  {"P", c.pipeline_parallel_size},
                  {"C", c.prefill_context_parallel_size},
                  {"T", c.tensor_parallel_size}};
    j["ranks_per_node"] = report.ranks_per_node > 0 ? ordered_json(report.ranks_per_node) : ordered_json();
    j["families"] = ordered_json::array();
    for (const family_check& f : report.families) {
        ordered_json axes;
        for (std::size_t a = 0; a < axis_letters.size(); ++a)
            axes[std::string(1, axis_letters[a])] = f.axes.varying_in(static_cast<int>(a));
        j["families"].push_back(
            {{"name", f.name},
             {"group_count", f.group_count},
             {"group_size", f.group_size},
             {"groups_varying", axes},
             {"groups_crossing_nodes",
              f.groups_crossing_nodes >= 0 ? ordered_json(f.groups_crossing_nodes) : ordered_json()}});
    }
    const auto findings = [](const std::vector<lint_finding>& list) {
        ordered_json out = ordered_json::array();
        for (const lint_finding& w : list)
            out.push_back({{"kind", name(w.kind)}, {"families", w.families}, {"message", w.message}});
        return out;
    };
    j["warnings"] = findings(report.warnings);
    j["notes"] = findings(report.notes);
    return j.dump();
}

}  // namespace ranktopo
