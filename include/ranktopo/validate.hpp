// ranktopo — which configs the reference can serve.
//
// validate() lists every reason a config cannot be served: option ranges,
// then the shapes each enabled family needs (shared/reference/layouts.md,
// "Configs the reference cannot serve"). The family functions and the plan
// call the same checks, so a refusal always carries the named message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ranktopo/config.hpp"
#include "ranktopo/error.hpp"

namespace ranktopo {

namespace detail {

inline void append(std::string& s, std::string_view part) {
    s += part;
}
inline void append(std::string& s, const char* part) {
    s += part;
}
inline void append(std::string& s, const std::string& part) {
    s += part;
}
template <class Int>
requires std::is_integral_v<Int>
inline void append(std::string& s, Int value) {
    s += std::to_string(value);
}

/// Concatenates strings and integers: cat("size (", 3, ")").
template <class... Parts>
[[nodiscard]] std::string cat(const Parts&... parts) {
    std::string s;
    (append(s, parts), ...);
    return s;
}

/// Product of positive ints without overflow: saturates past INT64_MAX / 2.
[[nodiscard]] constexpr std::int64_t product(std::initializer_list<int> factors) noexcept {
    constexpr std::int64_t cap = INT64_MAX / 2;
    std::int64_t p = 1;
    for (int f : factors) p = (p > cap / (f > 0 ? f : 1)) ? cap : p * f;
    return p;
}

using problems = std::vector<problem>;

inline void check_ranges(const config& c, problems& out) {
    for (const option_info& o : options) {
        if (o.integer == nullptr) continue;
        const int v = c.*o.integer;
        switch (o.domain) {
            case option_domain::required_positive:
            case option_domain::positive:
                if (v < 1) out.push_back({std::string(o.name), cat(o.name, " (", v, ") must be at least 1")});
                break;
            case option_domain::off_or_positive:
                if (v < 0) out.push_back({std::string(o.name), cat(o.name, " (", v, ") must be 0 (off) or positive")});
                break;
            case option_domain::non_negative:
                if (v < 0) out.push_back({std::string(o.name), cat(o.name, " (", v, ") must not be negative")});
                break;
            case option_domain::boolean:
            case option_domain::version: break;
        }
    }
    // local_rank may lie beyond the world (each DP replica its own engine on
    // a shared node): the reference then names p_tp "p_tp_None".
}

/// "0.15.0rc1 to 0.25.1rc1": the releases whose recipe has step `s`.
[[nodiscard]] inline std::string releases_with(step s) {
    std::string first;
    std::string last;
    for (const release_info& r : releases) {
        if (!r.layout->has(s)) continue;
        if (first.empty()) first = r.version;
        last = r.version;
    }
    return first == last ? first : cat(first, " to ", last);
}

/// Whether release `r` has option `o`.
[[nodiscard]] constexpr bool has_option(release r, const option_info& o) noexcept {
    return !o.feature || r.layout().has(*o.feature);
}

/// The refusal of option `o`, which release `r` does not have.
[[nodiscard]] inline problem missing_option(release r, const option_info& o) {
    return {std::string(o.name), cat(o.name, " does not exist in vllm-ascend ", r.version(),
                                     " (vllm_ascend_version); releases ", releases_with(*o.feature), " have it")};
}

/// Options set away from their default that the chosen release does not have
/// (a JSON config is refused for the mere key: parse_config).
inline void check_release_options(const config& c, problems& out) {
    const config defaults;
    for (const option_info& o : options) {
        if (has_option(c.vllm_ascend_version, o) || option_text(c, o) == option_text(defaults, o)) continue;
        out.push_back(missing_option(c.vllm_ascend_version, o));
    }
}

/// N must hold E whole replicas of D·P·C·T (vLLM's reshape(-1, D, P, C, T)).
inline void check_world(const config& c, problems& out) {
    const std::int64_t replica = product(
        {c.data_parallel_size, c.pipeline_parallel_size, c.prefill_context_parallel_size, c.tensor_parallel_size});
    if (c.world_size % replica != 0) {
        out.push_back({"world_size", cat("world_size (", c.world_size,
                                         ") must be a multiple of data_parallel_size * pipeline_parallel_size * "
                                         "prefill_context_parallel_size * tensor_parallel_size (",
                                         c.data_parallel_size, " * ", c.pipeline_parallel_size, " * ",
                                         c.prefill_context_parallel_size, " * ", c.tensor_parallel_size, ")")});
    }
}

/// vLLM's rule (EngineArgs / ParallelConfig of the vLLM releases these
/// vllm-ascend releases pair with): DCP reuses the TP ranks, splitting each
/// TP group into tensor_parallel_size / decode_context_parallel_size groups.
inline void check_dcp(const config& c, problems& out) {
    if (c.tensor_parallel_size % c.decode_context_parallel_size != 0) {
        out.push_back(
            {"decode_context_parallel_size", cat("decode_context_parallel_size (", c.decode_context_parallel_size,
                                                 ") must divide tensor_parallel_size (", c.tensor_parallel_size, ")")});
    }
}

/// External data parallelism E = N / (D·P·C·T); valid once check_world passed.
[[nodiscard]] constexpr int external_dp(const config& c) noexcept {
    return c.world_size /
           (c.data_parallel_size * c.pipeline_parallel_size * c.prefill_context_parallel_size * c.tensor_parallel_size);
}

[[nodiscard]] constexpr bool p_tp_enabled(const config& c) noexcept {
    return c.pd_head_ratio > 1 && c.is_kv_producer;
}

/// B, the replicas p_tp with head replicas views the world as: view(B, -1, h).
/// Fits an int once check_ranges passed (a product of at most N).
[[nodiscard]] constexpr int p_tp_replica_count(const config& c) noexcept {
    const auto b = static_cast<int>(product({c.data_parallel_size, c.prefill_context_parallel_size}));
    switch (c.vllm_ascend_version.layout().p_tp) {
        case p_tp_replicas::d: return c.data_parallel_size;
        case p_tp_replicas::dc: return b;
        case p_tp_replicas::dpc: return static_cast<int>(product({b, c.pipeline_parallel_size}));
    }
    return b;
}

[[nodiscard]] constexpr std::string_view p_tp_replica_formula(const config& c) noexcept {
    switch (c.vllm_ascend_version.layout().p_tp) {
        case p_tp_replicas::d: return "data_parallel_size";
        case p_tp_replicas::dc: return "data_parallel_size * prefill_context_parallel_size";
        case p_tp_replicas::dpc: return "data_parallel_size * pipeline_parallel_size * prefill_context_parallel_size";
    }
    return "";
}

inline void check_p_tp(const config& c, problems& out) {
    if (!p_tp_enabled(c)) return;
    const int N = c.world_size;
    const int R = c.pd_tp_ratio;
    const int h = c.num_head_replica;
    if (h <= 1) {
        if (N % R != 0) {
            out.push_back(
                {"pd_tp_ratio", cat("p_tp: world_size (", N, ") must be a multiple of pd_tp_ratio (", R, ")")});
        }
        return;
    }
    const std::int64_t replicas = std::int64_t{p_tp_replica_count(c)} * h;
    if (N % replicas != 0) {
        out.push_back(
            {"num_head_replica", cat("p_tp: world_size (", N, ") must be a multiple of ", p_tp_replica_formula(c),
                                     " * num_head_replica (", p_tp_replica_count(c), " * ", h, ")")});
        return;
    }
    const int remote = c.tensor_parallel_size / R;
    if (remote == 0) {
        out.push_back({"pd_tp_ratio", cat("p_tp: pd_tp_ratio (", R, ") must not exceed tensor_parallel_size (",
                                          c.tensor_parallel_size, "): the decode TP size would be 0")});
        return;
    }
    const auto heads = static_cast<int>(N / replicas);
    const int alltoall = heads / remote;
    if (alltoall == 0 || heads % alltoall != 0) {
        out.push_back({"num_head_replica",
                       cat("p_tp: the heads per replica, world_size / (", p_tp_replica_formula(c),
                           " * num_head_replica) = ", heads, ", must be a multiple of the all-to-all group size ",
                           alltoall, " (heads / (tensor_parallel_size / pd_tp_ratio) = ", heads, " / ", remote, ")")});
    }
}

inline void check_fine_grained(const config& c, int size, std::string_view option, problems& out) {
    if (size <= 0) return;
    const std::int64_t grid = product({c.pipeline_parallel_size, c.data_parallel_size, c.tensor_parallel_size});
    if (grid != c.world_size) {
        out.push_back({std::string(option),
                       cat(option, " (", size, ") needs world_size (", c.world_size,
                           ") = pipeline_parallel_size * data_parallel_size * tensor_parallel_size (",
                           c.pipeline_parallel_size, " * ", c.data_parallel_size, " * ", c.tensor_parallel_size,
                           "): fine-grained TP supports neither prefill_context_parallel_size > 1 nor external "
                           "data parallelism")});
    }
    if (c.data_parallel_size % size != 0) {
        out.push_back({std::string(option),
                       cat(option, " (", size, ") must divide data_parallel_size (", c.data_parallel_size, ")")});
    }
}

[[nodiscard]] constexpr bool flashcomm2_groups_enabled(const config& c) noexcept {
    return c.flashcomm2_enabled && c.flashcomm2_oproj_tensor_parallel_size > 1;
}

inline void check_flashcomm2(const config& c, problems& out) {
    if (!flashcomm2_groups_enabled(c)) return;
    const int S = c.flashcomm2_oproj_tensor_parallel_size;
    const int T = c.tensor_parallel_size;
    const std::string option = "flashcomm2_oproj_tensor_parallel_size";
    if (S > T) {
        out.push_back({option, cat(option, " (", S, ") must not exceed tensor_parallel_size (", T, ")")});
    } else if (T % S != 0) {
        out.push_back({option, cat(option, " (", S, ") must divide tensor_parallel_size (", T, ")")});
    }
    if (c.prefill_context_parallel_size > 1) {
        out.push_back({"prefill_context_parallel_size",
                       cat("flashcomm2_enabled with ", option, " (", S, ") > 1 needs prefill_context_parallel_size (",
                           c.prefill_context_parallel_size, ") to be 1")});
    } else if (external_dp(c) > 1) {
        out.push_back(
            {"world_size",
             cat("flashcomm2_enabled with ", option, " (", S, ") > 1 needs world_size (", c.world_size,
                 ") = data_parallel_size * pipeline_parallel_size * tensor_parallel_size (", c.data_parallel_size,
                 " * ", c.pipeline_parallel_size, " * ", c.tensor_parallel_size, "): no external data parallelism")});
    }
}

inline void check_shard_weight(const config& c, problems& out) {
    if (!c.layer_sharding || !flashcomm2_groups_enabled(c)) return;
    // The FlashComm2 otp groups are the module-TP matrix; a single one is
    // squeezed to 1-D and the reference's transpose fails.
    const int S = c.flashcomm2_oproj_tensor_parallel_size;
    if (S == c.tensor_parallel_size && c.data_parallel_size == 1 && c.pipeline_parallel_size == 1) {
        out.push_back(
            {"layer_sharding", cat("layer_sharding over FlashComm2 needs more than one flashcomm2_otp group, but "
                                   "flashcomm2_oproj_tensor_parallel_size (",
                                   S,
                                   ") = tensor_parallel_size with data_parallel_size = pipeline_parallel_size = 1 "
                                   "makes one (the reference fails squeezing it)")});
    }
}

}  // namespace detail

/// Every reason the reference cannot serve `c`; empty when it can. Never throws
/// (but for std::bad_alloc).
[[nodiscard]] inline std::vector<problem> validate(const config& c) {
    detail::problems out;
    detail::check_ranges(c, out);
    if (!out.empty()) return out;  // the shape checks below divide by these sizes
    detail::check_release_options(c, out);
    if (!out.empty()) return out;
    detail::check_world(c, out);
    detail::check_dcp(c, out);
    if (!out.empty()) return out;
    detail::check_p_tp(c, out);
    detail::check_fine_grained(c, c.oproj_tensor_parallel_size, "oproj_tensor_parallel_size", out);
    detail::check_fine_grained(c, c.lmhead_tensor_parallel_size, "lmhead_tensor_parallel_size", out);
    detail::check_fine_grained(c, c.embedding_tensor_parallel_size, "embedding_tensor_parallel_size", out);
    detail::check_fine_grained(c, c.mlp_tensor_parallel_size, "mlp_tensor_parallel_size", out);
    const auto flashcomm2_problems = out.size();
    detail::check_flashcomm2(c, out);
    if (out.size() == flashcomm2_problems) detail::check_shard_weight(c, out);
    return out;
}

/// For a valid config whose world holds E > 1 external data-parallel
/// replicas (vLLM's ExternalDP, e.g. verl), a sentence saying so: legitimate,
/// but also what a mistyped data_parallel_size looks like. "" when E = 1.
[[nodiscard]] inline std::string external_replicas_note(const config& c) {
    if (!validate(c).empty() || detail::external_dp(c) == 1) return {};
    return detail::cat("world_size (", c.world_size, ") holds E = ", detail::external_dp(c),
                       " external data-parallel replicas of D*P*C*T = ", c.world_size / detail::external_dp(c),
                       " ranks (data_parallel_size ", c.data_parallel_size,
                       "); if the replicas belong to one engine, data_parallel_size should say so");
}

/// Throws config_error, attributed to `function`, unless validate(c) is empty.
inline void require_valid(const config& c, const char* function) {
    if (auto found = validate(c); !found.empty()) throw config_error(function, std::move(found));
}

}  // namespace ranktopo
