// ranktopo — JSON in and out (compiled part: ranktopo::ranktopo).
//
// The config is a flat JSON object with the option names of config.hpp; the
// plan is written as the golden fixtures' expected part, streamed, so the
// two compare by plain JSON equality.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "ranktopo/config.hpp"
#include "ranktopo/lint.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo {

/// Parses a flat JSON object into a config, applied over `base`. Unknown
/// keys, wrong types, out-of-range values and sizes that must be positive
/// throw config_error naming the key and value. Shapes are checked later, by
/// make_plan() / validate().
[[nodiscard]] config parse_config(std::string_view json_text, const config& base = {});

/// Applies "key=value" (value: an integer, or true / false) to `c`; throws
/// config_error naming the key and value.
void set_option(config& c, std::string_view assignment);

/// The config as a flat JSON object with every key its release has.
[[nodiscard]] std::string to_json(const config& c);

/// Writes `p` as {"creations": [...], "handles": {...}, "destroy_order": [...]},
/// without building a document in memory.
void write_plan_json(std::ostream& out, const plan& p);

/// As write_plan_json, then vLLM's own groups (world, tp, pp, dp, pcp, ep)
/// under "vllm_groups": [{"name", "groups"}, ...], streamed the same way.
void write_plan_json_with_vllm_groups(std::ostream& out, const plan& p);

/// `ranktopo diff --format json` of two plans: {"identical",
/// "options": [{"name", "before", "after"}], "communicators": [{"name",
/// "status", "before", "after", "ranks_changing_group", "groups_reordered",
/// "example"}], "destroy_order_changed"}. `dropped_options` names options the
/// after-side's release does not have: listed, and on each removed communicator.
[[nodiscard]] std::string diff_to_json(const plan& before, const plan& after,
                                       const std::vector<std::string>& dropped_options = {});

/// `ranktopo lint --format json`: {"world_size", "sizes", "ranks_per_node",
/// "families": [{"name", "group_count", "group_size", "groups_varying",
/// "groups_crossing_nodes"}], "warnings", "notes"}.
[[nodiscard]] std::string lint_to_json(const lint_report& report);

}  // namespace ranktopo
