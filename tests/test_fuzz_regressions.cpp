// Replays the fuzz harness (fuzz/config_harness.hpp) over every input in
// tests/fuzz_regressions/ — each crash the fuzzer ever found — and over the
// golden configs it is seeded with.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "config_harness.hpp"

#ifndef RANKTOPO_FUZZ_REGRESSIONS_DIR
#error "CMake passes RANKTOPO_FUZZ_REGRESSIONS_DIR, the path of tests/fuzz_regressions"
#endif

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("fuzz regressions: every saved input is served or refused cleanly", "[fuzz]") {
    std::vector<std::filesystem::path> inputs;
    for (const auto& entry : std::filesystem::directory_iterator(RANKTOPO_FUZZ_REGRESSIONS_DIR)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
    }
    std::sort(inputs.begin(), inputs.end());
    REQUIRE_FALSE(inputs.empty());
    for (const std::filesystem::path& input : inputs) {
        INFO(input.filename().string());
        CHECK_NOTHROW(ranktopo_fuzz::check_config_text(read_file(input)));
    }
}

TEST_CASE("fuzz regressions: the harness accepts every golden config (its seed corpus)", "[fuzz]") {
    std::ifstream in(RANKTOPO_GOLDEN_FILE);
    REQUIRE(in.good());
    const nlohmann::json golden = nlohmann::json::parse(in);
    for (const nlohmann::json& fixture : golden.at("fixtures")) {
        INFO(fixture.at("config").dump());
        CHECK_NOTHROW(ranktopo_fuzz::check_config_text(fixture.at("config").dump()));
    }
}
