// The golden fixtures, for the registry and MPI tests: load them and read
// what the reference expects of one rank.
#pragma once

#include <cstddef>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ranktopo/family.hpp"
#include "ranktopo/io.hpp"

#ifndef RANKTOPO_GOLDEN_FILE
#error "CMake passes RANKTOPO_GOLDEN_FILE, the path of vllm_ascend_239683c.json"
#endif

namespace ranktopo_test {

/// Every fixture of the golden file; throws if it cannot be read.
inline nlohmann::json load_golden_fixtures() {
    std::ifstream in(RANKTOPO_GOLDEN_FILE);
    if (!in) throw std::runtime_error(std::string("cannot open the golden file ") + RANKTOPO_GOLDEN_FILE);
    nlohmann::json golden = nlohmann::json::parse(in);
    return golden.at("fixtures");
}

/// The configs of the fixtures the reference serves (expect "groups").
inline std::vector<ranktopo::config> served_golden_configs() {
    std::vector<ranktopo::config> out;
    for (const nlohmann::json& fixture : load_golden_fixtures()) {
        if (fixture["expect"] == "groups") out.push_back(ranktopo::parse_config(fixture["config"].dump()));
    }
    return out;
}

/// A handle the recording backend never issues: the engine's own TP group, borrowed.
inline constexpr int engine_tp_handle = -7;

/// Where the reference puts each rank in one creation's groups, by rank;
/// {-1, -1} for a rank in no group.
inline std::vector<ranktopo::location> golden_locations(const nlohmann::json& groups, int world_size) {
    std::vector<ranktopo::location> where(static_cast<std::size_t>(world_size), ranktopo::location{-1, -1});
    for (std::size_t g = 0; g < groups.size(); ++g) {
        for (std::size_t i = 0; i < groups[g].size(); ++i) {
            where.at(groups[g][i].get<std::size_t>()) = {static_cast<int>(g), static_cast<int>(i)};
        }
    }
    return where;
}

}  // namespace ranktopo_test
