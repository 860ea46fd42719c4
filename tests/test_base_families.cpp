// vLLM's own families against the examples of shared/reference/layouts.md.
#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ranktopo/families.hpp"
#include "ranktopo/named_families.hpp"
#include "test_support.hpp"

using groups = std::vector<std::vector<int>>;

namespace {

ranktopo::config d2_p2_t4() {
    ranktopo::config c;
    c.world_size = 16;
    c.data_parallel_size = 2;
    c.pipeline_parallel_size = 2;
    c.tensor_parallel_size = 4;
    return c;
}

}  // namespace

TEST_CASE("base families: the layouts.md example D=2 P=2 C=1 T=4", "[families]") {
    const ranktopo::config c = d2_p2_t4();
    namespace f = ranktopo::families;
    CHECK(f::pp(c).to_vectors() == groups{{0, 4}, {1, 5}, {2, 6}, {3, 7}, {8, 12}, {9, 13}, {10, 14}, {11, 15}});
    CHECK(f::dp(c).to_vectors() == groups{{0, 8}, {4, 12}, {1, 9}, {5, 13}, {2, 10}, {6, 14}, {3, 11}, {7, 15}});
    CHECK(f::ep(c).to_vectors() == groups{{0, 1, 2, 3, 8, 9, 10, 11}, {4, 5, 6, 7, 12, 13, 14, 15}});
    CHECK(f::tp(c).to_vectors() == groups{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}, {12, 13, 14, 15}});
    CHECK(f::world(c).to_vectors() == groups{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}});
    CHECK(f::pcp(c).group_size() == 1);
    CHECK(f::dcp(c, 2).to_vectors() == groups{{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}, {10, 11}, {12, 13}, {14, 15}});
    CHECK_THROWS_AS(f::dcp(c, 3), ranktopo::config_error);
}

TEST_CASE("base families: vLLM's dcp splits each TP group into consecutive blocks", "[families]") {
    namespace f = ranktopo::families;
    ranktopo::config c = d2_p2_t4();  // E D P C T = 1 2 2 1 4
    for (int k : {1, 2, 4}) {
        c.decode_context_parallel_size = k;
        const ranktopo::family dcp = f::dcp(c);
        CHECK(dcp.to_vectors() == f::dcp(c, k).to_vectors());
        CHECK(dcp.group_size() == k);
        CHECK(ranktopo_test::family_invariant_violation(dcp, 16).empty());  // a partition of the ranks
        // Each DCP group lies inside one TP group: vLLM's rule, dcp divides tp.
        const std::vector<std::vector<int>> tp = f::tp(c).to_vectors();
        for (const std::vector<int>& g : dcp.to_vectors()) {
            const auto inside = [&](const std::vector<int>& t) {
                return std::all_of(g.begin(), g.end(), [&](int r) { return std::count(t.begin(), t.end(), r) == 1; });
            };
            CHECK(std::any_of(tp.begin(), tp.end(), inside));
        }
    }
    c.world_size = 32;  // C = 2: still blocks of k in rank order (vLLM's reshape(-1, k))
    c.prefill_context_parallel_size = 2;
    c.decode_context_parallel_size = 2;
    CHECK(f::dcp(c).to_vectors().at(9) == std::vector<int>{18, 19});
    c.decode_context_parallel_size = 3;
    CHECK_THROWS_WITH(f::dcp(c),
                      Catch::Contains("decode_context_parallel_size (3) must divide tensor_parallel_size (4)"));
}

TEST_CASE("named families: dcp is listed after tp only when decode_context_parallel_size > 1", "[families]") {
    ranktopo::config c = d2_p2_t4();
    const auto names = [](const ranktopo::config& x) {
        std::vector<std::string> out;
        for (const ranktopo::named_family& nf : ranktopo::enabled_families(ranktopo::make_plan(x))) {
            if (nf.origin == ranktopo::family_origin::vllm) out.push_back(nf.name);
        }
        return out;
    };
    CHECK(names(c) == std::vector<std::string>{"world", "tp", "pp", "dp", "pcp", "ep"});
    c.decode_context_parallel_size = 2;
    CHECK(names(c) == std::vector<std::string>{"world", "tp", "dcp", "pp", "dp", "pcp", "ep"});
    const std::vector<ranktopo::named_family> all = ranktopo::enabled_families(ranktopo::make_plan(c));
    const ranktopo::named_family* dcp = ranktopo::find_family(all, "dcp");
    REQUIRE(dcp != nullptr);
    CHECK(dcp->communicator == "dcp");
    CHECK(dcp->groups.group_count() == 8);
}

TEST_CASE("base families: pcp and external data parallelism", "[families]") {
    ranktopo::config c;
    c.world_size = 16;
    c.prefill_context_parallel_size = 2;
    c.tensor_parallel_size = 2;
    c.data_parallel_size = 2;  // E = 2
    namespace f = ranktopo::families;
    CHECK(f::pcp(c).to_vectors() == groups{{0, 2}, {1, 3}, {4, 6}, {5, 7}, {8, 10}, {9, 11}, {12, 14}, {13, 15}});
    CHECK(f::dp(c).to_vectors() == groups{{0, 4}, {2, 6}, {1, 5}, {3, 7}, {8, 12}, {10, 14}, {9, 13}, {11, 15}});
    CHECK(f::ep(c).to_vectors() == groups{{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}});
    for (const auto& fam : {f::world(c), f::tp(c), f::pcp(c), f::pp(c), f::dp(c), f::ep(c), f::mc2(c)})
        CHECK(ranktopo_test::family_invariant_violation(fam, 16).empty());
}

TEST_CASE("base families: an invalid config is refused with config_error", "[families]") {
    ranktopo::config c;
    c.world_size = 12;
    c.tensor_parallel_size = 8;
    CHECK_THROWS_AS(ranktopo::families::tp(c), ranktopo::config_error);
    CHECK_THROWS_WITH(ranktopo::families::tp(c),
                      Catch::Contains("world_size (12)") && Catch::Contains("tensor_parallel_size"));
}

TEST_CASE("global_rank: vllm-ascend's get_global_rank, from 0.22.1rc1 on", "[families]") {
    ranktopo::config c;
    c.world_size = 16;
    c.tensor_parallel_size = 4;
    c.pipeline_parallel_size = 2;
    c.data_parallel_size = 2;
    // Python: data_parallel_index * (T*P*C) + rank_in_group % (T*P*C).
    c.vllm_ascend_version = ranktopo::parse_release("0.23.0", "test");
    CHECK(ranktopo::global_rank(c, 0, 5) == 5);
    CHECK(ranktopo::global_rank(c, 3, 13) == 3 * 8 + 5);  // a world group spanning replicas
    CHECK(ranktopo::global_rank(c, 1, 2) == 10);          // a DP=1 engine: rank_in_group is local
    c.prefill_context_parallel_size = 2;
    c.world_size = 32;
    CHECK(ranktopo::global_rank(c, 2, 17) == 2 * 16 + 1);
    c.vllm_ascend_version = ranktopo::parse_release("0.22.1rc1", "test");
    CHECK(ranktopo::global_rank(c, 1, 0) == 16);
    c.vllm_ascend_version = ranktopo::parse_release("0.21.0rc1", "test");
    CHECK_THROWS_WITH(ranktopo::global_rank(c, 1, 0),
                      Catch::Contains("get_global_rank does not exist in vllm-ascend 0.21.0rc1"));
    c.vllm_ascend_version = ranktopo::parse_release("latest", "test");
    CHECK_THROWS_WITH(ranktopo::global_rank(c, -1, 0), Catch::Contains("data_parallel_index (-1)"));
}
