// The config: JSON loading, --set, and every kind of bad input.
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ranktopo/io.hpp"
#include "ranktopo/ranktopo.hpp"

using Catch::Contains;
using ranktopo::config_error;
using ranktopo::parse_config;

namespace {

/// The first problem's option and message of a refused document.
ranktopo::problem refusal(const std::string& text) {
    try {
        (void)parse_config(text);
    } catch (const config_error& e) {
        REQUIRE(e.problems().size() == 1);
        return e.problems().front();
    }
    FAIL("accepted: " << text);
    return {};
}

}  // namespace

TEST_CASE("config: defaults are the golden README's", "[config]") {
    const ranktopo::config c = parse_config(R"({"world_size": 8})");
    CHECK(c.world_size == 8);
    CHECK(c.tensor_parallel_size == 1);
    CHECK(c.data_parallel_size == 1);
    CHECK(c.pipeline_parallel_size == 1);
    CHECK(c.prefill_context_parallel_size == 1);
    CHECK(c.decode_context_parallel_size == 1);
    CHECK(c.local_rank == 0);
    CHECK(c.pd_tp_ratio == 1);
    CHECK(c.pd_head_ratio == 1);
    CHECK(c.num_head_replica == 1);
    CHECK_FALSE(c.is_kv_producer);
    CHECK(c.oproj_tensor_parallel_size == 0);
    CHECK(c.lmhead_tensor_parallel_size == 0);
    CHECK(c.embedding_tensor_parallel_size == 0);
    CHECK(c.mlp_tensor_parallel_size == 0);
    CHECK_FALSE(c.flashcomm2_enabled);
    CHECK(c.flashcomm2_oproj_tensor_parallel_size == 1);
    CHECK_FALSE(c.layer_sharding);
    CHECK_FALSE(c.dsa_cp_layer_shard);
    CHECK_FALSE(c.dynamic_eplb);
    CHECK_FALSE(c.multistream_overlap_gate);
}

TEST_CASE("config: every key round-trips through to_json", "[config]") {
    ranktopo::config c;
    c.world_size = 64;
    c.tensor_parallel_size = 4;
    c.flashcomm2_enabled = true;
    c.mlp_tensor_parallel_size = 2;
    const std::string text = ranktopo::to_json(c);
    // decode_context_parallel_size at its default 1 is left out: the JSON of
    // a config without DCP is what it was before the option existed.
    CHECK(nlohmann::json::parse(text).size() == ranktopo::options.size() - 1);
    CHECK(text.find("decode_context_parallel_size") == std::string::npos);
    CHECK(parse_config(text) == c);
    c.decode_context_parallel_size = 2;
    const std::string with_dcp = ranktopo::to_json(c);
    CHECK(nlohmann::json::parse(with_dcp).size() == ranktopo::options.size());
    CHECK(with_dcp.find(R"("prefill_context_parallel_size":1,"decode_context_parallel_size":2,)") != std::string::npos);
    CHECK(parse_config(with_dcp) == c);
}

TEST_CASE("config: decode_context_parallel_size is positive and divides tensor_parallel_size", "[config]") {
    ranktopo::config c = parse_config(R"({"world_size": 8, "tensor_parallel_size": 8,
                                          "decode_context_parallel_size": 4})");
    CHECK(c.decode_context_parallel_size == 4);
    CHECK(ranktopo::validate(c).empty());
    ranktopo::set_option(c, "decode_context_parallel_size=3");
    const std::vector<ranktopo::problem> found = ranktopo::validate(c);
    REQUIRE(found.size() == 1);
    CHECK(found[0].option == "decode_context_parallel_size");
    CHECK(found[0].message == "decode_context_parallel_size (3) must divide tensor_parallel_size (8)");
    CHECK_THROWS_WITH(ranktopo::make_plan(c), Catch::Contains("decode_context_parallel_size (3) must divide"));
    c.decode_context_parallel_size = 16;  // larger than T: does not divide it either
    CHECK(ranktopo::validate(c).size() == 1);
    c.decode_context_parallel_size = 0;
    CHECK(ranktopo::validate(c).front().message == "decode_context_parallel_size (0) must be at least 1");
    CHECK_THROWS_AS(ranktopo::set_option(c, "decode_context_parallel_size=-1"), ranktopo::config_error);
}

TEST_CASE("config: documents that are not a config object", "[config][bad-input]") {
    CHECK_THAT(refusal("[1, 2]").message, Contains("must be a JSON object") && Contains("array"));
    CHECK_THAT(refusal("42").message, Contains("must be a JSON object"));
    CHECK_THAT(refusal("").message, Contains("not valid JSON"));
    CHECK_THAT(refusal("{\"world_size\": 8").message, Contains("not valid JSON"));
    CHECK_THAT(refusal("{}").message, Contains("world_size is required"));
}

TEST_CASE("config: JSON nested beyond 64 levels is refused, naming where", "[config][bad-input]") {
    const auto nested = [](int levels) {
        std::string text = "{\"world_size\": 8, \"x\": ";
        for (int i = 0; i < levels; ++i) text += "{\"a\":";
        text += "1";
        text += std::string(static_cast<std::size_t>(levels) + 1, '}');
        return text;
    };
    // 63 levels below the top: parsed, then refused as an unknown key.
    CHECK_THAT(refusal(nested(63)).message, Contains("unknown option 'x'"));
    CHECK_THAT(refusal(nested(64)).message, Contains("JSON nested deeper than 64 levels at 'x.a.a."));
    CHECK_THAT(refusal(nested(100000)).message, Contains("JSON nested deeper than 64 levels"));
    CHECK_THAT(refusal(std::string(100000, '[')).message, Contains("JSON nested deeper than 64 levels at '[][]"));
}

TEST_CASE("config: unknown keys and wrong types name the key", "[config][bad-input]") {
    auto p = refusal(R"({"world_size": 8, "tensor_parallel": 2})");
    CHECK(p.option == "tensor_parallel");
    CHECK_THAT(p.message, Contains("unknown option 'tensor_parallel'"));
    p = refusal(R"({"world_size": "8"})");
    CHECK(p.option == "world_size");
    CHECK_THAT(p.message, Contains("must be an integer") && Contains("\"8\""));
    p = refusal(R"({"world_size": 8, "tensor_parallel_size": 2.5})");
    CHECK_THAT(p.message, Contains("tensor_parallel_size must be an integer") && Contains("2.5"));
    p = refusal(R"({"world_size": 8, "layer_sharding": 1})");
    CHECK_THAT(p.message, Contains("layer_sharding must be true or false") && Contains("1"));
    p = refusal(R"({"world_size": 8, "dynamic_eplb": null})");
    CHECK_THAT(p.message, Contains("dynamic_eplb must be true or false") && Contains("null"));
    p = refusal(R"({"world_size": 8, "data_parallel_size": [2]})");
    CHECK_THAT(p.message, Contains("data_parallel_size must be an integer") && Contains("array"));
}

TEST_CASE("config: sizes <= 0 where 0 is not off, and values beyond 32 bits", "[config][bad-input]") {
    CHECK_THAT(refusal(R"({"world_size": 0})").message, Contains("world_size (0) must be at least 1"));
    CHECK_THAT(refusal(R"({"world_size": -4})").message, Contains("world_size (-4) must be at least 1"));
    CHECK_THAT(refusal(R"({"world_size": 8, "tensor_parallel_size": 0})").message,
               Contains("tensor_parallel_size (0) must be at least 1"));
    CHECK_THAT(refusal(R"({"world_size": 8, "pd_tp_ratio": -1})").message, Contains("pd_tp_ratio (-1)"));
    CHECK_THAT(refusal(R"({"world_size": 8, "flashcomm2_oproj_tensor_parallel_size": 0})").message,
               Contains("flashcomm2_oproj_tensor_parallel_size (0) must be at least 1"));
    CHECK_THAT(refusal(R"({"world_size": 8, "mlp_tensor_parallel_size": -2})").message,
               Contains("mlp_tensor_parallel_size (-2) must be 0 (off) or positive"));
    CHECK_THAT(refusal(R"({"world_size": 8, "local_rank": -1})").message, Contains("local_rank (-1)"));
    // local_rank may lie beyond the world (one engine per DP replica on a
    // shared node): served, and the reference names p_tp "p_tp_None".
    const ranktopo::config beyond = ranktopo::parse_config(
        R"({"world_size": 8, "tensor_parallel_size": 4, "local_rank": 12, "is_kv_producer": true,
            "pd_head_ratio": 2, "pd_tp_ratio": 2})");
    CHECK(ranktopo::make_plan(beyond).creations.front().name == "p_tp_None");
    CHECK_THAT(refusal(R"({"world_size": 4294967296})").message,
               Contains("world_size (4294967296) is outside the range of a 32-bit int"));
    CHECK_THAT(refusal(R"({"world_size": 18446744073709551615})").message, Contains("outside the range"));
    CHECK_THAT(refusal(R"({"world_size": 8, "tensor_parallel_size": -9223372036854775808})").message,
               Contains("outside the range"));
    // 0 is "off" for the fine-grained sizes.
    CHECK(parse_config(R"({"world_size": 8, "oproj_tensor_parallel_size": 0})").oproj_tensor_parallel_size == 0);
}

TEST_CASE("config: products beyond 32 bits are refused, not overflowed", "[config][bad-input]") {
    const ranktopo::config c = parse_config(
        R"({"world_size": 2147483647, "tensor_parallel_size": 2147483647, "data_parallel_size": 2147483647,
            "pipeline_parallel_size": 2147483647, "prefill_context_parallel_size": 2147483647})");
    CHECK_THROWS_WITH(ranktopo::make_plan(c), Contains("world_size (2147483647) must be a multiple of"));
    ranktopo::config big;
    big.world_size = 65536;
    big.tensor_parallel_size = 65536;
    big.data_parallel_size = 65536;
    CHECK_FALSE(ranktopo::validate(big).empty());
}

TEST_CASE("config: set_option parses key=value", "[config][bad-input]") {
    ranktopo::config c;
    ranktopo::set_option(c, "world_size=16");
    ranktopo::set_option(c, "layer_sharding=true");
    CHECK(c.world_size == 16);
    CHECK(c.layer_sharding);
    CHECK_THROWS_WITH(ranktopo::set_option(c, "world_size"), Contains("not of the form key=value"));
    CHECK_THROWS_WITH(ranktopo::set_option(c, "worldsize=4"), Contains("unknown option 'worldsize'"));
    CHECK_THROWS_WITH(ranktopo::set_option(c, "world_size=4x"), Contains("world_size must be an integer, got '4x'"));
    CHECK_THROWS_WITH(ranktopo::set_option(c, "world_size="), Contains("must be an integer"));
    CHECK_THROWS_WITH(ranktopo::set_option(c, "world_size=99999999999"), Contains("outside the range"));
    CHECK_THROWS_WITH(ranktopo::set_option(c, "world_size=0"), Contains("world_size (0) must be at least 1"));
    CHECK_THROWS_WITH(ranktopo::set_option(c, "layer_sharding=yes"), Contains("must be true or false, got 'yes'"));
    CHECK(c.world_size == 16);  // a refused assignment leaves the config as it was
}

TEST_CASE("validate: returns every problem, make_plan throws the first", "[config]") {
    ranktopo::config c;
    c.world_size = 16;
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 4;
    c.mlp_tensor_parallel_size = 3;
    c.lmhead_tensor_parallel_size = 8;
    c.flashcomm2_enabled = true;
    c.flashcomm2_oproj_tensor_parallel_size = 3;
    const auto problems = ranktopo::validate(c);
    REQUIRE(problems.size() == 3);
    CHECK(problems[0].message == "lmhead_tensor_parallel_size (8) must divide data_parallel_size (4)");
    CHECK(problems[1].message == "mlp_tensor_parallel_size (3) must divide data_parallel_size (4)");
    CHECK(problems[2].option == "flashcomm2_oproj_tensor_parallel_size");
    CHECK_THROWS_WITH(ranktopo::make_plan(c), "ranktopo::make_plan: " + problems[0].message);
}

TEST_CASE("plan JSON: a large world's ranks are written as std::to_string writes them", "[io]") {
    // Ranks of 1 to 7 digits through the writer's fast integer formatting,
    // against a plain writer built from family::group().
    ranktopo::config c;
    c.world_size = 1 << 20;
    c.tensor_parallel_size = 16;
    c.data_parallel_size = c.world_size / 16;
    c.mlp_tensor_parallel_size = 4;
    c.flashcomm2_enabled = true;
    c.flashcomm2_oproj_tensor_parallel_size = 4;
    const ranktopo::plan p = ranktopo::make_plan(c);
    std::ostringstream written;
    ranktopo::write_plan_json(written, p);

    std::string expected = "{\"creations\":[";
    for (std::size_t i = 0; i < p.creations.size(); ++i) {
        const ranktopo::family& f = p.creations[i].groups;
        expected += (i == 0 ? "{\"name\":\"" : ",{\"name\":\"") + p.creations[i].name + "\",\"groups\":[";
        for (int g = 0; g < f.group_count(); ++g) {
            expected += g == 0 ? "[" : ",[";
            for (int position = 0; position < f.group_size(); ++position) {
                if (position > 0) expected += ',';
                expected += std::to_string(f.rank(g, position));
            }
            expected += ']';
        }
        expected += "]}";
    }
    const std::string text = written.str();
    REQUIRE(text.size() > expected.size());
    CHECK(text.compare(0, expected.size(), expected) == 0);
    CHECK(text.substr(expected.size()).starts_with("],\"handles\":{"));
}
