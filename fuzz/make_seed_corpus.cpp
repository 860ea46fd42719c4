// Writes each golden fixture's config object to its own file: the fuzzer's
// seed corpus, made at CI time from ../shared/golden (never copied in).
//   ranktopo_fuzz_seeds GOLDEN_JSON OUTPUT_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: ranktopo_fuzz_seeds GOLDEN_JSON OUTPUT_DIR\n";
        return 2;
    }
    try {
        std::ifstream in(argv[1]);
        if (!in) throw std::runtime_error(std::string("cannot open ") + argv[1]);
        const nlohmann::json golden = nlohmann::json::parse(in);
        const std::filesystem::path out_dir = argv[2];
        std::filesystem::create_directories(out_dir);
        int written = 0;
        for (const nlohmann::json& fixture : golden.at("fixtures")) {
            char name[32];
            std::snprintf(name, sizeof name, "golden_%03d.json", written++);
            std::ofstream(out_dir / name) << fixture.at("config").dump();
        }
        std::cout << "wrote " << written << " seed configs to " << out_dir.string() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "ranktopo_fuzz_seeds: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
