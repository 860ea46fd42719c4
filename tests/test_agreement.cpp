// Agreement before the first collective, with N ranks as threads: a rank
// holding another config, rank, world size or init setting makes every rank
// throw the same agreement_error before any creation; a matching config
// costs one all_gather per init.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ranktopo/io.hpp"
#include "ranktopo/registry.hpp"
#include "thread_world.hpp"

namespace {

using ranktopo_test::agreeing_recording_backend;
using ranktopo_test::thread_world;
using agreeing_registry = ranktopo::registry<agreeing_recording_backend>;

ranktopo::config base(int n) {
    ranktopo::config c;
    c.world_size = n;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = n / 2;
    c.mlp_tensor_parallel_size = 2;
    return c;
}

/// What each rank saw: the error's type, option and message, or nothing.
struct outcome {
    std::string type;  ///< "agreement", "config", "state", "other" or "" (no error)
    std::string option;
    std::string what;
    int creates = 0;
    int gathers = 0;
};

/// Every rank of an n-rank world inits its registry with config_of(rank).
std::vector<outcome> init_all(
    int n, const std::function<ranktopo::config(int)>& config_of,
    const std::function<int(int)>& rank_passed = [](int r) { return r; },
    ranktopo::creation_mode mode = ranktopo::creation_mode::eager,
    const std::function<ranktopo::init_options(int)>& setup_of =
        [](int) {
            return ranktopo::init_options{false, false};
        }) {
    thread_world world(n);
    std::vector<outcome> out(static_cast<std::size_t>(n));
    world.run([&](int rank) {
        agreeing_recording_backend backend(world, rank);
        outcome& mine = out[static_cast<std::size_t>(rank)];
        try {
            agreeing_registry r(mode);
            r.init(config_of(rank), backend, rank_passed(rank), setup_of(rank), 0);
        } catch (const ranktopo::agreement_error& e) {
            mine = {"agreement", e.option(), e.what()};
        } catch (const ranktopo::config_error& e) {
            mine = {"config", e.problems().front().option, e.what()};
        } catch (const ranktopo::state_error& e) {
            mine = {"state", "", e.what()};
        } catch (const std::exception& e) {
            mine = {"other", "", e.what()};
        }
        mine.creates = backend.create_count();
        mine.gathers = backend.gathers();
    });
    return out;
}

/// Every rank threw the same error of `type` about `option`, before any creation.
void require_same_error(const std::vector<outcome>& all, const std::string& type, const std::string& option) {
    for (std::size_t r = 0; r < all.size(); ++r) {
        INFO("rank " << r << ": " << all[r].what);
        REQUIRE(all[r].type == type);
        REQUIRE(all[r].option == option);
        REQUIRE(all[r].what == all.front().what);
        REQUIRE(all[r].creates == 0);
    }
}

}  // namespace

TEST_CASE("agreement: a matching config costs one all_gather, then one creation each", "[registry][agreement]") {
    for (int n : {4, 8}) {
        ranktopo::config mine = base(n);
        mine.dynamic_eplb = true;
        const std::size_t creations = ranktopo::make_plan(mine).creations.size();
        const std::vector<outcome> all = init_all(n, [&](int) { return mine; });
        for (const outcome& o : all) {
            REQUIRE(o.type.empty());
            REQUIRE(o.gathers == 1);
            REQUIRE(o.creates == static_cast<int>(creations));
        }
    }
}

TEST_CASE("agreement: one rank with another size option: every rank names it and the ranks", "[registry][agreement]") {
    const auto skewed = [](int rank) {
        ranktopo::config c = base(4);
        if (rank == 0) c.mlp_tensor_parallel_size = 0;
        return c;
    };
    const std::vector<outcome> all = init_all(4, skewed);
    require_same_error(all, "agreement", "mlp_tensor_parallel_size");
    CHECK(all[0].what ==
          "ranktopo::registry::init: the ranks' configs differ: ranks 1-3 have mlp_tensor_parallel_size=2, rank 0 "
          "has 0; every rank must pass the same config and init settings (of the options, only local_rank may "
          "differ)");
}

TEST_CASE("agreement: decode_context_parallel_size is compared, though left out of fingerprints at 1",
          "[registry][agreement]") {
    const std::vector<outcome> all = init_all(4, [](int rank) {
        ranktopo::config c = base(4);
        if (rank == 2) c.decode_context_parallel_size = 2;
        return c;
    });
    require_same_error(all, "agreement", "decode_context_parallel_size");
    CHECK_THAT(all[0].what, Catch::Contains("ranks 0-1, 3 have decode_context_parallel_size=1, rank 2 has 2"));
}

TEST_CASE("agreement: a boolean, the release, and three values at 8 ranks", "[registry][agreement]") {
    SECTION("boolean") {
        const std::vector<outcome> all = init_all(8, [](int rank) {
            ranktopo::config c = base(8);
            c.dynamic_eplb = rank == 5;
            return c;
        });
        require_same_error(all, "agreement", "dynamic_eplb");
        CHECK_THAT(all[0].what, Catch::Contains("ranks 0-4, 6-7 have dynamic_eplb=false, rank 5 has true"));
    }
    SECTION("release") {
        const std::vector<outcome> all = init_all(8, [](int rank) {
            ranktopo::config c = base(8);
            if (rank == 7) ranktopo::set_option(c, "vllm_ascend_version=0.18.0");
            return c;
        });
        require_same_error(all, "agreement", "vllm_ascend_version");
        CHECK_THAT(all[0].what, Catch::Contains("ranks 0-6 have vllm_ascend_version=0.17.0rc1, rank 7 has 0.18.0"));
    }
    SECTION("three values") {
        const std::vector<outcome> all = init_all(8, [](int rank) {
            ranktopo::config c = base(8);
            c.mlp_tensor_parallel_size = rank < 2 ? 4 : rank == 2 ? 0 : 2;
            return c;
        });
        require_same_error(all, "agreement", "mlp_tensor_parallel_size");
        CHECK_THAT(all[0].what,
                   Catch::Contains("ranks 3-7 have mlp_tensor_parallel_size=2, ranks 0-1 have 4, rank 2 has 0"));
    }
}

TEST_CASE("agreement: local_rank may differ, and p_tp is then named per rank", "[registry][agreement]") {
    const std::vector<outcome> all = init_all(4, [](int rank) {
        ranktopo::config c = base(4);
        c.is_kv_producer = true;
        c.pd_head_ratio = 2;
        c.pd_tp_ratio = 2;
        c.local_rank = rank;
        return c;
    });
    for (const outcome& o : all) REQUIRE(o.type.empty());
}

TEST_CASE("agreement: ranks passed to init, and world_size, against the parent", "[registry][agreement]") {
    SECTION("two ranks swapped") {
        const std::vector<outcome> all = init_all(
            4, [](int) { return base(4); }, [](int r) { return r == 1   ? 2
                                                               : r == 2 ? 1
                                                                        : r; });
        require_same_error(all, "agreement", "rank");
        CHECK_THAT(all[0].what, Catch::Contains("but rank 1 passed 2, rank 2 passed 1; pass the backend's own rank"));
    }
    SECTION("world_size") {
        const std::vector<outcome> all = init_all(4, [](int) { return base(8); });
        require_same_error(all, "agreement", "world_size");
        CHECK_THAT(all[0].what,
                   Catch::Contains("world_size is 8 on every rank but the backend's parent has 4 ranks; run 8 "
                                   "processes or set world_size to 4"));
    }
}

TEST_CASE("agreement: a config refused everywhere is refused alike, after agreeing", "[registry][agreement]") {
    const std::vector<outcome> all = init_all(4, [](int) {
        ranktopo::config c = base(4);
        c.mlp_tensor_parallel_size = 3;
        return c;
    });
    require_same_error(all, "config", "mlp_tensor_parallel_size");
    for (const outcome& o : all) CHECK(o.gathers == 1);
}

TEST_CASE("agreement: init settings and registry state are compared too", "[registry][agreement]") {
    SECTION("creation mode") {
        thread_world world(2);
        std::vector<std::string> whats(2);
        world.run([&](int rank) {
            agreeing_recording_backend backend(world, rank);
            agreeing_registry r(rank == 0 ? ranktopo::creation_mode::lazy : ranktopo::creation_mode::eager);
            try {
                r.init(base(2), backend, rank);
            } catch (const ranktopo::agreement_error& e) {
                whats[static_cast<std::size_t>(rank)] = e.what();
            }
        });
        CHECK(whats[0] == whats[1]);
        CHECK_THAT(whats[0], Catch::Contains("rank 0 has creation_mode=lazy, rank 1 has eager"));
    }
    SECTION("vllm_groups") {
        const std::vector<outcome> all = init_all(
            4, [](int) { return base(4); }, [](int r) { return r; }, ranktopo::creation_mode::eager,
            [](int r) {
                return ranktopo::init_options{r == 3, false};
            });
        require_same_error(all, "agreement", "vllm_groups");
    }
    SECTION("one rank initialized already with another backend") {
        thread_world world(2);
        std::vector<std::string> whats(2);
        world.run([&](int rank) {
            thread_world alone(1);
            agreeing_recording_backend first(alone, 0);
            agreeing_recording_backend backend(world, rank);
            agreeing_registry r;
            ranktopo::config single;
            single.world_size = 1;
            if (rank == 0) r.init(single, first, 0);
            try {
                r.init(base(2), backend, rank);
            } catch (const ranktopo::agreement_error& e) {
                whats[static_cast<std::size_t>(rank)] = e.what();
            }
            CHECK(backend.create_count() == 0);
        });
        CHECK(whats[0] == whats[1]);
        CHECK_THAT(whats[0], Catch::Contains("rank 0 has registry_state=other_session, rank 1 has uninitialized"));
    }
}

TEST_CASE("agreement: a borrowed TP handle missing on one rank is refused on every rank", "[registry][agreement]") {
    thread_world world(4);
    std::vector<std::string> whats(4);
    world.run([&](int rank) {
        agreeing_recording_backend backend(world, rank);
        ranktopo::config c = base(4);
        c.flashcomm2_enabled = true;  // o_proj TP size 1: borrows the engine's TP
        agreeing_registry r;
        try {
            r.init(c, backend, rank, rank == 2 ? std::nullopt : std::optional<int>(0));
        } catch (const ranktopo::state_error& e) {
            whats[static_cast<std::size_t>(rank)] = e.what();
        }
        CHECK(backend.create_count() == 0);
    });
    for (const std::string& w : whats) CHECK(w == whats[0]);
    CHECK_THAT(whats[0], Catch::Contains("pass its handle as init's tp argument (rank 2 passed none)"));
}

TEST_CASE("agreement: checked_lazy turns a wrong get() order into the same error on every rank",
          "[registry][agreement][lazy]") {
    thread_world world(4);
    std::vector<std::string> whats(4);
    std::vector<int> gathers(4);
    world.run([&](int rank) {
        agreeing_recording_backend backend(world, rank);
        agreeing_registry r(ranktopo::creation_mode::checked_lazy);
        r.init(base(4), backend, rank);
        try {
            (void)r.get(rank == 1 ? ranktopo::accessor::mlp_tp : ranktopo::accessor::mc2);
        } catch (const ranktopo::agreement_error& e) {
            whats[static_cast<std::size_t>(rank)] = e.what();
        }
        CHECK(backend.create_count() == 0);
        // The same order afterwards: one all_gather and one creation each.
        (void)r.get(ranktopo::accessor::mc2);
        (void)r.get(ranktopo::accessor::mlp_tp);
        (void)r.get(ranktopo::accessor::mc2);  // created already: no collective
        CHECK(backend.create_count() == 2);
        gathers[static_cast<std::size_t>(rank)] = backend.gathers();
    });
    for (const std::string& w : whats) CHECK(w == whats[0]);
    CHECK(whats[0] ==
          "ranktopo::registry::get: lazy creations must come in the same order on every rank, but ranks 0, 2-3 "
          "create 'mc2' (creation 0), rank 1 'mlptp' (creation 1); make the first get() of each group in the same "
          "order on every rank");
    for (int g : gathers) CHECK(g == 1 + 1 + 2);  // init, the failed check, two creations
}

TEST_CASE("agreement: checked_lazy needs a backend with all_gather", "[registry][agreement][lazy]") {
    ranktopo::recording_backend backend;
    ranktopo::registry<ranktopo::recording_backend> r(ranktopo::creation_mode::checked_lazy);
    CHECK_THROWS_AS(r.init(base(4), backend, 0), ranktopo::state_error);
    CHECK_FALSE(r.initialized());
}

TEST_CASE("agreement: rank lists compress to ranges", "[agreement]") {
    using ranktopo::agreement::detail::rank_list;
    CHECK(rank_list({0}) == "rank 0");
    CHECK(rank_list({1, 2, 3}) == "ranks 1-3");
    CHECK(rank_list({0, 2, 3, 5}) == "ranks 0, 2-3, 5");
}
