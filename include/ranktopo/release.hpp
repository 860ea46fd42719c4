// ranktopo — vllm-ascend releases, and the recipe each one's parallel_state.py follows.
//
// Releases differ in which groups init_ascend_model_parallel creates, in
// which order, and in two shapes (p_tp's replicas, mc2's groups). A recipe
// states all of that for one distinct parallel_state.py, in one place; the
// plan, the checks and lint read it. Supporting the next release is adding
// its recipe and its versions to the tables below.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ranktopo/error.hpp"

namespace ranktopo {

/// One step of init_ascend_model_parallel. Each creates at most a few
/// communicators, only when its options enable it.
enum class step : std::uint8_t {
    p_tp,          ///< prefill-TP all-to-all, when pd_head_ratio > 1 on a KV producer
    mc2,           ///< always
    dynamic_eplb,  ///< mc2's groups again, when dynamic_eplb
    fine_grained,  ///< otp, lmheadtp, emtp, mlptp: one creation per distinct size
    flashcomm2,    ///< flashcomm2_otp and flashcomm2_odp
    shard_weight,  ///< layer sharding
    fc3_quant_x,   ///< mc2's groups again, when multistream_overlap_gate
};

/// How p_tp with head replicas views the world: view(B, -1, num_head_replica).
enum class p_tp_replicas : std::uint8_t {
    d,    ///< B = D
    dc,   ///< B = D·C
    dpc,  ///< B = D·P·C
};

/// What mc2 (and dynamic_eplb, fc3_quant_x) groups are.
enum class mc2_groups : std::uint8_t {
    blocks_dct,  ///< all_ranks.reshape(-1, D·C·T): consecutive blocks, which span stages when P > 1
    vllm_ep,     ///< all_ranks.transpose(1, 2).reshape(-1, D·C·T): vLLM's EP groups
};

/// One distinct parallel_state.py: what it creates, in which order, in which shapes.
struct recipe {
    std::string_view tag;         ///< the git tag the code was read from
    std::span<const step> steps;  ///< in creation order
    p_tp_replicas p_tp;           ///< B of p_tp with head replicas
    mc2_groups mc2;               ///< mc2's groups
    bool defines_global_rank;     ///< the file defines get_global_rank

    [[nodiscard]] constexpr bool has(step s) const noexcept {
        for (step mine : steps)
            if (mine == s) return true;
        return false;
    }
};

/// The recipes, oldest first. Teardown (destroy_ascend_model_parallel) is the
/// same sequence in every release, less the groups a release does not have.
namespace recipes {

inline constexpr std::array v0_13_0_steps{step::p_tp,       step::mc2,          step::fine_grained,
                                          step::flashcomm2, step::shard_weight, step::fc3_quant_x};
/// Adds dynamic_eplb after mc2.
inline constexpr std::array v0_16_0rc1_steps{step::p_tp,         step::mc2,        step::dynamic_eplb,
                                             step::fine_grained, step::flashcomm2, step::shard_weight,
                                             step::fc3_quant_x};
/// fc3_quant_x moves to right after dynamic_eplb.
inline constexpr std::array v0_18_0_steps{step::p_tp,         step::mc2,        step::dynamic_eplb, step::fc3_quant_x,
                                          step::fine_grained, step::flashcomm2, step::shard_weight};
/// Layer sharding and the multistream overlap gate are gone.
inline constexpr std::array v0_24_0rc1_steps{step::p_tp, step::mc2, step::dynamic_eplb, step::fine_grained,
                                             step::flashcomm2};
/// FlashComm2 is gone.
inline constexpr std::array v0_25_1rc1_steps{step::p_tp, step::mc2, step::dynamic_eplb, step::fine_grained};

inline constexpr recipe v0_13_0{"v0.13.0", v0_13_0_steps, p_tp_replicas::d, mc2_groups::blocks_dct, false};
inline constexpr recipe v0_16_0rc1{"v0.16.0rc1", v0_16_0rc1_steps, p_tp_replicas::d, mc2_groups::blocks_dct, false};
/// p_tp counts D·C replicas (commit 239683c7a6, the reference of layouts.md).
inline constexpr recipe v0_17_0rc1{"v0.17.0rc1", v0_16_0rc1_steps, p_tp_replicas::dc, mc2_groups::blocks_dct, false};
/// mc2, dynamic_eplb and fc3_quant_x become vLLM's EP groups; p_tp counts D·P·C.
inline constexpr recipe v0_18_0{"v0.18.0", v0_18_0_steps, p_tp_replicas::dpc, mc2_groups::vllm_ep, false};
/// Groups as 0.18.0; adds get_global_rank.
inline constexpr recipe v0_23_0{"v0.23.0", v0_18_0_steps, p_tp_replicas::dpc, mc2_groups::vllm_ep, true};
inline constexpr recipe v0_24_0rc1{"v0.24.0rc1", v0_24_0rc1_steps, p_tp_replicas::dpc, mc2_groups::vllm_ep, true};
inline constexpr recipe v0_25_1rc1{"v0.25.1rc1", v0_25_1rc1_steps, p_tp_replicas::dpc, mc2_groups::vllm_ep, true};

}  // namespace recipes

/// A release and the parallel_state.py it ships.
struct release_info {
    std::string_view version;
    const recipe* layout;
};

/// Every accepted release, oldest first (each file checked by its git hash).
inline constexpr std::array<release_info, 16> releases{{
    {"0.13.0rc2", &recipes::v0_13_0},
    {"0.14.0rc1", &recipes::v0_13_0},
    {"0.13.0", &recipes::v0_13_0},
    {"0.15.0rc1", &recipes::v0_16_0rc1},
    {"0.16.0rc1", &recipes::v0_16_0rc1},
    {"0.17.0rc1", &recipes::v0_17_0rc1},
    {"0.18.0rc1", &recipes::v0_18_0},
    {"0.18.0", &recipes::v0_18_0},
    {"0.19.1rc1", &recipes::v0_18_0},
    {"0.20.2rc1", &recipes::v0_18_0},
    {"0.21.0rc1", &recipes::v0_18_0},
    {"0.22.1rc1", &recipes::v0_23_0},
    {"0.23.0rc1", &recipes::v0_23_0},
    {"0.23.0", &recipes::v0_23_0},
    {"0.24.0rc1", &recipes::v0_24_0rc1},
    {"0.25.1rc1", &recipes::v0_25_1rc1},
}};

/// What "latest" means.
inline constexpr std::string_view latest_release = "0.25.1rc1";

/// A vllm-ascend release, by version; the default is 0.17.0rc1, the release
/// of commit 239683c7a6. A value, compared by version.
class release {
public:
    constexpr release() noexcept = default;

    /// The release called `version` ("0.18.0", or "latest"), or nothing.
    [[nodiscard]] static constexpr std::optional<release> find(std::string_view version) noexcept {
        if (version == "latest") version = latest_release;
        for (std::size_t i = 0; i < releases.size(); ++i)
            if (releases[i].version == version) return release(static_cast<std::uint8_t>(i));
        return std::nullopt;
    }

    [[nodiscard]] constexpr std::string_view version() const noexcept { return releases[index_].version; }
    [[nodiscard]] constexpr const recipe& layout() const noexcept { return *releases[index_].layout; }
    /// Position in `releases`: later releases compare greater.
    [[nodiscard]] constexpr std::size_t index() const noexcept { return index_; }

    friend constexpr bool operator==(release, release) noexcept = default;

private:
    constexpr explicit release(std::uint8_t index) noexcept : index_(index) {}
    static constexpr std::uint8_t default_index = 5;
    std::uint8_t index_ = default_index;
};

static_assert(release().version() == "0.17.0rc1");
static_assert(release::find("latest")->version() == latest_release);

/// "0.13.0rc2, 0.14.0rc1, ..., 0.25.1rc1, latest": for messages and --help.
[[nodiscard]] inline std::string accepted_releases() {
    std::string text;
    for (const release_info& r : releases) (text += r.version) += ", ";
    return text += "latest";
}

/// The release called `version`; throws config_error, attributed to
/// `function`, naming the value and listing the accepted ones.
[[nodiscard]] inline release parse_release(std::string_view version, const char* function) {
    if (std::optional<release> found = release::find(version)) return *found;
    std::string message = "vllm_ascend_version '";
    ((message += version) += "' is not a known vllm-ascend release (accepted: ") += accepted_releases();
    throw config_error(function, {{"vllm_ascend_version", message += ")"}});
}

}  // namespace ranktopo
