// ranktopo — every family a config builds, by name: vLLM's own and the plan's.
//
// What tools list, show and check: vLLM's world, tp, pp, dp, pcp and ep
// groups (which vLLM always builds, size-1 groups included), vLLM's dcp
// groups when decode_context_parallel_size > 1 (vLLM builds them always too;
// left out at 1 so that the outputs of configs without DCP are unchanged),
// then each
// creation of the plan, in creation order, with the accessors it serves.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ranktopo/families.hpp"
#include "ranktopo/family.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo {

enum class family_origin { vllm, reference };

struct named_family {
    std::string name;                    ///< what tools call it: "tp", "mc2", "mlptp", "p_tp"
    std::string communicator;            ///< the group name the communicator is created with: "tp", "p_tp_3"
    std::vector<std::string> accessors;  ///< reference accessors that return it ("mlp_tp", ...)
    family_origin origin = family_origin::vllm;
    family groups;
};

/// The accessors in the order the reference creates their groups.
inline constexpr std::array<accessor, accessor_count> creation_sequence{
    accessor::p_tp,           accessor::mc2,          accessor::dynamic_eplb, accessor::otp,
    accessor::lmhead_tp,      accessor::embed_tp,     accessor::mlp_tp,       accessor::flashcomm2_otp,
    accessor::flashcomm2_odp, accessor::shard_weight, accessor::fc3_quant_x};

/// vLLM's own families, in the order tools list them (dcp only when
/// decode_context_parallel_size > 1).
inline constexpr std::array<std::string_view, 7> vllm_family_names{"world", "tp", "dcp", "pp", "dp", "pcp", "ep"};

/// Every family `p` builds: vLLM's, then the plan's creations.
[[nodiscard]] inline std::vector<named_family> enabled_families(const plan& p) {
    const config& c = p.topology;
    std::vector<named_family> out;
    const auto add_vllm = [&](const std::string& name, family groups) {
        out.push_back({name, name, {}, family_origin::vllm, std::move(groups)});
    };
    add_vllm("world", families::world(c));
    add_vllm("tp", families::tp(c));
    if (p.handle(accessor::flashcomm2_odp).source == binding::kind::borrowed_tp) {
        out.back().accessors.emplace_back(name(accessor::flashcomm2_odp));
    }
    if (c.decode_context_parallel_size > 1) add_vllm("dcp", families::dcp(c));
    add_vllm("pp", families::pp(c));
    add_vllm("dp", families::dp(c));
    add_vllm("pcp", families::pcp(c));
    add_vllm("ep", families::ep(c));
    for (std::size_t i = 0; i < p.creations.size(); ++i) {
        const creation& made = p.creations[i];
        named_family entry{made.name, made.name, {}, family_origin::reference, made.groups};
        if (made.name.starts_with("p_tp_")) entry.name = "p_tp";  // named after a group index
        for (accessor a : creation_sequence) {
            const binding& b = p.handle(a);
            if (b.source == binding::kind::created && b.creation == static_cast<int>(i)) {
                entry.accessors.emplace_back(name(a));
            }
        }
        out.push_back(std::move(entry));
    }
    return out;
}

/// The family called `name` (its name, its communicator's name or an
/// accessor it serves), or nullptr.
[[nodiscard]] inline const named_family* find_family(const std::vector<named_family>& all, std::string_view name) {
    for (const named_family& f : all)
        if (f.name == name || f.communicator == name) return &f;
    for (const named_family& f : all)
        for (const std::string& a : f.accessors)
            if (a == name) return &f;
    return nullptr;
}

}  // namespace ranktopo
