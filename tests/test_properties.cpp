// Every config with world size <= 64: every factorization N = E·D·P·C·T and,
// on each, every value of each family's options (and mixes of them). The
// library must agree with the literal model of the reference on what it
// serves and what it refuses, and every family it builds must partition the
// world with a lookup that agrees with enumeration.
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "quick_require.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/ranktopo.hpp"
#include "reference_model.hpp"
#include "test_support.hpp"

namespace {

using ranktopo_test::divisors;
using ranktopo_test::topologies;

constexpr int max_world = 64;

/// Each option of each family over its whole useful range (one past the
/// valid values, to hit the refusals too), and a few mixes.
std::vector<ranktopo::config> variants(const ranktopo::config& base) {
    std::vector<ranktopo::config> out{base};
    const int N = base.world_size, T = base.tensor_parallel_size, D = base.data_parallel_size;
    const auto add = [&](auto&& change) {
        ranktopo::config c = base;
        change(c);
        out.push_back(c);
    };
    for (int ratio = 1; ratio <= 2 * T + 1; ++ratio)
        for (int replicas = 1; replicas <= 4; ++replicas)
            for (int local : {0, N / 2, N - 1, N + 7})  // beyond the world: p_tp_None
                add([&](ranktopo::config& c) {
                    c.is_kv_producer = true;
                    c.pd_head_ratio = 2;
                    c.pd_tp_ratio = ratio;
                    c.num_head_replica = replicas;
                    c.local_rank = local;
                });
    add([](ranktopo::config& c) { c.pd_head_ratio = 2; });      // not a producer: no p_tp
    add([](ranktopo::config& c) { c.is_kv_producer = true; });  // pd_head_ratio 1: no p_tp
    for (int size = 1; size <= D + 1; ++size) {
        add([&](ranktopo::config& c) { c.oproj_tensor_parallel_size = size; });
        add([&](ranktopo::config& c) { c.mlp_tensor_parallel_size = size; });
        for (int other : divisors(D))  // sharing between modules of equal size
            add([&](ranktopo::config& c) {
                c.lmhead_tensor_parallel_size = size;
                c.embedding_tensor_parallel_size = other;
                c.mlp_tensor_parallel_size = size;
                c.oproj_tensor_parallel_size = other;
            });
    }
    for (int s = 1; s <= T + 1; ++s)
        for (int sharding = 0; sharding < 2; ++sharding)
            add([&](ranktopo::config& c) {
                c.flashcomm2_enabled = true;
                c.flashcomm2_oproj_tensor_parallel_size = s;
                c.layer_sharding = sharding == 1;
                c.dsa_cp_layer_shard = s % 2 == 0;  // FlashComm2 takes precedence
            });
    add([](ranktopo::config& c) { c.flashcomm2_oproj_tensor_parallel_size = 2; });  // FlashComm2 off
    add([](ranktopo::config& c) { c.layer_sharding = true; });
    add([](ranktopo::config& c) {
        c.layer_sharding = true;
        c.dsa_cp_layer_shard = true;
    });
    add([](ranktopo::config& c) {
        c.dynamic_eplb = true;
        c.multistream_overlap_gate = true;
    });
    for (int s : divisors(T))
        for (int size : divisors(D))
            add([&](ranktopo::config& c) {  // everything on
                c.is_kv_producer = true;
                c.pd_head_ratio = 2;
                c.pd_tp_ratio = T > 1 ? 2 : 1;
                c.num_head_replica = 2;
                c.local_rank = N - 1;
                c.oproj_tensor_parallel_size = size;
                c.lmhead_tensor_parallel_size = D / size;
                c.embedding_tensor_parallel_size = size;
                c.mlp_tensor_parallel_size = 1;
                c.flashcomm2_enabled = true;
                c.flashcomm2_oproj_tensor_parallel_size = s;
                c.layer_sharding = true;
                c.dynamic_eplb = true;
                c.multistream_overlap_gate = true;
            });
    return out;
}

}  // namespace

namespace {

struct agreement {
    std::size_t served = 0;
    std::size_t refused = 0;
};

/// The sample the sweep covers: every topology of up to 16 ranks, and every
/// k-th larger one, k from RANKTOPO_PROPERTY_SAMPLE (default 1: all). The
/// sanitizer leg sets it, where one config costs ~20x more; the main run
/// keeps the full sweep.
struct sample {
    std::size_t every = 1;
    static constexpr int whole_up_to = 16;

    static sample from_environment() {
        const char* text = std::getenv("RANKTOPO_PROPERTY_SAMPLE");
        if (text == nullptr || *text == '\0') return {};
        const int k = std::atoi(text);
        if (k < 1) throw std::invalid_argument(std::string("RANKTOPO_PROPERTY_SAMPLE must be >= 1, not ") + text);
        return {static_cast<std::size_t>(k)};
    }
    [[nodiscard]] std::string describe() const {
        if (every == 1) return "every topology";
        return "sampled (RANKTOPO_PROPERTY_SAMPLE=" + std::to_string(every) + "): every topology up to " +
               std::to_string(whole_up_to) + " ranks, every " + std::to_string(every) + "th larger one";
    }
};

/// Where the plan differs from the model, or "" where it does not: names and
/// every group (enumerated into `ranks`, reused across configs), handles and
/// teardown order.
std::string plan_difference(const ranktopo::plan& p, const ranktopo_test::model_plan& m, std::vector<int>& ranks) {
    if (p.creations.size() != m.creations.size())
        return std::to_string(p.creations.size()) + " creations, the model has " + std::to_string(m.creations.size());
    for (std::size_t i = 0; i < m.creations.size(); ++i) {
        const ranktopo::creation& made = p.creations[i];
        const ranktopo_test::model_creation& expected = m.creations[i];
        if (made.name != expected.name)
            return "creation " + std::to_string(i) + " is " + made.name + ", not " + expected.name;
        ranks.resize(static_cast<std::size_t>(made.groups.world_size()));
        made.groups.write(ranks);
        if (made.groups.group_size() != expected.groups.size || ranks != expected.groups.ranks)
            return made.name + ": groups differ from the model";
    }
    std::size_t bound = 0;
    for (const auto& [name, index] : m.handles) {
        const std::optional<ranktopo::accessor> a = ranktopo::find_accessor(name);
        if (!a) return "the model binds an unknown accessor " + name;
        const ranktopo::binding expected = index == ranktopo_test::model_plan::borrowed_tp
                                               ? ranktopo::binding::borrowed()
                                               : ranktopo::binding::created_at(index);
        if (p.handle(*a) != expected) return name + ": bound differently";
        ++bound;
    }
    const auto planned = static_cast<std::size_t>(
        std::count_if(p.handles.begin(), p.handles.end(),
                      [](const ranktopo::binding& b) { return b.source != ranktopo::binding::kind::none; }));
    if (planned != bound) return std::to_string(planned) + " accessors bound, the model binds " + std::to_string(bound);
    if (p.destroy_order != m.destroy_order) return "teardown order differs";
    return {};
}

/// Every variant of every topology of the sample up to `max_n` ranks, on release `r`.
agreement agree_with_model(ranktopo::release r, int max_n, const sample& s) {
    agreement tally;
    auto& [served, refused] = tally;
    std::vector<int> ranks;  // reused: one buffer for every enumeration
    std::size_t index = 0;
    for (ranktopo::config topology : topologies(max_n)) {
        if (topology.world_size > sample::whole_up_to && index++ % s.every != 0) continue;
        topology.vllm_ascend_version = r;
        for (const ranktopo::config& c : variants(topology)) {
            const std::optional<ranktopo_test::model_plan> expected = ranktopo_test::reference_model(c);
            const std::vector<ranktopo::problem> problems = ranktopo::validate(c);
            if (expected.has_value() != problems.empty()) {
                INFO(ranktopo::to_json(c));
                INFO("validate: " << (problems.empty() ? std::string("ok") : problems.front().message));
                FAIL("the library and the model disagree on whether the config can be served");
            }
            if (!expected) {
                if (!problems.front().message.empty() && !problems.front().option.empty()) ++refused;
                continue;
            }
            const ranktopo::plan p = ranktopo::make_plan(c);
            if (const std::string difference = plan_difference(p, *expected, ranks); !difference.empty()) {
                INFO(ranktopo::to_json(c));
                FAIL("plan differs from the model: " << difference);
            }
            // The JSON the tool writes says the same, byte for byte.
            std::ostringstream out;
            ranktopo::write_plan_json(out, p);
            if (out.str() != expected->to_text()) {
                INFO(ranktopo::to_json(c));
                CHECK(out.str() == expected->to_text());
                FAIL("the plan's JSON differs from the model");
            }
            for (const ranktopo::creation& made : p.creations) {
                const std::string violation = ranktopo_test::family_invariant_violation(made.groups, c.world_size);
                if (!violation.empty()) {
                    INFO(ranktopo::to_json(c) << " family " << made.name);
                    FAIL(violation);
                }
            }
            ++served;
        }
    }
    return tally;
}

}  // namespace

TEST_CASE("properties: every config up to 64 ranks agrees with the model of the reference", "[properties]") {
    const sample s = sample::from_environment();
    WARN(s.describe());
    const auto [served, refused] = agree_with_model(ranktopo::release(), max_world, s);
    INFO("served " << served << ", refused " << refused);
    CHECK(served > 100000 / s.every);
    CHECK(refused > 10000 / s.every);
}

TEST_CASE("properties: every release agrees with the model, each recipe up to 32 ranks", "[properties][releases]") {
    const sample s = sample::from_environment();
    WARN(s.describe());
    std::vector<const ranktopo::recipe*> checked;
    for (const ranktopo::release_info& info : ranktopo::releases) {
        const ranktopo::release r = *ranktopo::release::find(info.version);
        const bool first_of_recipe = std::find(checked.begin(), checked.end(), info.layout) == checked.end();
        if (first_of_recipe) checked.push_back(info.layout);
        INFO("vllm-ascend " << info.version);
        const auto [served, refused] = agree_with_model(r, first_of_recipe ? 32 : 12, s);
        CHECK(served > 1000 / s.every);
        CHECK(refused > 100 / s.every);
    }
    CHECK(checked.size() == 7);
}

TEST_CASE("properties: vLLM's families partition every valid world up to 64 ranks", "[properties]") {
    namespace f = ranktopo::families;
    std::size_t checked = 0;
    for (const ranktopo::config& c : topologies(max_world)) {
        std::vector<ranktopo::family> all{f::world(c), f::tp(c), f::pcp(c), f::pp(c), f::dp(c), f::ep(c), f::mc2(c)};
        for (int k : divisors(c.tensor_parallel_size)) all.push_back(f::dcp(c, k));
        for (const ranktopo::family& fam : all) {
            const std::string violation = ranktopo_test::family_invariant_violation(fam, c.world_size);
            if (!violation.empty()) {
                INFO(ranktopo::to_json(c) << " family " << fam.describe());
                FAIL(violation);
            }
            ++checked;
        }
        // Coordinates: rank = (((e·D + d)·P + p)·C + c)·T + t.
        const ranktopo::layout x = ranktopo::coordinates(c);
        for (int r = 0; r < c.world_size; ++r) REQUIRE(x(r) == r);
    }
    CHECK(checked > 30000);
}

TEST_CASE("properties: identical groups from layouts agree with enumeration, each recipe up to 32 ranks",
          "[properties][identical]") {
    std::vector<const ranktopo::recipe*> checked;
    std::size_t pairs = 0, identical = 0, partly = 0;
    for (const ranktopo::release_info& info : ranktopo::releases) {
        if (std::find(checked.begin(), checked.end(), info.layout) != checked.end()) continue;
        checked.push_back(info.layout);
        for (ranktopo::config topology : topologies(32)) {
            topology.vllm_ascend_version = *ranktopo::release::find(info.version);
            for (const ranktopo::config& c : variants(topology)) {
                if (!ranktopo::validate(c).empty()) continue;
                const std::vector<ranktopo::named_family> all = ranktopo::enabled_families(ranktopo::make_plan(c));
                // Enumerated: per rank, its group's first rank and its position there.
                std::vector<std::vector<int>> listed;
                for (const ranktopo::named_family& f : all) {
                    const std::vector<int> flat = f.groups.ranks();
                    std::vector<int> where(static_cast<std::size_t>(2 * c.world_size));
                    const auto size = static_cast<std::size_t>(f.groups.group_size());
                    for (std::size_t k = 0; k < flat.size(); ++k) {
                        where[2 * static_cast<std::size_t>(flat[k])] = flat[k - k % size];
                        where[2 * static_cast<std::size_t>(flat[k]) + 1] = static_cast<int>(k % size);
                    }
                    listed.push_back(std::move(where));
                }
                for (std::size_t i = 0; i < all.size(); ++i) {
                    for (std::size_t j = i + 1; j < all.size(); ++j) {
                        const bool expected = listed[i] == listed[j];
                        if (ranktopo::same_groups(all[i].groups, all[j].groups) != expected) {
                            INFO(ranktopo::to_json(c)
                                 << ' ' << all[i].name << " vs " << all[j].name << ": " << all[i].groups.describe()
                                 << " and " << all[j].groups.describe());
                            FAIL("same_groups disagrees with enumeration");
                        }
                        ++pairs;
                        identical += expected ? 1U : 0U;
                        if (expected || c.world_size > 16) continue;
                        // Per rank: its group, listed, in both.
                        bool some = false;
                        for (int r = 0; r < c.world_size; ++r) {
                            const ranktopo::group_view gi = all[i].groups.group(all[i].groups.locate(r).group);
                            const ranktopo::group_view gj = all[j].groups.group(all[j].groups.locate(r).group);
                            const bool same = std::equal(gi.begin(), gi.end(), gj.begin(), gj.end());
                            some = some || same;
                            if (ranktopo::same_group_of(all[i].groups, all[j].groups, r) != same) {
                                INFO(ranktopo::to_json(c)
                                     << ' ' << all[i].name << " vs " << all[j].name << " rank " << r);
                                FAIL("same_group_of disagrees with enumeration");
                            }
                        }
                        partly += some ? 1U : 0U;
                    }
                }
                for (const std::vector<std::size_t>& same : ranktopo::identical_groups(all)) {
                    for (std::size_t k = 1; k < same.size(); ++k)
                        RANKTOPO_REQUIRE_QUIETLY(listed[same[k]] == listed[same[0]],
                                                 all[same[k]].name << " vs " << all[same[0]].name);
                }
            }
        }
    }
    INFO("pairs " << pairs << ", identical " << identical << ", sharing some groups only " << partly);
    CHECK(checked.size() == 7);
    CHECK(identical > 10000);
    CHECK(identical < pairs);
    // A partition's groups follow from its member mapping: two families never
    // share some groups and not others (what costliest_rank relies on).
    CHECK(partly == 0);
}
