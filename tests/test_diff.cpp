// ranktopo::diff: the per-communicator comparison of two plans, against a
// brute-force comparison of every rank's group, over every release.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "quick_require.hpp"
#include "ranktopo/diff.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/plan.hpp"
#include "test_support.hpp"

namespace {

ranktopo::release version(const char* v) {
    return ranktopo::parse_release(v, "test");
}

/// Ranks whose group, as a list in position order, differs: by enumeration.
std::int64_t moved_by_enumeration(const ranktopo::family& a, const ranktopo::family& b, int& lowest) {
    std::int64_t moved = 0;
    lowest = -1;
    for (int r = 0; r < a.world_size(); ++r) {
        if (a.group(a.locate(r).group).to_vector() == b.group(b.locate(r).group).to_vector()) continue;
        ++moved;
        if (lowest < 0) lowest = r;
    }
    return moved;
}

const ranktopo::communicator_change& find(const ranktopo::plan_diff& d, const std::string& name) {
    for (const ranktopo::communicator_change& c : d.communicators)
        if (c.name == name) return c;
    throw std::runtime_error("no communicator " + name);
}

}  // namespace

TEST_CASE("diff: a plan against itself is identical", "[diff]") {
    const ranktopo::plan p = ranktopo::make_plan(ranktopo::example_config());
    const ranktopo::plan_diff d = ranktopo::diff(p, p);
    CHECK(d.identical());
    CHECK(d.communicators.size() == ranktopo::enabled_families(p).size());
}

TEST_CASE("diff: the example from 0.17.0rc1 to 0.18.0", "[diff]") {
    ranktopo::config c = ranktopo::example_config();
    const ranktopo::plan before = ranktopo::make_plan(c);
    c.vllm_ascend_version = version("0.18.0");
    const ranktopo::plan after = ranktopo::make_plan(c);
    const ranktopo::plan_diff d = ranktopo::diff(before, after);
    CHECK_FALSE(d.identical());
    // mc2 becomes vLLM's ep: blocks of 8 spanning stages become one stage's (d, t).
    const ranktopo::communicator_change& mc2 = find(d, "mc2");
    CHECK(mc2.kind == ranktopo::change_kind::changed);
    CHECK(mc2.ranks_moved == 16);
    CHECK(mc2.example_rank == 0);
    CHECK(find(d, "ep").kind == ranktopo::change_kind::same);
    // fc3_quant_x moves to right after dynamic_eplb, and takes mc2's groups.
    const ranktopo::communicator_change& fc3 = find(d, "fc3_quant_x");
    CHECK(fc3.before->creation == 8);
    CHECK(fc3.after->creation == 3);
    CHECK(fc3.ranks_moved == 16);
    // otp keeps every group but is created one step later.
    const ranktopo::communicator_change& otp = find(d, "otp");
    CHECK(otp.kind == ranktopo::change_kind::changed);
    CHECK(otp.ranks_moved == 0);
    CHECK(otp.relabeled);
}

TEST_CASE("diff: added and removed communicators, and the destroy order", "[diff]") {
    ranktopo::config c;
    c.world_size = 8;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = 4;
    c.mlp_tensor_parallel_size = 2;
    const ranktopo::plan before = ranktopo::make_plan(c);
    c.mlp_tensor_parallel_size = 0;
    c.dynamic_eplb = true;
    const ranktopo::plan after = ranktopo::make_plan(c);
    const ranktopo::plan_diff d = ranktopo::diff(before, after);
    CHECK(find(d, "mlptp").kind == ranktopo::change_kind::removed);
    CHECK(find(d, "dynamic_eplb").kind == ranktopo::change_kind::added);
    CHECK(d.destroy_order_changed);
    CHECK_FALSE(d.identical());
}

TEST_CASE("diff: ranks changing group agree with enumeration, every pair of recipes up to 32 ranks", "[diff]") {
    std::size_t compared = 0;
    std::size_t with_moves = 0;
    for (ranktopo::config c : ranktopo_test::topologies(32))
        for (const bool p_tp : {false, true}) {
            c.is_kv_producer = p_tp;
            c.pd_head_ratio = 2;
            c.num_head_replica = 2;
            c.dynamic_eplb = true;
            c.mlp_tensor_parallel_size = c.data_parallel_size;
            std::vector<ranktopo::plan> plans;
            for (const char* v : {"0.13.0", "0.16.0rc1", "0.17.0rc1", "0.18.0", "0.23.0", "0.24.0rc1", "0.25.1rc1"}) {
                c.vllm_ascend_version = version(v);  // one release of each recipe
                if (c.vllm_ascend_version.layout().has(ranktopo::step::dynamic_eplb) == false) c.dynamic_eplb = false;
                if (ranktopo::validate(c).empty()) plans.push_back(ranktopo::make_plan(c));
                c.dynamic_eplb = true;
            }
            for (const ranktopo::plan& a : plans)
                for (const ranktopo::plan& b : plans) {
                    const ranktopo::plan_diff d = ranktopo::diff(a, b);
                    const std::vector<ranktopo::named_family> fa = ranktopo::enabled_families(a);
                    const std::vector<ranktopo::named_family> fb = ranktopo::enabled_families(b);
                    for (const ranktopo::communicator_change& change : d.communicators) {
                        if (!change.before || !change.after) continue;
                        const ranktopo::family* x = nullptr;
                        const ranktopo::family* y = nullptr;
                        for (const auto& f : fa)
                            if (f.name == change.name) x = &f.groups;
                        for (const auto& f : fb)
                            if (f.name == change.name) y = &f.groups;
                        const auto context = [&] {
                            return ranktopo::to_json(a.topology) + " vs " + ranktopo::to_json(b.topology) + ": " +
                                   change.name;
                        };
                        RANKTOPO_REQUIRE_QUIETLY((x != nullptr && y != nullptr), context());
                        int lowest = -1;
                        const std::int64_t moved = moved_by_enumeration(*x, *y, lowest);
                        RANKTOPO_REQUIRE_QUIETLY(change.ranks_moved == moved, context());
                        RANKTOPO_REQUIRE_QUIETLY(change.example_rank == lowest, context());
                        ++compared;
                        with_moves += moved > 0 ? 1U : 0U;
                    }
                }
        }
    CHECK(compared > 10000);
    CHECK(with_moves > 1000);
}
