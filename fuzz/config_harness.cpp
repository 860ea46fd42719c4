// The fuzz harness body; see config_harness.hpp.
#include "config_harness.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "ranktopo/deployment.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/ranktopo.hpp"
#include "test_support.hpp"

namespace ranktopo_fuzz {
namespace {

using ranktopo::config;
using ranktopo::family;

[[noreturn]] void violated(const std::string& what, const config& c) {
    throw invariant_violation(what + " (config " + ranktopo::to_json(c) + ")");
}

/// `lookup` must refuse with lookup_error: an out-of-range index is an error, never undefined behaviour.
template <class Lookup>
void expect_lookup_error(const char* what, const config& c, Lookup lookup) {
    try {
        (void)lookup();
    } catch (const ranktopo::lookup_error&) {
        return;
    }
    violated(std::string(what) + " was accepted", c);
}

void check_family(const family& f, const std::string& name, const config& c) {
    const int world = c.world_size;
    if (f.world_size() != world || std::int64_t{f.group_count()} * f.group_size() != world) {
        violated(name + " covers " + std::to_string(f.world_size()) + " ranks", c);
    }
    if (world <= max_enumerated_world) {
        if (const std::string v = ranktopo_test::family_invariant_violation(f, world); !v.empty()) {
            violated(name + ": " + v, c);
        }
    } else {
        for (const int rank : {0, 1, world / 3, world / 2, world - 2, world - 1}) {
            const ranktopo::location where = f.locate(rank);
            if (f.rank(where.group, where.position) != rank || f.group(where.group)[where.position] != rank) {
                violated(name + ": lookup disagrees for rank " + std::to_string(rank), c);
            }
        }
        const int last = f.rank(f.group_count() - 1, f.group_size() - 1);
        if (last < 0 || last >= world ||
            f.locate(last) != ranktopo::location{f.group_count() - 1, f.group_size() - 1}) {
            violated(name + ": the last member of the last group is misplaced", c);
        }
    }
    expect_lookup_error("locate(-1)", c, [&] { return f.locate(-1); });
    expect_lookup_error("locate(world_size)", c, [&] { return f.locate(world); });
    expect_lookup_error("rank(group_count, 0)", c, [&] { return f.rank(f.group_count(), 0); });
    expect_lookup_error("rank(0, group_size)", c, [&] { return f.rank(0, f.group_size()); });
    expect_lookup_error("group(-1)", c, [&] { return f.group(-1); });
}

void check_plan(const ranktopo::plan& p, const config& c) {
    if (!(p.topology == c)) violated("plan::topology differs from the config", c);
    std::vector<int> owned;
    for (const ranktopo::binding& b : p.handles) {
        if (b.source != ranktopo::binding::kind::created) continue;
        if (b.creation < 0 || static_cast<std::size_t>(b.creation) >= p.creations.size()) {
            violated("a handle points past the creations", c);
        }
        if (std::find(owned.begin(), owned.end(), b.creation) == owned.end()) owned.push_back(b.creation);
    }
    std::vector<int> destroyed = p.destroy_order;
    std::sort(owned.begin(), owned.end());
    std::sort(destroyed.begin(), destroyed.end());
    if (owned != destroyed) violated("destroy_order is not every owned creation exactly once", c);
    for (const ranktopo::creation& made : p.creations) check_family(made.groups, made.name, c);
    if (c.world_size <= 4096) {  // the JSON writer, where its output stays small
        std::ostringstream out;
        ranktopo::write_plan_json(out, p);
        const std::string json = out.str();
        if (json.rfind("{\"creations\":[", 0) != 0 || json.size() < 4 || json.substr(json.size() - 3) != "]}\n") {
            violated("write_plan_json wrote a malformed document", c);
        }
    }
}

/// The same bytes as each JSON input of a deployment: served or refused with a
/// config_error, and a served config's launch line, when it has one, reads back.
void check_deployment_inputs(std::string_view text) {
    for (int part = 0; part < 3; ++part) {
        ranktopo::deployment d;
        d.vllm_args = {"-tp", "4", "-dp", "2"};
        (part == 0 ? d.additional_config : part == 1 ? d.kv_transfer_config : d.model_config) = std::string(text);
        if (part == 2)
            d.kv_transfer_config = R"({"kv_connector": "x", "kv_role": "kv_producer",
            "kv_connector_extra_config": {"prefill": {"tp_size": 8}, "decode": {"tp_size": 2}}})";
        config derived;
        try {
            derived = ranktopo::read_deployment(d).values;
        } catch (const ranktopo::config_error&) {
            continue;
        }
        try {
            if (!(ranktopo::read_deployment(ranktopo::to_deployment(derived)).values == derived)) {
                violated("to_deployment does not read back to the derived config", derived);
            }
        } catch (const ranktopo::config_error&) {
        }
    }
}

}  // namespace

void check_config_text(std::string_view text) {
    check_deployment_inputs(text);
    config c;
    try {
        c = ranktopo::parse_config(text);
    } catch (const ranktopo::config_error& e) {
        // The option may be empty: it is the key at fault, and JSON allows "" as a key.
        if (e.problems().empty() || e.problems().front().message.empty()) {
            throw invariant_violation(std::string("a refusal without a message: ") + e.what());
        }
        return;
    }
    if (!(ranktopo::parse_config(ranktopo::to_json(c)) == c)) violated("to_json does not parse back to the config", c);

    const std::vector<ranktopo::problem> problems = ranktopo::validate(c);
    if (!problems.empty()) {
        try {
            (void)ranktopo::make_plan(c);
        } catch (const ranktopo::config_error& e) {
            if (e.problems() != problems) violated("make_plan refuses for other reasons than validate", c);
            return;
        }
        violated("make_plan served a config that validate refuses: " + problems.front().message, c);
    }
    // validate() said yes: from here on, any exception is a bug.
    check_plan(ranktopo::make_plan(c), c);
    namespace families = ranktopo::families;
    check_family(families::world(c), "world", c);
    check_family(families::tp(c), "tp", c);
    check_family(families::pp(c), "pp", c);
    check_family(families::dp(c), "dp", c);
    check_family(families::pcp(c), "pcp", c);
    check_family(families::ep(c), "ep", c);
}

}  // namespace ranktopo_fuzz
