// The reference's own output: every golden fixture, bit for bit.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ranktopo/io.hpp"
#include "ranktopo/ranktopo.hpp"
#include "test_support.hpp"

#ifndef RANKTOPO_GOLDEN_FILE
#error "CMake passes RANKTOPO_GOLDEN_FILE, the path of vllm_ascend_239683c.json"
#endif
#ifndef RANKTOPO_GOLDEN_RELEASES_DIR
#error "CMake passes RANKTOPO_GOLDEN_RELEASES_DIR, the folder of <version>.json for each release"
#endif

namespace {

nlohmann::json load_fixtures(const std::filesystem::path& file) {
    std::ifstream in(file);
    INFO("golden file: " << file);
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

/// The refusal of a config the reference cannot serve, by parse_config (an
/// option the release does not have) or make_plan: config_error, whose
/// message names an option and its value; for an option the release does not
/// have, that option and the release among the problems.
void check_refused(const nlohmann::json& config_json, const std::string& reference) {
    INFO("the reference: " << reference);
    try {
        const ranktopo::config c = ranktopo::parse_config(config_json.dump());
        CHECK_FALSE(ranktopo::validate(c).empty());
        (void)ranktopo::make_plan(c);
        FAIL("make_plan accepted a config the reference cannot serve");
    } catch (const ranktopo::config_error& e) {
        REQUIRE_FALSE(e.problems().empty());
        const ranktopo::problem& first = e.problems().front();
        CHECK(std::string(e.what()).find(first.message) != std::string::npos);
        bool names_an_option = false;
        for (const auto& o : ranktopo::options)
            names_an_option = names_an_option || first.message.find(o.name) != std::string::npos;
        CHECK(names_an_option);
        if (const auto missing = reference.find(" does not exist in vllm-ascend "); missing != std::string::npos) {
            const std::string option = reference.substr(0, missing);
            const std::string version = config_json["vllm_ascend_version"].get<std::string>();
            bool named = false;
            for (const ranktopo::problem& p : e.problems())
                named = named || (p.option == option && p.message.find(version) != std::string::npos);
            CHECK(named);
        } else {
            CHECK(first.message.find('(') != std::string::npos);  // a value in parentheses
        }
    }
}

/// Creations, handles and destroy order equal to the reference's, and each
/// rank's arithmetic lookup where the reference put it.
void check_served(const ranktopo::config& c, const nlohmann::json& fixture) {
    CHECK(ranktopo::validate(c).empty());
    const ranktopo::plan p = ranktopo::make_plan(c);
    const nlohmann::json got = plan_as_json(p);
    CHECK(got["creations"] == fixture["creations"]);
    CHECK(got["handles"] == fixture["handles"]);
    CHECK(got["destroy_order"] == fixture["destroy_order"]);
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
}

struct tally {
    std::size_t served = 0;
    std::size_t refused = 0;
};

tally check_fixtures(const nlohmann::json& fixtures) {
    tally t;
    for (std::size_t i = 0; i < fixtures.size(); ++i) {
        const nlohmann::json& fixture = fixtures[i];
        INFO("fixture " << i << ": " << fixture["config"].dump());
        if (fixture["expect"] == "error") {
            check_refused(fixture["config"], fixture["reference"].get<std::string>());
            ++t.refused;
        } else {
            REQUIRE(fixture["expect"] == "groups");
            check_served(ranktopo::parse_config(fixture["config"].dump()), fixture);
            ++t.served;
        }
    }
    return t;
}

}  // namespace

TEST_CASE("golden: every fixture of the reference is reproduced or refused", "[golden]") {
    const nlohmann::json fixtures = load_fixtures(RANKTOPO_GOLDEN_FILE);
    const tally t = check_fixtures(fixtures);
    CHECK(t.served + t.refused == fixtures.size());
    CHECK(t.served > 0);
    CHECK(t.refused > 0);
}

TEST_CASE("golden: every release's fixtures, from its own parallel_state.py", "[golden][releases]") {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(RANKTOPO_GOLDEN_RELEASES_DIR)) {
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    INFO("golden releases: " << RANKTOPO_GOLDEN_RELEASES_DIR);
    // One file per distinct parallel_state.py: one per recipe.
    CHECK(files.size() == 7);
    std::size_t total = 0;
    for (const std::filesystem::path& file : files) {
        const std::string version = file.stem().string();
        INFO("release " << version);
        const std::optional<ranktopo::release> r = ranktopo::release::find(version);
        REQUIRE(r.has_value());
        CHECK(r->layout().tag == "v" + version);  // each file is its recipe's own
        const nlohmann::json fixtures = load_fixtures(file);
        for (const nlohmann::json& fixture : fixtures) REQUIRE(fixture["config"]["vllm_ascend_version"] == version);
        const tally t = check_fixtures(fixtures);
        CHECK(t.served > 0);
        CHECK(t.refused > 0);
        total += t.served + t.refused;
    }
    CHECK(total == 1068);  // the whole data set of shared/golden/releases
}
