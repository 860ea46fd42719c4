// Hostile sizes: worlds and products near and beyond 2^31 and 2^63, zero and
// negative sizes, huge fine-grained, FlashComm2 and p_tp sizes, lookups
// outside the world. Every one is a clear error (a ranktopo::error naming the
// option and the value) or a correct answer: never an overflow, never a
// crash. Run under UBSan by .ci/legs/30-asan-ubsan.sh.
#include <climits>
#include <cstdint>
#include <string>
#include <type_traits>

#include <catch2/catch.hpp>

#include "ranktopo/io.hpp"
#include "ranktopo/ranktopo.hpp"

using Catch::Contains;
using ranktopo::config;
using ranktopo::family;
using ranktopo::layout;

namespace {

/// The message of the `Error` that `run` throws; fails the test if it throws
/// nothing or something else.
template <class Error, class Run>
std::string refusal(Run&& run) {
    static_assert(std::is_base_of_v<ranktopo::error, Error>);
    try {
        (void)run();
    } catch (const Error& e) {
        return e.what();
    } catch (const std::exception& e) {
        FAIL("threw another exception: " << e.what());
    }
    FAIL("accepted");
    return {};
}

std::string parse_refusal(const std::string& json) {
    return refusal<ranktopo::config_error>([&] { return ranktopo::parse_config(json); });
}

std::string plan_refusal(const config& c) {
    return refusal<ranktopo::config_error>([&] { return ranktopo::make_plan(c); });
}

config world(int n) {
    config c;
    c.world_size = n;
    return c;
}

/// Locates a few ranks, including the last, and maps them back.
void check_lookups_round_trip(const family& f) {
    const int n = f.world_size();
    for (const int rank : {0, 1, n / 2, n - 2, n - 1}) {
        const ranktopo::location where = f.locate(rank);
        CHECK(f.rank(where.group, where.position) == rank);
        CHECK(f.group(where.group)[where.position] == rank);
    }
}

}  // namespace

TEST_CASE("hostile: world_size near and beyond 2^31 and 2^63 in JSON", "[hostile]") {
    CHECK(ranktopo::parse_config(R"({"world_size": 2147483647})").world_size == INT_MAX);
    for (const char* value : {"2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
                              "18446744073709551615", "-2147483649", "-9223372036854775808"}) {
        INFO(value);
        const std::string message = parse_refusal(std::string(R"({"world_size": )") + value + "}");
        CHECK_THAT(message, Contains("world_size") && Contains(value) && Contains("32-bit"));
    }
    // Beyond 64 bits JSON numbers become floating point; beyond double, a range error.
    CHECK_THAT(parse_refusal(R"({"world_size": 18446744073709551616})"), Contains("world_size must be an integer"));
    CHECK_THAT(parse_refusal(R"({"world_size": 1e400})"), Contains("not valid JSON") && Contains("1e400"));
    CHECK_THAT(parse_refusal(R"({"tensor_parallel_size": -1e400, "world_size": 1})"), Contains("-1e400"));
}

TEST_CASE("hostile: zero and negative sizes name the option and value", "[hostile]") {
    CHECK_THAT(parse_refusal(R"({"world_size": 0})"), Contains("world_size (0) must be at least 1"));
    CHECK_THAT(parse_refusal(R"({"world_size": -2147483648})"),
               Contains("world_size (-2147483648) must be at least 1"));
    for (const char* option :
         {"tensor_parallel_size", "data_parallel_size", "pipeline_parallel_size", "prefill_context_parallel_size",
          "pd_tp_ratio", "pd_head_ratio", "num_head_replica", "flashcomm2_oproj_tensor_parallel_size"}) {
        INFO(option);
        CHECK_THAT(parse_refusal(std::string(R"({"world_size": 8, ")") + option + R"(": 0})"),
                   Contains(std::string(option) + " (0) must be at least 1"));
        CHECK_THAT(parse_refusal(std::string(R"({"world_size": 8, ")") + option + R"(": -2147483648})"),
                   Contains(std::string(option) + " (-2147483648) must be at least 1"));
    }
    for (const char* option : {"oproj_tensor_parallel_size", "lmhead_tensor_parallel_size",
                               "embedding_tensor_parallel_size", "mlp_tensor_parallel_size"}) {
        INFO(option);
        CHECK_THAT(parse_refusal(std::string(R"({"world_size": 8, ")") + option + R"(": -1})"),
                   Contains(std::string(option) + " (-1) must be 0 (off) or positive"));
    }
    CHECK_THAT(parse_refusal(R"({"world_size": 8, "local_rank": -1})"),
               Contains("local_rank (-1) must not be negative"));
    CHECK(
        ranktopo::validate(ranktopo::parse_config(R"({"world_size": 2147483647, "local_rank": 2147483647})")).empty());

    // The same through the struct: validate() reports, make_plan() throws.
    config c = world(0);
    c.tensor_parallel_size = INT_MIN;
    CHECK(ranktopo::validate(c).size() == 2);
    CHECK_THAT(plan_refusal(c), Contains("world_size (0) must be at least 1"));
}

TEST_CASE("hostile: products of sizes beyond 2^31 and 2^63 are refused, not overflowed", "[hostile]") {
    config c = world(INT_MAX);
    c.tensor_parallel_size = 65536;
    c.data_parallel_size = 65536;  // 2^32
    CHECK_THAT(plan_refusal(c), Contains("world_size (2147483647) must be a multiple of") && Contains("65536"));
    c.pipeline_parallel_size = INT_MAX;
    c.prefill_context_parallel_size = INT_MAX;  // beyond 2^63
    CHECK_THAT(plan_refusal(c), Contains("world_size (2147483647) must be a multiple of"));

    // A product of exactly 2^30 is served; the largest int world too.
    c = world(1 << 30);
    c.tensor_parallel_size = 1 << 15;
    c.data_parallel_size = 1 << 15;
    const ranktopo::plan p = ranktopo::make_plan(c);
    for (const ranktopo::creation& made : p.creations) check_lookups_round_trip(made.groups);
    check_lookups_round_trip(ranktopo::families::tp(c));
    check_lookups_round_trip(ranktopo::families::ep(c));
    check_lookups_round_trip(ranktopo::families::world(world(INT_MAX)));
    check_lookups_round_trip(ranktopo::families::mc2(world(INT_MAX)));
}

TEST_CASE("hostile: huge fine-grained TP sizes", "[hostile]") {
    config c = world(8);
    c.data_parallel_size = 8;
    c.mlp_tensor_parallel_size = INT_MAX;
    CHECK_THAT(plan_refusal(c), Contains("mlp_tensor_parallel_size (2147483647) must divide data_parallel_size (8)"));

    c = world(1 << 30);
    c.data_parallel_size = 1 << 30;
    c.oproj_tensor_parallel_size = 1 << 30;  // one group of 2^30 ranks
    c.lmhead_tensor_parallel_size = 1;
    const ranktopo::plan p = ranktopo::make_plan(c);
    REQUIRE(p.creations.size() == 3);
    for (const ranktopo::creation& made : p.creations) check_lookups_round_trip(made.groups);

    for (const int size : {0, -1, INT_MIN, INT_MAX}) {
        INFO(size);
        CHECK_THAT(refusal<ranktopo::config_error>([&] { return ranktopo::families::fine_grained(c, size); }),
                   Contains(std::to_string(size)));
    }
}

TEST_CASE("hostile: huge FlashComm2 sizes", "[hostile]") {
    config c = world(8);
    c.tensor_parallel_size = 8;
    c.flashcomm2_enabled = true;
    c.flashcomm2_oproj_tensor_parallel_size = INT_MAX;
    CHECK_THAT(plan_refusal(c), Contains("flashcomm2_oproj_tensor_parallel_size (2147483647) must not exceed "
                                         "tensor_parallel_size (8)"));

    c = world(1 << 30);
    c.tensor_parallel_size = 1 << 30;
    c.flashcomm2_enabled = true;
    c.flashcomm2_oproj_tensor_parallel_size = 1 << 30;
    for (const ranktopo::creation& made : ranktopo::make_plan(c).creations) check_lookups_round_trip(made.groups);
    c.layer_sharding = true;  // one otp group: the reference fails squeezing it
    CHECK_THAT(plan_refusal(c), Contains("layer_sharding"));
}

TEST_CASE("hostile: huge p_tp ratios", "[hostile]") {
    config c = world(16);
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 4;
    c.is_kv_producer = true;
    c.pd_head_ratio = INT_MAX;
    c.pd_tp_ratio = INT_MAX;
    CHECK_THAT(plan_refusal(c), Contains("pd_tp_ratio (2147483647)"));
    c.num_head_replica = INT_MAX;
    CHECK_THAT(plan_refusal(c), Contains("num_head_replica (") && Contains("2147483647"));
    c.num_head_replica = 2;
    c.pd_tp_ratio = INT_MAX;
    CHECK_THAT(plan_refusal(c), Contains("pd_tp_ratio (2147483647) must not exceed tensor_parallel_size (4)"));

    c = world(1 << 30);  // blocks of 2^29 ranks
    c.is_kv_producer = true;
    c.pd_head_ratio = INT_MAX;
    c.pd_tp_ratio = 1 << 29;
    c.local_rank = (1 << 30) - 1;
    const ranktopo::plan p = ranktopo::make_plan(c);
    CHECK(p.creations.front().name == "p_tp_1");
    check_lookups_round_trip(p.creations.front().groups);
}

TEST_CASE("hostile: lookups outside the world or the family are lookup_errors naming the value", "[hostile]") {
    config c = world(16);
    c.tensor_parallel_size = 4;
    const family tp = ranktopo::families::tp(c);  // 4 groups of 4
    using ranktopo::lookup_error;
    for (const int rank : {-1, 16, INT_MIN, INT_MAX}) {
        CHECK_THAT(refusal<lookup_error>([&] { return tp.locate(rank); }),
                   Contains("family::locate") && Contains("rank " + std::to_string(rank)) && Contains("[0, 16)"));
    }
    for (const int group : {-1, 4, INT_MIN, INT_MAX}) {
        CHECK_THAT(refusal<lookup_error>([&] { return tp.group(group); }),
                   Contains("family::group") && Contains("group " + std::to_string(group)) && Contains("[0, 4)"));
        CHECK_THAT(refusal<lookup_error>([&] { return tp.rank(group, 0); }),
                   Contains("family::rank") && Contains("group " + std::to_string(group)));
        CHECK_THAT(refusal<lookup_error>([&] { return tp.rank(0, group); }),
                   Contains("family::rank") && Contains("position " + std::to_string(group)));
    }
    const family everyone = ranktopo::families::world(world(INT_MAX));
    CHECK(everyone.locate(INT_MAX - 1) == ranktopo::location{0, INT_MAX - 1});
    CHECK_THAT(refusal<lookup_error>([&] { return everyone.locate(INT_MAX); }), Contains("rank 2147483647"));

    for (const int k : {0, -1, INT_MIN, INT_MAX, 3}) {
        CHECK_THAT(refusal<ranktopo::config_error>([&] { return ranktopo::families::dcp(c, k); }),
                   Contains("decode_context_parallel_size (" + std::to_string(k) + ")"));
    }
}

TEST_CASE("hostile: layouts at the edge of the int range", "[hostile][layout]") {
    using ranktopo::layout_error;
    CHECK_THROWS_AS(layout::row_major({INT_MAX, 2}), layout_error);
    CHECK_THROWS_AS(layout::row_major({65536, 65536}), layout_error);
    CHECK_THROWS_AS(layout::row_major({2, INT_MIN}), layout_error);
    CHECK(layout::row_major({INT_MAX}).size() == INT_MAX);
    CHECK((layout{{2, 1 << 30}}(1)) == 1 << 30);
    CHECK_THROWS_AS((layout{{3, 1 << 30}}), layout_error);
    for (const int outer : {0, -1, INT_MIN, INT_MAX}) {
        INFO(outer);
        CHECK_THROWS_AS(layout::row_major({12}).split(0, outer), layout_error);
        CHECK_THROWS_AS(layout::row_major({12}).divide(outer), layout_error);
    }
}

TEST_CASE("hostile: split and coalesce near the int range do not overflow", "[hostile][layout]") {
    // A mode (2 : 2^30) holds values up to 2^30; its extent times stride is 2^31.
    CHECK_THROWS_AS((layout{{2, 1 << 30}}.split(0, 1)), ranktopo::layout_error);
    CHECK((layout{{2, 1 << 30}}.split(0, 2)) == (layout{{2, 1 << 30}, {1, 1 << 30}}));
    const layout l{{3, 5}, {2, 1 << 30}};
    CHECK(l.coalesce() == l);
    CHECK((layout{{2, 1 << 30}, {2, 1 << 29}}.coalesce()) == (layout{{4, 1 << 29}}));
}

TEST_CASE("hostile: a family with extent-1 modes of stride 0 locates without dividing by 0", "[hostile][family]") {
    const family f(layout{{1, 0}, {2, 4}}, layout{{4, 1}, {1, 0}});  // mode{} is (1 : 0)
    CHECK(f.locate(6) == ranktopo::location{1, 2});
    CHECK(f.rank(1, 2) == 6);
    const family all(layout{ranktopo::mode{}}, ranktopo::layout::row_major({4}));
    CHECK(all.locate(3) == ranktopo::location{0, 3});
}
