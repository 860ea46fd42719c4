// ranktopo — vllm-ascend's per-communicator HCCL options, by name.
//
// vllm-ascend creates each device group with ProcessGroupHCCL options it
// picks from the communicator's name (vllm_ascend/utils.py,
// get_hccl_config_for_pg_options, applied by patch/worker/patch_distributed.py
// to every GroupCoordinator): an engine's HCCL factory passes the same, keyed
// by creation_request::name. No torch_npu and no device are needed to know
// them.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "ranktopo/config.hpp"
#include "ranktopo/release.hpp"

namespace ranktopo {

/// hccl_config's "hccl_buffer_size" (in MB) that vllm-ascend `c.vllm_ascend_version`
/// passes for the communicator named `group_name` (the reference's name:
/// "mc2", "dynamic_eplb", "otp", "p_tp_0"; vLLM's "dp", "tp", ...), or
/// nothing where it passes no options: any name containing "mc2", whose
/// operators size their buffers from the HCCL_BUFFSIZE environment variable.
///   - "dp": max(ceil((data_parallel_size + 1) * 4 bytes / 1 MiB), 50);
///   - "dynamic_eplb": 1 from 0.15.0rc1 to 0.17.0rc1, 100 from 0.18.0rc1
///     on; before 0.15.0rc1 it has no entry and takes the default;
///   - every other name: 200.
[[nodiscard]] constexpr std::optional<int> hccl_buffer_size(std::string_view group_name, const config& c) noexcept {
    constexpr int default_size = 200;  // _DEFAULT_BUFFER_SIZE
    constexpr int min_dp_size = 50;    // _MIN_DP_BUFFER_SIZE
    constexpr long long mebibyte = 1024 * 1024;
    constexpr long long int32_bytes = 4;
    if (group_name.find("mc2") != std::string_view::npos) return std::nullopt;
    if (group_name == "dp") {
        const long long bytes = (static_cast<long long>(c.data_parallel_size) + 1) * int32_bytes;
        const auto size = static_cast<int>((bytes + mebibyte - 1) / mebibyte);
        return size > min_dp_size ? size : min_dp_size;
    }
    if (group_name == "dynamic_eplb") {
        const std::size_t at = c.vllm_ascend_version.index();
        if (at >= release::find("0.18.0rc1")->index()) return 100;  // _DYNAMIC_EPLB_BUFFER_SIZE
        if (at >= release::find("0.15.0rc1")->index()) return 1;
    }
    return default_size;
}

}  // namespace ranktopo
