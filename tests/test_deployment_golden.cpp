// Deployments as each release reads them: every fixture of
// shared/golden/deployments/<version>.json, through read_deployment and
// make_plan with that release, gives the release's creations or its refusal.
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ranktopo/deployment.hpp"
#include "ranktopo/ranktopo.hpp"

#ifndef RANKTOPO_GOLDEN_DEPLOYMENTS_DIR
#error "CMake passes RANKTOPO_GOLDEN_DEPLOYMENTS_DIR, the folder of <version>.json deployments for each release"
#endif

namespace {

using nlohmann::json;

ranktopo::deployment deployment_of(const json& given, ranktopo::release r) {
    ranktopo::deployment d;
    d.vllm_args = ranktopo::split_args(given.at("vllm_args").get<std::string>());
    if (!given.at("additional_config").is_null()) d.additional_config = given["additional_config"].dump();
    if (!given.at("kv_transfer_config").is_null()) d.kv_transfer_config = given["kv_transfer_config"].dump();
    for (const auto& [k, v] : given.at("env").items()) d.env.emplace_back(k, v.get<std::string>());
    if (given.contains("model_config") && !given["model_config"].is_null())
        d.model_config = given["model_config"].dump();
    d.vllm_ascend_version = r;
    return d;
}

json creations_of(const ranktopo::plan& p) {
    json out = json::array();
    for (const ranktopo::creation& c : p.creations) {
        const std::vector<int> ranks = c.groups.ranks();
        const auto size = static_cast<std::size_t>(c.groups.group_size());
        json groups = json::array();
        for (std::size_t i = 0; i < ranks.size(); i += size)
            groups.push_back(std::vector<int>(ranks.begin() + static_cast<std::ptrdiff_t>(i),
                                              ranks.begin() + static_cast<std::ptrdiff_t>(i + size)));
        out.push_back({{"name", c.name}, {"groups", groups}});
    }
    return out;
}

/// What ranktopo does with a deployment: the creations, or "refused: <message>".
json outcome(const ranktopo::deployment& d) {
    try {
        const ranktopo::derived_config derived = ranktopo::read_deployment(d);
        return creations_of(ranktopo::make_plan(derived.values));
    } catch (const ranktopo::config_error& e) {
        REQUIRE_FALSE(e.problems().empty());
        return std::string("refused: ") + e.what();
    }
}

}  // namespace

TEST_CASE("deployments: every release's fixtures, read as that release reads them", "[deployment][golden]") {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(RANKTOPO_GOLDEN_DEPLOYMENTS_DIR)) {
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    INFO("golden deployments: " << RANKTOPO_GOLDEN_DEPLOYMENTS_DIR);
    CHECK(files.size() == ranktopo::releases.size());
    std::size_t total = 0;
    std::size_t matched = 0;
    for (const std::filesystem::path& file : files) {
        const std::string version = file.stem().string();
        INFO("release " << version);
        const std::optional<ranktopo::release> r = ranktopo::release::find(version);
        REQUIRE(r.has_value());
        std::ifstream in(file);
        REQUIRE(in.good());
        const json golden = json::parse(in);
        REQUIRE(golden.at("release") == version);
        std::size_t plans = 0;
        std::size_t refusals = 0;
        std::size_t wrong = 0;
        for (const json& fixture : golden.at("fixtures")) {
            INFO("deployment: " << fixture.at("deployment").dump());
            const json got = outcome(deployment_of(fixture.at("deployment"), *r));
            if (fixture.at("expect") == "error") {
                INFO("the release refuses: " << fixture.at("release_error").get<std::string>());
                INFO("ranktopo: " << got.dump());
                CHECK(got.is_string());
                ++(got.is_string() ? refusals : wrong);
            } else {
                REQUIRE(fixture.at("expect") == "plan");
                INFO("ranktopo: " << got.dump());
                CHECK(got == fixture.at("creations"));
                ++(got == fixture.at("creations") ? plans : wrong);
            }
        }
        std::cout << "deployments " << version << ": " << plans << " plans and " << refusals << " refusals match, "
                  << wrong << " differ\n";
        total += golden.at("fixtures").size();
        matched += plans + refusals;
    }
    CHECK(matched == total);
    CHECK(total == 3200);  // the whole data set of shared/golden/deployments
}
