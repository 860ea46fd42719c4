// vllm-ascend's HCCL buffer sizes by communicator name, per release: the
// values of vllm_ascend/utils.py (_DEFAULT_BUFFER_SIZE = 200,
// _MIN_DP_BUFFER_SIZE = 50, _DYNAMIC_EPLB_BUFFER_SIZE = 1 in 0.15.0rc1 to
// 0.17.0rc1 and 100 from 0.18.0rc1, absent before 0.15.0rc1) and its
// get_hccl_config_for_pg_options / calculate_dp_buffer_size.
#include <catch2/catch.hpp>

#include <string>

#include "ranktopo/hccl.hpp"
#include "ranktopo/io.hpp"

namespace {

ranktopo::config on(std::string_view version) {
    ranktopo::config c;
    c.vllm_ascend_version = *ranktopo::release::find(version);
    return c;
}

}  // namespace

TEST_CASE("hccl_buffer_size: mc2 gets no options, in every release", "[hccl]") {
    for (const ranktopo::release_info& r : ranktopo::releases) {
        INFO(r.version);
        const ranktopo::config c = on(r.version);
        CHECK_FALSE(ranktopo::hccl_buffer_size("mc2", c).has_value());
        // "mc2" in group_name: a substring test in the reference
        CHECK_FALSE(ranktopo::hccl_buffer_size("mc2_hierarchy", c).has_value());
        CHECK(ranktopo::hccl_buffer_size("tp", c) == 200);
        CHECK(ranktopo::hccl_buffer_size("otp", c) == 200);
        CHECK(ranktopo::hccl_buffer_size("p_tp_3", c) == 200);
        CHECK(ranktopo::hccl_buffer_size("", c) == 200);
    }
}

TEST_CASE("hccl_buffer_size: dynamic_eplb's entry arrives in 0.15.0rc1 and grows in 0.18.0rc1", "[hccl]") {
    for (const char* version : {"0.13.0rc2", "0.14.0rc1", "0.13.0"}) {
        CHECK(ranktopo::hccl_buffer_size("dynamic_eplb", on(version)) == 200);
    }
    for (const char* version : {"0.15.0rc1", "0.16.0rc1", "0.17.0rc1"}) {
        CHECK(ranktopo::hccl_buffer_size("dynamic_eplb", on(version)) == 1);
    }
    for (const char* version : {"0.18.0rc1", "0.18.0", "0.21.0rc1", "0.23.0", "0.24.0rc1", "0.25.1rc1", "latest"}) {
        CHECK(ranktopo::hccl_buffer_size("dynamic_eplb", on(version)) == 100);
    }
}

TEST_CASE("hccl_buffer_size: dp's is (D + 1) int32 flags in MB, at least 50", "[hccl]") {
    ranktopo::config c;
    c.data_parallel_size = 1;
    CHECK(ranktopo::hccl_buffer_size("dp", c) == 50);
    // ceil((D + 1) * 4 / 2^20) passes 50 once D + 1 > 50 * 2^18
    c.data_parallel_size = 50 * 262144 - 1;
    CHECK(ranktopo::hccl_buffer_size("dp", c) == 50);
    c.data_parallel_size = 50 * 262144;
    CHECK(ranktopo::hccl_buffer_size("dp", c) == 51);
    static_assert(ranktopo::hccl_buffer_size("mc2", ranktopo::config{}) == std::nullopt);
}
