// ranktopo — the plan: which communicators to create, in which order, who
// shares them, and in which order they are torn down.
//
// A plan is pure data computed from the config alone, so every rank builds
// the same one: the canonical order collective backends need.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "ranktopo/config.hpp"
#include "ranktopo/families.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {

/// The reference's group accessors (get_mc2_group() and friends).
enum class accessor : std::uint8_t {
    mc2,
    mlp_tp,
    otp,
    lmhead_tp,
    embed_tp,
    flashcomm2_otp,
    flashcomm2_odp,
    fc3_quant_x,
    shard_weight,
    p_tp,
    dynamic_eplb,
};

inline constexpr std::size_t accessor_count = 11;

inline constexpr std::array<std::string_view, accessor_count> accessor_names{
    "mc2",         "mlp_tp",       "otp",  "lmhead_tp",   "embed_tp", "flashcomm2_otp", "flashcomm2_odp",
    "fc3_quant_x", "shard_weight", "p_tp", "dynamic_eplb"};

[[nodiscard]] constexpr std::string_view name(accessor a) noexcept {
    return accessor_names[static_cast<std::size_t>(a)];
}

[[nodiscard]] constexpr std::optional<accessor> find_accessor(std::string_view text) noexcept {
    for (std::size_t i = 0; i < accessor_count; ++i) {
        if (accessor_names[i] == text) return static_cast<accessor>(i);
    }
    return std::nullopt;
}

/// One communicator to create: the name the reference passes (engines pick
/// per-group resources from it) and its groups.
struct creation {
    std::string name;
    family groups;
};

/// What an accessor returns: nothing, a planned creation, or the engine's
/// own tensor-parallel group (borrowed: never created or destroyed here).
struct binding {
    enum class kind : std::uint8_t { none, created, borrowed_tp };
    kind source = kind::none;
    int creation = -1;  ///< index into plan::creations when source == created

    [[nodiscard]] static constexpr binding created_at(int index) noexcept { return {kind::created, index}; }
    [[nodiscard]] static constexpr binding borrowed() noexcept { return {kind::borrowed_tp, -1}; }
    friend constexpr bool operator==(const binding&, const binding&) = default;
};

/// The reference's init_ascend_model_parallel / destroy_ascend_model_parallel, as data.
struct plan {
    config topology;
    std::vector<creation> creations;                ///< in creation order
    std::array<binding, accessor_count> handles{};  ///< by accessor
    std::vector<int> destroy_order;                 ///< distinct owned creations, first teardown first

    [[nodiscard]] const binding& handle(accessor a) const noexcept { return handles[static_cast<std::size_t>(a)]; }
};

/// The reference's teardown sequence (destroy_ascend_model_parallel).
inline constexpr std::array<accessor, accessor_count> teardown_sequence{
    accessor::mc2,          accessor::mlp_tp,      accessor::lmhead_tp,      accessor::embed_tp,
    accessor::otp,          accessor::p_tp,        accessor::flashcomm2_otp, accessor::flashcomm2_odp,
    accessor::shard_weight, accessor::fc3_quant_x, accessor::dynamic_eplb};

/// The plan for `c`. Throws config_error, naming the option(s) and values,
/// for any config the reference cannot serve: never a partial plan.
[[nodiscard]] inline plan make_plan(const config& c) {
    require_valid(c, "ranktopo::make_plan");
    plan out;
    out.topology = c;
    const auto create = [&](accessor a, std::string name, family groups) {
        out.creations.push_back({std::move(name), std::move(groups)});
        out.handles[static_cast<std::size_t>(a)] = binding::created_at(static_cast<int>(out.creations.size() - 1));
    };

    if (detail::p_tp_enabled(c)) {
        family groups = families::p_tp(c);
        // Named after the group holding local_rank (not the global rank): a
        // reference quirk kept so names agree with the Python side.
        const int index = groups.locate(c.local_rank).group;
        create(accessor::p_tp, "p_tp_" + std::to_string(index), std::move(groups));
    }

    const family mc2 = families::mc2(c);
    create(accessor::mc2, "mc2", mc2);
    if (c.dynamic_eplb) create(accessor::dynamic_eplb, "dynamic_eplb", mc2);

    // One creation per distinct size, named after the first module with it.
    const std::array<std::tuple<accessor, const char*, int>, 4> fine_grained{{
        {accessor::otp, "otp", c.oproj_tensor_parallel_size},
        {accessor::lmhead_tp, "lmheadtp", c.lmhead_tensor_parallel_size},
        {accessor::embed_tp, "emtp", c.embedding_tensor_parallel_size},
        {accessor::mlp_tp, "mlptp", c.mlp_tensor_parallel_size},
    }};
    std::vector<std::pair<int, binding>> created_by_size;
    for (const auto& [who, name, size] : fine_grained) {
        if (size <= 0) continue;
        const auto same = std::find_if(created_by_size.begin(), created_by_size.end(),
                                       [size = size](const auto& entry) { return entry.first == size; });
        if (same != created_by_size.end()) {
            out.handles[static_cast<std::size_t>(who)] = same->second;
        } else {
            create(who, name, families::fine_grained(c, size));
            created_by_size.emplace_back(size, out.handle(who));
        }
    }

    if (c.flashcomm2_enabled) {
        if (detail::flashcomm2_groups_enabled(c)) {
            create(accessor::flashcomm2_otp, "flashcomm2_otp", families::flashcomm2_otp(c));
            create(accessor::flashcomm2_odp, "flashcomm2_odp", families::flashcomm2_odp(c));
        } else {
            out.handles[static_cast<std::size_t>(accessor::flashcomm2_odp)] = binding::borrowed();
        }
    }

    if (c.layer_sharding) create(accessor::shard_weight, "shard_weight", families::shard_weight(c));
    if (c.multistream_overlap_gate) create(accessor::fc3_quant_x, "fc3_quant_x", mc2);

    for (accessor a : teardown_sequence) {
        const binding& b = out.handle(a);
        if (b.source != binding::kind::created) continue;
        if (std::find(out.destroy_order.begin(), out.destroy_order.end(), b.creation) == out.destroy_order.end()) {
            out.destroy_order.push_back(b.creation);
        }
    }
    return out;
}

}  // namespace ranktopo
