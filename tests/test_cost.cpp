// What a rank pays for its communicators (ranktopo/cost.hpp), against a
// model built from each release's own rules, written here from the files:
//   - patch/worker/_hccl_pg_registry.py (0.19.1rc1 on): one device group per
//     key (backend, tuple(ranks), hccl_config, reuse_domain), served to every
//     later GroupCoordinator asking with the same key;
//   - patch/worker/patch_distributed.py: _resolve_reuse_domain(name) is the
//     name before ':' if it is "mc2" or contains "eplb", else "shared";
//   - utils.py create_hccl_pg_options: hccl_config is
//     get_hccl_config_for_pg_options(name) (None for mc2), and from 0.21.0rc1
//     `or {}` plus hccl_config["group_name"] = name.
// The model works on rank lists (the golden fixtures' creations and vLLM's
// families enumerated), the library on layouts.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "quick_require.hpp"
#include "ranktopo/cost.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/validate.hpp"

#ifndef RANKTOPO_GOLDEN_RELEASES_DIR
#error "CMake passes RANKTOPO_GOLDEN_RELEASES_DIR"
#endif

namespace {

struct listed_communicator {
    std::string name;
    std::vector<std::vector<int>> groups;
};

/// hccl_config as the release builds it, written out ("" for none).
std::string hccl_config_of(const std::string& name, const ranktopo::config& c, bool name_in_config) {
    std::map<std::string, std::string> config;
    if (name.find("mc2") == std::string::npos) {
        config["hccl_buffer_size"] = std::to_string(*ranktopo::hccl_buffer_size(name, c));
    }
    if (name_in_config) config["group_name"] = name;
    std::string out;
    for (const auto& [key, value] : config) out += key + "=" + value + ";";
    return out;
}

std::string domain_of(const std::string& name) {
    const std::string base = name.substr(0, name.find(':'));
    return base.find("eplb") != std::string::npos || base == "mc2" ? base : "shared";
}

/// One line per rank: device groups, CPU groups, memory, and who reuses whose device group.
std::string model_line(const std::vector<listed_communicator>& all, const ranktopo::config& c, int rank, bool registry,
                       bool name_in_config, int buffsize) {
    std::map<std::tuple<std::vector<int>, std::string, std::string>, std::string> entries;
    int device = 0;
    long long memory = 0;
    std::string shared;
    for (const listed_communicator& comm : all) {
        const std::vector<int>* mine = nullptr;
        for (const std::vector<int>& g : comm.groups)
            if (std::find(g.begin(), g.end(), rank) != g.end()) mine = &g;
        REQUIRE(mine != nullptr);
        const auto key = std::make_tuple(*mine, hccl_config_of(comm.name, c, name_in_config), domain_of(comm.name));
        if (registry) {
            const auto found = entries.find(key);
            if (found != entries.end()) {
                shared += " " + comm.name + "->" + found->second;
                continue;
            }
            entries.emplace(key, comm.name);
        }
        ++device;
        const std::optional<int> buffer = ranktopo::hccl_buffer_size(comm.name, c);
        if (mine->size() > 1) memory += 2LL * buffer.value_or(buffsize);
    }
    return "rank " + std::to_string(rank) + ": device " + std::to_string(device) + " cpu " +
           std::to_string(all.size()) + " memory " + std::to_string(memory) + " shared" + shared;
}

std::string library_line(const ranktopo::rank_cost& r) {
    std::string shared;
    for (const ranktopo::communicator_cost& e : r.communicators) {
        if (!e.device_shared_with) continue;
        std::string owner;  // the owner's communicator name, as the model records it
        for (const ranktopo::communicator_cost& o : r.communicators)
            if (o.name == *e.device_shared_with) owner = o.communicator;
        shared += " " + e.communicator + "->" + owner;
    }
    return "rank " + std::to_string(r.rank) + ": device " + std::to_string(r.device_communicators) + " cpu " +
           std::to_string(r.cpu_communicators) + " memory " + std::to_string(r.hccl_memory_mb) + " shared" + shared;
}

}  // namespace

TEST_CASE("cost: every release's device groups and memory follow its own reuse rules, on the golden configs",
          "[cost][releases]") {
    std::map<std::string, nlohmann::json> fixtures_of;  // by the recipe's tag
    for (const auto& entry : std::filesystem::directory_iterator(RANKTOPO_GOLDEN_RELEASES_DIR)) {
        if (entry.path().extension() != ".json") continue;
        std::ifstream in(entry.path());
        fixtures_of["v" + entry.path().stem().string()] = nlohmann::json::parse(in).at("fixtures");
    }
    const std::size_t registry_from = ranktopo::release::find("0.19.1rc1")->index();
    const std::size_t name_from = ranktopo::release::find("0.21.0rc1")->index();
    std::size_t shared_seen = 0, ranks_checked = 0;
    for (const ranktopo::release_info& info : ranktopo::releases) {
        const ranktopo::release r = *ranktopo::release::find(info.version);
        const nlohmann::json& fixtures = fixtures_of.at(std::string(info.layout->tag));
        std::size_t served = 0;
        for (const nlohmann::json& fixture : fixtures) {
            if (fixture["expect"] != "groups") continue;
            nlohmann::json config_json = fixture["config"];
            config_json["vllm_ascend_version"] = std::string(info.version);
            ranktopo::config c;
            try {
                c = ranktopo::parse_config(config_json.dump());
            } catch (const ranktopo::config_error&) {
                continue;  // an option this release of the recipe does not have
            }
            if (!ranktopo::validate(c).empty()) continue;
            INFO("vllm-ascend " << info.version << ": " << config_json.dump());
            // vLLM's groups (every one ranktopo lists: dcp too when the config
            // has it) in initialize_model_parallel's order, then the reference's.
            const ranktopo::plan p = ranktopo::make_plan(c);
            std::vector<listed_communicator> all;
            for (const char* name : {"world", "tp", "dcp", "pcp", "pp", "dp", "ep"}) {
                for (const ranktopo::named_family& fam : ranktopo::enabled_families(p)) {
                    if (fam.origin == ranktopo::family_origin::vllm && fam.name == name) {
                        all.push_back({fam.name, fam.groups.to_vectors()});
                    }
                }
            }
            REQUIRE(all.size() >= 6);
            for (const nlohmann::json& made : fixture["creations"])
                all.push_back({made["name"].get<std::string>(), made["groups"].get<std::vector<std::vector<int>>>()});
            for (int buffsize : {200, 512}) {
                for (int rank = 0; rank < c.world_size; ++rank) {
                    const std::string expected = model_line(all, c, rank, r.index() >= registry_from,
                                                            r.index() >= name_from, buffsize);
                    const std::string actual = library_line(ranktopo::cost(p, rank, {buffsize}));
                    RANKTOPO_REQUIRE_QUIETLY(actual == expected, "rank " << rank << ", HCCL_BUFFSIZE " << buffsize);
                    shared_seen += expected.find("->") != std::string::npos ? 1U : 0U;
                    ++ranks_checked;
                }
            }
            ++served;
        }
        CHECK(served > 20);
    }
    INFO("ranks " << ranks_checked << ", with reuse " << shared_seen);
    CHECK(shared_seen > 100);
}

TEST_CASE("cost: 0.19.1rc1 and 0.20.2rc1 share a device group of equal ranks and options, 0.21.0rc1 does not",
          "[cost]") {
    // 16 ranks, D = 2, P = 2, T = 4, dynamic EPLB: ep, mc2, dynamic_eplb and fc3_quant_x hold the same groups.
    ranktopo::config c;
    c.world_size = 16;
    c.tensor_parallel_size = 4;
    c.data_parallel_size = 2;
    c.pipeline_parallel_size = 2;
    c.dynamic_eplb = true;
    c.multistream_overlap_gate = true;
    const auto shared_with = [](const ranktopo::rank_cost& r, std::string_view name) {
        for (const ranktopo::communicator_cost& e : r.communicators)
            if (e.name == name) return e.device_shared_with.value_or("");
        return std::string("absent");
    };
    for (const char* version : {"0.18.0", "0.19.1rc1", "0.20.2rc1", "0.21.0rc1", "0.23.0"}) {
        c.vllm_ascend_version = *ranktopo::release::find(version);
        INFO(version);
        REQUIRE(ranktopo::validate(c).empty());
        const ranktopo::rank_cost r = ranktopo::cost(ranktopo::make_plan(c), 0);
        const bool registry = std::string_view(version) == "0.19.1rc1" || std::string_view(version) == "0.20.2rc1";
        // fc3_quant_x: domain "shared", 200 MB, the groups of ep.
        CHECK(shared_with(r, "fc3_quant_x") == (registry ? "ep" : ""));
        // mc2 and dynamic_eplb: each its own domain, never shared.
        CHECK(shared_with(r, "mc2").empty());
        CHECK(shared_with(r, "dynamic_eplb").empty());
        CHECK(r.cpu_communicators == static_cast<int>(r.communicators.size()));
        CHECK(r.hccl_memory_if_identical_shared_mb <= r.hccl_memory_mb);
        CHECK(std::find(r.identical.begin(), r.identical.end(),
                        std::vector<std::string>{"ep", "mc2", "dynamic_eplb", "fc3_quant_x"}) != r.identical.end());
    }
}

TEST_CASE("cost: refuses a rank outside the world and a non-positive HCCL_BUFFSIZE", "[cost]") {
    const ranktopo::plan p = ranktopo::make_plan(ranktopo::example_config());
    CHECK_THROWS_AS(ranktopo::cost(p, 16), ranktopo::lookup_error);
    CHECK_THROWS_AS(ranktopo::cost(p, -1), ranktopo::lookup_error);
    CHECK_THROWS_AS(ranktopo::cost(p, 0, {0}), ranktopo::config_error);
}

TEST_CASE("cost: the costliest rank at 2^20 ranks comes from the layouts", "[cost]") {
    ranktopo::config c;
    c.world_size = 1 << 20;
    c.tensor_parallel_size = 16;
    c.data_parallel_size = 1 << 16;
    c.vllm_ascend_version = *ranktopo::release::find("0.20.2rc1");
    const ranktopo::plan p = ranktopo::make_plan(c);
    const int rank = ranktopo::costliest_rank(p);
    CHECK(rank == 0);
    CHECK(ranktopo::cost(p, (1 << 20) - 1).hccl_memory_mb == ranktopo::cost(p, rank).hccl_memory_mb);
}
