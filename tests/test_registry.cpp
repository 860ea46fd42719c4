// The registry over the recording backend: every golden plan created,
// shared, borrowed and destroyed as the reference does; rollback at every
// creation index; destroy failures reported together; lazy mode; errors.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "golden_fixtures.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/recording_backend.hpp"
#include "ranktopo/registry.hpp"

namespace {

using ranktopo::accessor;
using ranktopo::recording_backend;
using event = recording_backend::event;
using registry = ranktopo::registry<recording_backend>;

using ranktopo_test::engine_tp_handle;

std::vector<event> of_kind(const std::vector<event>& events, event::kind what) {
    std::vector<event> out;
    std::copy_if(events.begin(), events.end(), std::back_inserter(out),
                 [what](const event& e) { return e.what == what; });
    return out;
}

/// A config with seven creations, sharing and dynamic_eplb: 16 ranks.
ranktopo::config many_creations() {
    ranktopo::config c;
    c.world_size = 16;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = 4;
    c.pipeline_parallel_size = 2;
    c.pd_head_ratio = 2;
    c.is_kv_producer = true;
    c.pd_tp_ratio = 2;
    c.oproj_tensor_parallel_size = 2;
    c.mlp_tensor_parallel_size = 2;  // shares otp's creation
    c.lmhead_tensor_parallel_size = 4;
    c.flashcomm2_enabled = true;
    c.flashcomm2_oproj_tensor_parallel_size = 2;
    c.layer_sharding = true;
    c.dynamic_eplb = true;
    c.multistream_overlap_gate = true;
    return c;
}

}  // namespace

TEST_CASE("registry: every golden fixture, every rank, over the recording backend", "[registry][golden]") {
    const nlohmann::json fixtures = ranktopo_test::load_golden_fixtures();
    std::size_t served = 0;
    for (const nlohmann::json& fixture : fixtures) {
        const ranktopo::config c = ranktopo::parse_config(fixture["config"].dump());
        INFO("config " << fixture["config"].dump());
        if (fixture["expect"] == "error") {
            recording_backend backend;
            registry r;
            REQUIRE_THROWS_AS(r.init(c, backend, 0, engine_tp_handle), ranktopo::config_error);
            REQUIRE_FALSE(r.initialized());
            REQUIRE(backend.events().empty());
            continue;
        }
        ++served;
        const nlohmann::json& creations = fixture["creations"];
        const nlohmann::json& handles = fixture["handles"];
        std::vector<std::vector<ranktopo::location>> expected_where;
        for (const nlohmann::json& made : creations) {
            expected_where.push_back(ranktopo_test::golden_locations(made["groups"], c.world_size));
        }
        const ranktopo::family tp = ranktopo::families::tp(c);
        for (int rank = 0; rank < c.world_size; ++rank) {
            INFO("rank " << rank);
            recording_backend backend;
            registry r;
            r.init(c, backend, rank, engine_tp_handle);

            // Creations in the reference's order, with its names, and this rank's place.
            const std::vector<event> created = backend.events();
            REQUIRE(created.size() == creations.size());
            for (std::size_t k = 0; k < created.size(); ++k) {
                REQUIRE(created[k].what == event::kind::create);
                REQUIRE(created[k].creation == static_cast<int>(k));
                REQUIRE(created[k].name == creations[k]["name"].get<std::string>());
                REQUIRE(created[k].self == expected_where[k][static_cast<std::size_t>(rank)]);
            }

            // Every accessor: shared, borrowed or unbound as in `handles`.
            for (std::size_t i = 0; i < ranktopo::accessor_count; ++i) {
                const auto a = static_cast<accessor>(i);
                const std::string key(ranktopo::name(a));
                if (!handles.contains(key)) {
                    REQUIRE_THROWS_WITH(r.get(a),
                                        Catch::Contains("get(" + key + ")") && Catch::Contains("does not enable"));
                    continue;
                }
                const registry::group got = r.get(a);
                if (handles[key] == "borrowed:tp") {
                    REQUIRE(got.borrowed());
                    REQUIRE(got.handle == engine_tp_handle);
                    const ranktopo::location me = tp.locate(rank);
                    REQUIRE(got.members.to_vector() == tp.group(me.group).to_vector());
                    REQUIRE(got.position == me.position);
                    continue;
                }
                const auto k = handles[key].get<std::size_t>();
                const ranktopo::location me = expected_where[k][static_cast<std::size_t>(rank)];
                REQUIRE(got.creation == static_cast<int>(k));
                REQUIRE(got.handle == created[k].handle);
                REQUIRE(got.group == me.group);
                REQUIRE(got.position == me.position);
                REQUIRE(got.members.to_vector() ==
                        creations[k]["groups"][static_cast<std::size_t>(me.group)].get<std::vector<int>>());
            }

            // Destroys: each owned handle once, in destroy_order, never the borrowed one.
            backend.clear_log();
            r.destroy();
            REQUIRE_FALSE(r.initialized());
            const std::vector<event> destroyed = backend.events();
            std::vector<int> order;
            for (const event& e : destroyed) {
                REQUIRE(e.what == event::kind::destroy);
                const auto made = std::find_if(created.begin(), created.end(),
                                               [&](const event& c_event) { return c_event.handle == e.handle; });
                REQUIRE(made != created.end());
                order.push_back(made->creation);
            }
            REQUIRE(order == fixture["destroy_order"].get<std::vector<int>>());
            REQUIRE(backend.live_count() == 0);
            REQUIRE_THROWS_AS(r.get(accessor::mc2), ranktopo::state_error);
            r.destroy();  // a second destroy is a no-op
            REQUIRE(backend.destroy_count() == static_cast<int>(creations.size()));
        }
    }
    REQUIRE(served > 0);
}

TEST_CASE("registry: a creation failing at every index of every golden plan is rolled back", "[registry][faults]") {
    for (const ranktopo::config& c : ranktopo_test::served_golden_configs()) {
        INFO("config " << ranktopo::to_json(c));
        const ranktopo::plan p = ranktopo::make_plan(c);
        const int rank = c.world_size - 1;
        recording_backend backend;
        registry r;
        for (std::size_t k = 0; k < p.creations.size(); ++k) {
            INFO("failing creation " << k << " (" << p.creations[k].name << ")");
            backend.clear_log();
            backend.fail_create_in(static_cast<int>(k));
            try {
                r.init(c, backend, rank, engine_tp_handle);
                FAIL("init succeeded through an injected failure");
            } catch (const ranktopo::backend_error& e) {
                REQUIRE(e.failures().size() == 1);
                REQUIRE(e.failures().front().creation == static_cast<int>(k));
                REQUIRE(e.failures().front().name == p.creations[k].name);
                REQUIRE_THAT(e.what(),
                             Catch::StartsWith("ranktopo::registry::init: creating '" + p.creations[k].name + "'") &&
                                 Catch::Contains("injected failure"));
            }
            REQUIRE_FALSE(r.initialized());
            REQUIRE(backend.live_count() == 0);
            // What was created is destroyed, last first.
            const std::vector<event> log = backend.events();
            const std::vector<event> creates = of_kind(log, event::kind::create);
            const std::vector<event> destroys = of_kind(log, event::kind::destroy);
            REQUIRE(creates.size() == k);
            REQUIRE(destroys.size() == k);
            REQUIRE(of_kind(log, event::kind::refused_destroy).empty());
            for (std::size_t j = 0; j < k; ++j) REQUIRE(destroys[j].handle == creates[k - 1 - j].handle);
            // A fresh init then succeeds.
            r.init(c, backend, rank, engine_tp_handle);
            REQUIRE(r.owned_count() == p.creations.size());
            r.destroy();
            REQUIRE(backend.live_count() == 0);
        }
    }
}

TEST_CASE("registry: destroy attempts every handle and reports the failures together", "[registry][faults]") {
    const ranktopo::config c = many_creations();
    const ranktopo::plan p = ranktopo::make_plan(c);
    REQUIRE(p.creations.size() >= 7);
    recording_backend backend;
    registry r;
    r.init(c, backend, 5);
    const int mc2 = r.get(accessor::mc2).handle;
    const int shard = r.get(accessor::shard_weight).handle;
    backend.fail_destroy_of(mc2);
    backend.fail_destroy_of(shard);
    try {
        r.destroy();
        FAIL("destroy hid two failures");
    } catch (const ranktopo::backend_error& e) {
        REQUIRE(e.failures().size() == 2);
        CHECK(e.failures()[0].name == "mc2");
        CHECK(e.failures()[1].name == "shard_weight");
        CHECK_THAT(e.what(), Catch::StartsWith("ranktopo::registry::destroy: destroying 'mc2'") &&
                                 Catch::Contains("destroying 'shard_weight'"));
    }
    REQUIRE_FALSE(r.initialized());
    CHECK(backend.destroy_count() == static_cast<int>(p.creations.size()) - 2);
    CHECK(backend.live_count() == 2);  // the two the backend refused to free
}

TEST_CASE("registry: a rollback whose destroys fail reports both", "[registry][faults]") {
    const ranktopo::config c = many_creations();
    recording_backend backend;
    registry r;
    backend.fail_destroy_of(2);  // the second creation's handle
    backend.fail_create_in(3);
    try {
        r.init(c, backend, 0);
        FAIL("init succeeded through an injected failure");
    } catch (const ranktopo::backend_error& e) {
        REQUIRE(e.failures().size() == 2);
        CHECK(e.failures()[0].creation == 3);
        CHECK(e.failures()[1].creation == 1);
        CHECK_THAT(e.what(), Catch::Contains("rolling back, destroying"));
    }
    CHECK_FALSE(r.initialized());
    CHECK(backend.destroy_count() == 2);
}

TEST_CASE("registry: init is idempotent for one config and refuses another", "[registry][state]") {
    ranktopo::config c;
    c.world_size = 8;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = 4;
    c.mlp_tensor_parallel_size = 2;
    recording_backend backend;
    registry r;
    r.init(c, backend, 3);
    const int creates = backend.create_count();
    r.init(c, backend, 3);
    CHECK(backend.create_count() == creates);

    ranktopo::config other = c;
    other.dynamic_eplb = true;
    CHECK_THROWS_AS(r.init(other, backend, 3), ranktopo::state_error);
    CHECK_THROWS_WITH(r.init(other, backend, 3), Catch::Contains("already initialized with another config"));
    CHECK_THROWS_WITH(r.init(c, backend, 4), Catch::Contains("another rank or backend"));
    CHECK(r.initialized());
    r.destroy();
    r.init(other, backend, 3);  // after destroy, any config
    CHECK(r.get(accessor::dynamic_eplb).handle != r.get(accessor::mc2).handle);
}

TEST_CASE("registry: errors name the accessor, the option and the values", "[registry][state]") {
    ranktopo::config c;
    c.world_size = 8;
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 2;
    recording_backend backend;
    registry r;
    CHECK_THROWS_WITH(r.get(accessor::mlp_tp),
                      "ranktopo::registry::get(mlp_tp): the registry is not initialized; call init() first");
    CHECK_THROWS_AS(r.init(c, backend, 8), ranktopo::lookup_error);
    CHECK_THROWS_WITH(r.init(c, backend, -1), Catch::Contains("rank -1 is outside [0, 8)"));
    ranktopo::config bad = c;
    bad.mlp_tensor_parallel_size = 3;
    CHECK_THROWS_AS(r.init(bad, backend, 0), ranktopo::config_error);
    CHECK(backend.events().empty());

    r.init(c, backend, 0);
    CHECK_THROWS_WITH(r.get(accessor::mlp_tp),
                      "ranktopo::registry::get(mlp_tp): the config does not enable mlp_tp: "
                      "mlp_tensor_parallel_size is 0 (off)");
    CHECK_THROWS_WITH(r.get(accessor::p_tp), Catch::Contains("pd_head_ratio (1) > 1 and is_kv_producer (false)"));
    CHECK_THROWS_WITH(r.get(accessor::flashcomm2_odp), Catch::EndsWith("flashcomm2_enabled is false"));
    r.destroy();

    ranktopo::config newest = c;  // a group the release does not have at all
    newest.vllm_ascend_version = ranktopo::parse_release("latest", "test");
    r.init(newest, backend, 0);
    CHECK_THROWS_WITH(r.get(accessor::shard_weight),
                      Catch::EndsWith("vllm-ascend 0.25.1rc1 (vllm_ascend_version) has no shard_weight group"));
    CHECK_THROWS_WITH(r.get(accessor::flashcomm2_odp), Catch::EndsWith("has no flashcomm2_odp group"));
    r.destroy();

    ranktopo::config borrowing = c;
    borrowing.flashcomm2_enabled = true;  // S = 1: odp is the engine's TP group
    CHECK_THROWS_WITH(r.init(borrowing, backend, 0), Catch::Contains("pass its handle as init's tp argument"));
    CHECK_FALSE(r.initialized());
    r.init(borrowing, backend, 6, engine_tp_handle);
    CHECK(r.get(accessor::flashcomm2_odp).members.to_vector() == std::vector<int>{4, 5, 6, 7});
    CHECK(r.get(accessor::flashcomm2_odp).position == 2);
    CHECK_THROWS_WITH(r.get(accessor::flashcomm2_otp), Catch::Contains("flashcomm2_oproj_tensor_parallel_size is 1"));
}

TEST_CASE("registry: lazy mode creates on first get, shares, and destroys only what it made", "[registry][lazy]") {
    const ranktopo::config c = many_creations();
    const ranktopo::plan p = ranktopo::make_plan(c);
    recording_backend backend;
    registry r(ranktopo::creation_mode::lazy);
    r.init(c, backend, 9);
    CHECK(r.initialized());
    CHECK(backend.create_count() == 0);

    const registry::group mlp = r.get(accessor::mlp_tp);
    CHECK(backend.create_count() == 1);
    CHECK(r.get(accessor::otp).handle == mlp.handle);  // one creation, two accessors
    CHECK(r.get(accessor::mlp_tp).handle == mlp.handle);
    CHECK(backend.create_count() == 1);
    CHECK(backend.events().front().name == p.creations[static_cast<std::size_t>(mlp.creation)].name);

    // A failing lazy creation keeps the rest; the next get retries it.
    backend.fail_create_in(0);
    CHECK_THROWS_WITH(r.get(accessor::mc2),
                      Catch::StartsWith("ranktopo::registry::get: creating 'mc2'") && Catch::Contains("injected"));
    CHECK(r.initialized());
    CHECK(r.owned_count() == 1);
    const registry::group mc2 = r.get(accessor::mc2);
    CHECK(r.owned_count() == 2);

    backend.clear_log();
    r.destroy();
    const std::vector<event> destroyed = backend.events();
    REQUIRE(destroyed.size() == 2);
    CHECK(destroyed[0].handle == mc2.handle);  // mc2 is torn down first
    CHECK(destroyed[1].handle == mlp.handle);
    CHECK(backend.live_count() == 0);
}

TEST_CASE("registry: the destructor destroys what is still owned", "[registry][state]") {
    recording_backend backend;
    {
        registry r;
        r.init(many_creations(), backend, 0);
        CHECK(backend.live_count() > 0);
    }
    CHECK(backend.live_count() == 0);
}

TEST_CASE("registry: several registries over one backend are independent", "[registry][state]") {
    recording_backend backend;
    registry decode;
    registry prefill;
    ranktopo::config c = many_creations();
    decode.init(c, backend, 1);
    c.is_kv_producer = false;
    prefill.init(c, backend, 1);
    CHECK(decode.get(accessor::mc2).handle != prefill.get(accessor::mc2).handle);
    CHECK_NOTHROW(decode.get(accessor::p_tp));
    CHECK_THROWS_AS(prefill.get(accessor::p_tp), ranktopo::state_error);
    decode.destroy();
    CHECK(prefill.get(accessor::mc2).members.size() == 8);  // D·C·T
    prefill.destroy();
    CHECK(backend.live_count() == 0);
}
