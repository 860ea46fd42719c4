// ranktopo tool — one rank's communicator cost as JSON: `ranktopo cost
// --format json`, also embedded in the page `ranktopo html` writes.
#pragma once

#include <nlohmann/json.hpp>

#include "ranktopo/cost.hpp"

namespace ranktopo_cli {

/// {"rank", "world_size", "release", "reuse", "hccl_buffsize_mb", "communicators": [...],
///  "device_communicators", "cpu_communicators", "hccl_memory_mb", "identical", "if_identical_shared"}.
[[nodiscard]] nlohmann::ordered_json cost_json(const ranktopo::rank_cost& r, int world_size, int hccl_buffsize);

}  // namespace ranktopo_cli
