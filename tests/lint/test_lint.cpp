// lint against the coordinate formulas: over every factorization of every
// world up to 48 ranks, with the families' options, lint flags exactly the
// families whose groups hold two pipeline stages or two external replicas
// (decoded from rank = (((e·D + d)·P + p)·C + c)·T + t), and its per-axis
// counts are those of brute force. Then the quirks, vllm-ascend's rules and
// a 2^20-rank world.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ranktopo/engine_checks.hpp"
#include "ranktopo/lint.hpp"
#include "ranktopo/named_families.hpp"
#include "test_support.hpp"

namespace {

using ranktopo_test::divisors;

/// Every (E, D, P, C, T) up to max_n ranks, each with the families' options
/// over a range of values; only configs the reference serves.
std::vector<ranktopo::config> configs(int max_n) {
    std::vector<ranktopo::config> out;
    for (const ranktopo::config& base : ranktopo_test::topologies(max_n)) {
        const int d = base.data_parallel_size;
        const int t = base.tensor_parallel_size;
        std::vector<ranktopo::config> mine{base};
        const auto add = [&](auto&& change) {
            ranktopo::config v = base;
            change(v);
            mine.push_back(v);
        };
        for (int ratio : divisors(t))
            for (int replicas = 1; replicas <= 3; ++replicas)
                add([&](ranktopo::config& v) {
                    v.is_kv_producer = true;
                    v.pd_head_ratio = 2;
                    v.pd_tp_ratio = ratio;
                    v.num_head_replica = replicas;
                });
        for (int size : divisors(d))
            add([&](ranktopo::config& v) {
                v.mlp_tensor_parallel_size = size;
                v.oproj_tensor_parallel_size = d / size;
                v.layer_sharding = true;
            });
        for (int s : divisors(t))
            add([&](ranktopo::config& v) {
                v.flashcomm2_enabled = true;
                v.flashcomm2_oproj_tensor_parallel_size = s;
                v.layer_sharding = true;
            });
        add([](ranktopo::config& v) {
            v.layer_sharding = true;
            v.dsa_cp_layer_shard = true;
            v.dynamic_eplb = true;
            v.multistream_overlap_gate = true;
        });
        for (const ranktopo::config& v : mine)
            if (ranktopo::validate(v).empty()) out.push_back(v);
    }
    return out;
}

struct coordinates_of {
    int D, P, C, T;
    [[nodiscard]] std::array<int, 5> operator()(int r) const {
        return {r / (T * C * P * D), (r / (T * C * P)) % D, (r / (T * C)) % P, (r / T) % C, r % T};
    }
};

std::string describe(const ranktopo::config& c) {
    return "N=" + std::to_string(c.world_size) + " D=" + std::to_string(c.data_parallel_size) +
           " P=" + std::to_string(c.pipeline_parallel_size) + " C=" + std::to_string(c.prefill_context_parallel_size) +
           " T=" + std::to_string(c.tensor_parallel_size);
}

}  // namespace

TEST_CASE("lint: flags exactly the families whose groups mix stages or replicas", "[lint]") {
    std::size_t checked = 0;
    std::size_t flagged = 0;
    for (const ranktopo::config& c : configs(48)) {
        const coordinates_of decode{c.data_parallel_size, c.pipeline_parallel_size, c.prefill_context_parallel_size,
                                    c.tensor_parallel_size};
        const ranktopo::lint_report report = ranktopo::lint(c);
        const std::vector<ranktopo::named_family> all = ranktopo::enabled_families(ranktopo::make_plan(c));
        REQUIRE(report.families.size() == all.size());
        std::set<std::string> expected_flags;
        for (std::size_t i = 0; i < all.size(); ++i) {
            std::array<int, 5> varying{};
            for (const std::vector<int>& members : all[i].groups.to_vectors()) {
                const std::array<int, 5> first = decode(members.front());
                std::array<bool, 5> differs{};
                for (int r : members) {
                    const std::array<int, 5> x = decode(r);
                    for (std::size_t a = 0; a < 5; ++a) differs[a] = differs[a] || x[a] != first[a];
                }
                for (std::size_t a = 0; a < 5; ++a) varying[a] += differs[a] ? 1 : 0;
            }
            for (int a = 0; a < 5; ++a) {
                if (report.families[i].axes.varying_in(a) != varying[static_cast<std::size_t>(a)]) {
                    INFO(describe(c) << " family " << all[i].name << " axis "
                                     << ranktopo::axis_letters[static_cast<std::size_t>(a)]);
                    FAIL("lint's axis count disagrees with the coordinate formulas");
                }
            }
            const std::string& name = all[i].name;
            const bool mixes_stages = name != "world" && name != "pp" && varying[ranktopo::axis_p] > 0;
            const bool mixes_replicas = name != "world" && varying[ranktopo::axis_e] > 0;
            if (mixes_stages || mixes_replicas) expected_flags.insert(name);
        }
        std::set<std::string> flags;
        for (const ranktopo::lint_finding& w : report.warnings)
            if (w.kind == ranktopo::lint_kind::mixes_axes) flags.insert(w.families.at(0));
        if (flags != expected_flags) {
            INFO(describe(c));
            FAIL("lint flags other families than the coordinate formulas");
        }
        flagged += flags.size();
        ++checked;
    }
    INFO("checked " << checked << " configs, " << flagged << " flags");
    CHECK(checked > 5000);
    CHECK(flagged > 1000);
}

TEST_CASE("lint: the reference's quirks show where their effect shows", "[lint]") {
    ranktopo::config c;
    c.world_size = 16;
    c.data_parallel_size = 2;
    c.pipeline_parallel_size = 2;
    c.tensor_parallel_size = 4;
    const auto quirks = [](const ranktopo::lint_report& r) {
        std::set<std::string> out;
        for (const ranktopo::lint_finding& w : r.warnings)
            if (w.kind == ranktopo::lint_kind::reference_quirk) out.insert(w.families.begin(), w.families.end());
        return out;
    };
    CHECK(quirks(ranktopo::lint(c)) == std::set<std::string>{"mc2"});

    ranktopo::config one_stage = c;  // P = 1: mc2 is vLLM's ep, nothing to say
    one_stage.pipeline_parallel_size = 1;
    one_stage.world_size = 8;
    CHECK(ranktopo::lint(one_stage).warnings.empty());

    ranktopo::config fine = c;
    fine.mlp_tensor_parallel_size = 2;
    fine.dynamic_eplb = true;
    CHECK(quirks(ranktopo::lint(fine)) == std::set<std::string>{"mc2", "dynamic_eplb", "mlptp"});
    fine.mlp_tensor_parallel_size = 1;  // groups of one rank mix nothing
    CHECK(quirks(ranktopo::lint(fine)) == std::set<std::string>{"mc2", "dynamic_eplb"});

    ranktopo::config shard = c;
    shard.layer_sharding = true;
    CHECK(quirks(ranktopo::lint(shard)).count("shard_weight") == 1);
    shard.data_parallel_size = 1;
    shard.world_size = 8;
    CHECK(ranktopo::lint(shard).warnings.empty());

    ranktopo::config p_tp = c;
    p_tp.is_kv_producer = true;
    p_tp.pd_head_ratio = 2;
    p_tp.pd_tp_ratio = 2;
    p_tp.num_head_replica = 2;
    CHECK(quirks(ranktopo::lint(p_tp)).count("p_tp") == 1);
    const std::vector<ranktopo::lint_finding> p_tp_notes = ranktopo::lint(p_tp).notes;
    CHECK(std::count_if(p_tp_notes.begin(), p_tp_notes.end(), [](const ranktopo::lint_finding& n) {
              return n.families == std::vector<std::string>{"p_tp"};
          }) == 1);             // the name, without --ranks-per-node
    p_tp.num_head_replica = 1;  // blocks of pd_tp_ratio: right size, but the name
    CHECK(quirks(ranktopo::lint(p_tp)).count("p_tp") == 0);
    CHECK(quirks(ranktopo::lint(p_tp, 16)).count("p_tp") == 0);  // one node: local = global
    CHECK(quirks(ranktopo::lint(p_tp, 4)).count("p_tp") == 1);

    // A quirk a release fixed is not reported for it: from 0.18.0 mc2 is
    // vLLM's ep and p_tp counts D*P*C replicas.
    ranktopo::config fixed = c;
    fixed.vllm_ascend_version = ranktopo::parse_release("0.18.0", "test");
    fixed.dynamic_eplb = true;
    CHECK(quirks(ranktopo::lint(fixed)).empty());
    fixed.is_kv_producer = true;
    fixed.pd_head_ratio = 2;
    fixed.pd_tp_ratio = 2;
    fixed.num_head_replica = 2;
    CHECK(quirks(ranktopo::lint(fixed)).empty());
    fixed.vllm_ascend_version = ranktopo::parse_release("0.16.0rc1", "test");  // B = D: reported again
    CHECK(quirks(ranktopo::lint(fixed)) == std::set<std::string>{"mc2", "dynamic_eplb", "p_tp"});

    // local_rank beyond the world: the reference names the group p_tp_None.
    ranktopo::config beyond = p_tp;
    beyond.local_rank = 24;
    const ranktopo::lint_report named_none = ranktopo::lint(beyond, 8);
    CHECK(quirks(named_none).count("p_tp") == 1);
    CHECK(std::any_of(named_none.warnings.begin(), named_none.warnings.end(), [](const ranktopo::lint_finding& w) {
        return w.message.find("p_tp_None") != std::string::npos;
    }));
}

TEST_CASE("lint: a note for each family that holds the groups of an earlier one", "[lint][identical]") {
    ranktopo::config c;
    c.world_size = 16;
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 2;
    c.pipeline_parallel_size = 2;
    c.dynamic_eplb = true;
    c.multistream_overlap_gate = true;
    const auto identical = [](const ranktopo::config& config) {
        std::vector<std::string> out;
        for (const ranktopo::lint_finding& n : ranktopo::lint(config).notes) {
            if (n.message.find(" has the groups of ") == std::string::npos) continue;
            CHECK(n.kind == ranktopo::lint_kind::note);
            CHECK(n.families.size() == 2);
            out.push_back(n.message.substr(0, n.message.find(':')));
        }
        return out;
    };
    // From 0.18.0 mc2 is vLLM's ep; pcp's one-rank groups are no one's business.
    c.vllm_ascend_version = ranktopo::parse_release("0.18.0", "test");
    CHECK(identical(c) == std::vector<std::string>{"mc2 has the groups of ep", "dynamic_eplb has the groups of ep",
                                                   "fc3_quant_x has the groups of ep"});
    // In 0.17.0rc1 mc2 spans the stages: its groups are not ep's.
    c.vllm_ascend_version = ranktopo::parse_release("0.17.0rc1", "test");
    CHECK(identical(c) ==
          std::vector<std::string>{"dynamic_eplb has the groups of mc2", "fc3_quant_x has the groups of mc2"});
    // One stage of 16: tp is the whole world.
    ranktopo::config flat;
    flat.world_size = 16;
    flat.tensor_parallel_size = 16;
    CHECK(identical(flat) == std::vector<std::string>{"tp has the groups of world", "ep has the groups of world",
                                                      "mc2 has the groups of world"});
}

TEST_CASE("lint: nodes and crossing groups", "[lint]") {
    ranktopo::config c;
    c.world_size = 16;
    c.data_parallel_size = 2;
    c.pipeline_parallel_size = 2;
    c.tensor_parallel_size = 4;
    const ranktopo::lint_report r = ranktopo::lint(c, 8);
    for (const ranktopo::family_check& f : r.families) {
        if (f.name == "tp") CHECK(f.groups_crossing_nodes == 0);
        if (f.name == "dp") CHECK(f.groups_crossing_nodes == f.group_count);
        if (f.name == "pp") CHECK(f.groups_crossing_nodes == 0);
    }
    CHECK(ranktopo::lint(c).families.front().groups_crossing_nodes == -1);
}

TEST_CASE("lint: tp groups crossing nodes are warnings unless allowed", "[lint]") {
    ranktopo::config c;
    c.world_size = 32;
    c.data_parallel_size = 2;
    c.tensor_parallel_size = 16;
    const auto crossing = [](const ranktopo::lint_report& r) {
        return std::count_if(r.warnings.begin(), r.warnings.end(), [](const ranktopo::lint_finding& w) {
            return w.kind == ranktopo::lint_kind::crosses_nodes;
        });
    };
    const ranktopo::lint_report r = ranktopo::lint(c, 8);
    REQUIRE(crossing(r) == 1);
    const auto w = std::find_if(r.warnings.begin(), r.warnings.end(), [](const ranktopo::lint_finding& f) {
        return f.kind == ranktopo::lint_kind::crosses_nodes;
    });
    CHECK(w->families == std::vector<std::string>{"tp"});
    CHECK(w->message.find("2 of 2 tp groups") != std::string::npos);
    CHECK(crossing(ranktopo::lint(c, 16)) == 0);         // one TP group per node
    CHECK(crossing(ranktopo::lint(c, 8, {"tp"})) == 0);  // allowed
    CHECK(crossing(ranktopo::lint(c)) == 0);             // no nodes given
    // dp crosses nodes by design: no warning for it.
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 8;
    CHECK(crossing(ranktopo::lint(c, 4)) == 0);
    // A node size that does not divide the world: a note.
    const ranktopo::lint_report uneven = ranktopo::lint(c, 12);
    CHECK(std::any_of(uneven.notes.begin(), uneven.notes.end(), [](const ranktopo::lint_finding& n) {
        return n.message.find("ranks_per_node (12) does not divide world_size (32)") != std::string::npos;
    }));
}

TEST_CASE("engine checks: vllm-ascend's rules, decided or named as undecided", "[lint]") {
    ranktopo::config c;
    c.world_size = 8;
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 2;
    CHECK(ranktopo::engine_checks(c).empty());
    CHECK(ranktopo::engine_checks_undecided(c).empty());

    ranktopo::config fc2 = c;
    fc2.flashcomm2_enabled = true;
    fc2.flashcomm2_oproj_tensor_parallel_size = 4;  // S = T: the layout serves it, vllm-ascend does not
    fc2.oproj_tensor_parallel_size = 2;
    const std::vector<ranktopo::problem> failed = ranktopo::engine_checks(fc2);
    REQUIRE(failed.size() == 2);
    CHECK(failed[0].option == "flashcomm2_oproj_tensor_parallel_size");
    CHECK(failed[1].option == "oproj_tensor_parallel_size");
    CHECK(ranktopo::engine_checks_undecided(fc2).size() == 2);  // graph mode / consumer, KV consumer

    ranktopo::config producer = c;
    producer.is_kv_producer = true;
    producer.pd_tp_ratio = 3;
    producer.oproj_tensor_parallel_size = 3;
    std::set<std::string> options;
    for (const ranktopo::problem& p : ranktopo::engine_checks(producer)) options.insert(p.option);
    CHECK(options == std::set<std::string>{"pd_tp_ratio", "oproj_tensor_parallel_size"});
}

TEST_CASE("lint: 2^20 ranks in well under a second", "[lint]") {
    ranktopo::config c;
    c.world_size = 1 << 20;
    c.tensor_parallel_size = 16;
    c.data_parallel_size = 1 << 14;
    c.pipeline_parallel_size = 4;
    c.mlp_tensor_parallel_size = 8;
    c.layer_sharding = true;
    c.dynamic_eplb = true;
    const auto start = std::chrono::steady_clock::now();
    const ranktopo::lint_report r = ranktopo::lint(c, 16);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(r.families.size() == 10);
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 3000);  // generous for sanitizers
}

TEST_CASE("lint: quirks found in the layouts agree with the conditions of layouts.md", "[lint]") {
    // layouts.md states each quirk's condition by hand; lint finds it in the
    // layouts. They must agree — where layouts.md simplifies (shard_weight over
    // vLLM's tp rows also mixes stages with external replicas, E > 1), the
    // expectation below says so.
    std::size_t fired = 0;
    for (const ranktopo::config& c : configs(32)) {
        const int E = ranktopo::detail::external_dp(c);
        const int D = c.data_parallel_size, P = c.pipeline_parallel_size;
        std::set<std::string> expected;
        const ranktopo::plan p = ranktopo::make_plan(c);
        if (D > 1 && P > 1) expected.insert("mc2");
        for (const auto& [module, size] : {std::pair{ranktopo::accessor::mlp_tp, c.mlp_tensor_parallel_size},
                                           std::pair{ranktopo::accessor::otp, c.oproj_tensor_parallel_size}}) {
            const ranktopo::binding& b = p.handle(module);  // equal sizes share one creation, named after the first
            if (b.source == ranktopo::binding::kind::created && P > 1 && size > 1) {
                expected.insert(p.creations[static_cast<std::size_t>(b.creation)].name);
            }
        }
        if (c.layer_sharding && P > 1) {
            switch (ranktopo::families::shard_weight_basis(c)) {
                case ranktopo::families::shard_weight_source::tp:
                    if (E * D > 1) expected.insert("shard_weight");
                    break;
                case ranktopo::families::shard_weight_source::flashcomm2_otp:
                    if (D > 1) expected.insert("shard_weight");
                    break;
                case ranktopo::families::shard_weight_source::pipeline_stages: break;
            }
        }
        if (ranktopo::detail::p_tp_enabled(c) && c.num_head_replica > 1 && P > 1) expected.insert("p_tp");

        std::set<std::string> found;
        for (const ranktopo::lint_finding& w : ranktopo::lint(c).warnings) {
            if (w.kind != ranktopo::lint_kind::reference_quirk) continue;
            for (const std::string& f : w.families)
                if (f != "dynamic_eplb" && f != "fc3_quant_x") found.insert(f);
        }
        if (found != expected) {
            INFO(describe(c) << " E=" << E << " mlp " << c.mlp_tensor_parallel_size << " oproj "
                             << c.oproj_tensor_parallel_size << " sharding " << c.layer_sharding);
            CHECK(found == expected);
            FAIL("the quirks lint finds differ from layouts.md's conditions");
        }
        fired += found.size();
    }
    CHECK(fired > 500);
}
