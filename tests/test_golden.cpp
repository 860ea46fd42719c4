// The reference's own output: every golden fixture, bit for bit.
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ranktopo/io.hpp"
#include "ranktopo/ranktopo.hpp"
#include "test_support.hpp"

#ifndef RANKTOPO_GOLDEN_FILE
#error "CMake passes RANKTOPO_GOLDEN_FILE, the path of vllm_ascend_239683c.json"
#endif

namespace {

nlohmann::json load_fixtures() {
    std::ifstream in(RANKTOPO_GOLDEN_FILE);
    INFO("golden file: " << RANKTOPO_GOLDEN_FILE);
    REQUIRE(in.good());
    const nlohmann::json golden = nlohmann::json::parse(in);
    REQUIRE(golden.contains("fixtures"));
    REQUIRE(golden["fixtures"].is_array());
    REQUIRE_FALSE(golden["fixtures"].empty());
    return golden["fixtures"];
}

nlohmann::json plan_as_json(const ranktopo::plan& p) {
    std::ostringstream out;
    ranktopo::write_plan_json(out, p);
    return nlohmann::json::parse(out.str());
}

}  // namespace

TEST_CASE("golden: every fixture of the reference is reproduced or refused", "[golden]") {
    const nlohmann::json fixtures = load_fixtures();
    std::size_t served = 0;
    std::size_t refused = 0;
    for (std::size_t i = 0; i < fixtures.size(); ++i) {
        const nlohmann::json& fixture = fixtures[i];
        INFO("fixture " << i << ": " << fixture["config"].dump());
        const ranktopo::config c = ranktopo::parse_config(fixture["config"].dump());
        if (fixture["expect"] == "error") {
            INFO("the reference: " << fixture["reference"].get<std::string>());
            try {
                (void)ranktopo::make_plan(c);
                FAIL("make_plan accepted a config the reference cannot serve");
            } catch (const ranktopo::config_error& e) {
                // The message names an option and its value.
                REQUIRE_FALSE(e.problems().empty());
                const ranktopo::problem& first = e.problems().front();
                CHECK(std::string(e.what()).find(first.message) != std::string::npos);
                CHECK(first.message.find('(') != std::string::npos);
                bool names_an_option = false;
                for (const auto& o : ranktopo::options)
                    names_an_option = names_an_option || first.message.find(o.name) != std::string::npos;
                CHECK(names_an_option);
                CHECK_FALSE(ranktopo::validate(c).empty());
            }
            ++refused;
            continue;
        }
        REQUIRE(fixture["expect"] == "groups");
        CHECK(ranktopo::validate(c).empty());
        const ranktopo::plan p = ranktopo::make_plan(c);
        const nlohmann::json got = plan_as_json(p);
        CHECK(got["creations"] == fixture["creations"]);
        CHECK(got["handles"] == fixture["handles"]);
        CHECK(got["destroy_order"] == fixture["destroy_order"]);
        // Each rank's arithmetic lookup lands where the reference put it.
        REQUIRE(p.creations.size() == fixture["creations"].size());
        for (std::size_t k = 0; k < p.creations.size(); ++k) {
            const ranktopo::family& f = p.creations[k].groups;
            const nlohmann::json& expected = fixture["creations"][k]["groups"];
            for (int r = 0; r < c.world_size; ++r) {
                const ranktopo::location where = f.locate(r);
                REQUIRE(expected[static_cast<std::size_t>(where.group)][static_cast<std::size_t>(where.position)] == r);
            }
            CHECK(ranktopo_test::family_invariant_violation(f, c.world_size).empty());
        }
        ++served;
    }
    CHECK(served + refused == fixtures.size());
    CHECK(served > 0);
    CHECK(refused > 0);
}
