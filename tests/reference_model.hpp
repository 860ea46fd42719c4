// An independent model of the reference for the tests: the formulas of
// shared/reference/layouts.md transcribed literally as loop nests that list
// each family's groups one after another, with the reference's failures
// ("reshape invalid", "rank in no group") detected as they happen. It shares no code with the library's
// layouts, so agreement between the two is evidence, not tautology.
#pragma once

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ranktopo/config.hpp"

namespace ranktopo_test {

/// A family as the model builds it: `size` ranks per group, the groups one
/// after another in `ranks`. Flat, so that a family costs one allocation, not
/// one per group: the property sweep runs these loop nests on millions of
/// configs, under the sanitizers too, where each allocation is expensive.
struct groups_t {
    int size = 0;
    std::vector<int> ranks;

    [[nodiscard]] int count() const { return size == 0 ? 0 : static_cast<int>(ranks.size()) / size; }
    [[nodiscard]] int at(int group, int position) const {
        return ranks.at(static_cast<std::size_t>(group) * static_cast<std::size_t>(size) +
                        static_cast<std::size_t>(position));
    }
};

/// One communicator of the model: the name the reference passes and its groups.
struct model_creation {
    std::string name;
    groups_t groups;
};

/// What the model says the reference does: the golden "expected" part.
struct model_plan {
    std::vector<model_creation> creations;
    std::vector<std::pair<std::string, int>> handles;  ///< accessor, creation index (borrowed_tp for "borrowed:tp")
    std::vector<int> destroy_order;

    static constexpr int borrowed_tp = -1;

    /// The plan as `ranktopo plan` writes it: the golden files' form, compact,
    /// handles in the order shared/golden/README.md lists the accessors.
    [[nodiscard]] std::string to_text() const {
        std::string out = "{\"creations\":[";
        for (std::size_t i = 0; i < creations.size(); ++i) {
            const model_creation& made = creations[i];
            out += i == 0 ? "{\"name\":\"" : ",{\"name\":\"";
            out += made.name;
            out += "\",\"groups\":[";
            for (int g = 0; g < made.groups.count(); ++g) {
                out += g == 0 ? "[" : ",[";
                for (int j = 0; j < made.groups.size; ++j) {
                    if (j > 0) out += ',';
                    out += std::to_string(made.groups.at(g, j));
                }
                out += ']';
            }
            out += "]}";
        }
        out += "],\"handles\":{";
        bool first = true;
        for (const char* accessor : {"mc2", "mlp_tp", "otp", "lmhead_tp", "embed_tp", "flashcomm2_otp",
                                     "flashcomm2_odp", "fc3_quant_x", "shard_weight", "p_tp", "dynamic_eplb"}) {
            for (const auto& [a, index] : handles) {
                if (a != accessor) continue;
                out += first ? "\"" : ",\"";
                first = false;
                out += a;
                out += "\":";
                out += index == borrowed_tp ? std::string("\"borrowed:tp\"") : std::to_string(index);
            }
        }
        out += "},\"destroy_order\":[";
        for (std::size_t i = 0; i < destroy_order.size(); ++i) {
            if (i > 0) out += ',';
            out += std::to_string(destroy_order[i]);
        }
        out += "]}\n";
        return out;
    }
};

/// Releases in order, and where each one's parallel_state.py changed (read
/// from the diffs between the tags; independent of the library's recipes).
inline int release_order(std::string_view version) {
    static const char* const order[] = {"0.13.0rc2", "0.14.0rc1", "0.13.0",    "0.15.0rc1", "0.16.0rc1", "0.17.0rc1",
                                        "0.18.0rc1", "0.18.0",    "0.19.1rc1", "0.20.2rc1", "0.21.0rc1", "0.22.1rc1",
                                        "0.23.0rc1", "0.23.0",    "0.24.0rc1", "0.25.1rc1"};
    for (int i = 0; i < 16; ++i)
        if (version == order[i]) return i;
    throw std::invalid_argument("unknown release " + std::string(version));
}

/// What the reference does with `c` (the golden "expected" part), or nullopt
/// where it fails (or has no such option).
inline std::optional<model_plan> reference_model(const ranktopo::config& c) {
    const int v = release_order(c.vllm_ascend_version.version());
    const auto since = [&](const char* version) { return v >= release_order(version); };
    const bool has_dynamic_eplb = since("0.15.0rc1");
    const bool has_shard_weight_and_fc3 = !since("0.24.0rc1");
    const bool has_flashcomm2 = !since("0.25.1rc1");
    if (!has_dynamic_eplb && c.dynamic_eplb) return std::nullopt;
    if (!has_shard_weight_and_fc3 && (c.layer_sharding || c.dsa_cp_layer_shard || c.multistream_overlap_gate))
        return std::nullopt;
    if (!has_flashcomm2 && (c.flashcomm2_enabled || c.flashcomm2_oproj_tensor_parallel_size != 1)) return std::nullopt;
    const int N = c.world_size, T = c.tensor_parallel_size, D = c.data_parallel_size, P = c.pipeline_parallel_size,
              C = c.prefill_context_parallel_size;
    if (N < 1 || T < 1 || D < 1 || P < 1 || C < 1) return std::nullopt;
    if (N % (D * P * C * T) != 0) return std::nullopt;
    const int E = N / (D * P * C * T);
    const auto vllm_rank = [&](int e, int d, int p, int cc, int t) { return (((e * D + d) * P + p) * C + cc) * T + t; };
    const auto covers_world = [&](const groups_t& groups) {
        std::vector<bool> seen(static_cast<std::size_t>(N), false);
        for (int r : groups.ranks) seen.at(static_cast<std::size_t>(r)) = true;
        for (bool s : seen)
            if (!s) return false;
        return true;
    };
    const auto blocks = [&](int size) {
        groups_t out{size, {}};
        out.ranks.reserve(static_cast<std::size_t>(N));
        for (int r = 0; r < N / size * size; ++r) out.ranks.push_back(r);
        return out;
    };

    model_plan out;
    const auto bind = [&](const std::string& accessor, int index) {
        for (auto& [a, i] : out.handles)
            if (a == accessor) {
                i = index;
                return;
            }
        out.handles.emplace_back(accessor, index);
    };
    const auto handle = [&](const std::string& accessor) {
        for (const auto& [a, i] : out.handles)
            if (a == accessor) return std::optional<int>(i);
        return std::optional<int>();
    };
    const auto create = [&](const std::string& accessor, const std::string& name, const groups_t& groups) {
        out.creations.push_back({name, groups});
        bind(accessor, static_cast<int>(out.creations.size()) - 1);
    };

    // 1. p_tp
    if (c.pd_head_ratio > 1 && c.is_kv_producer) {
        const int R = c.pd_tp_ratio, h = c.num_head_replica;
        const int remote = T / R;
        groups_t g;
        if (h <= 1) {
            if (R < 1 || N % R != 0) return std::nullopt;
            g = blocks(R);
        } else {
            const int B = since("0.18.0rc1") ? D * P * C : since("0.17.0rc1") ? D * C : D;
            if (N % (B * h) != 0) return std::nullopt;
            const int H = N / (B * h);
            if (remote == 0) return std::nullopt;
            const int A = H / remote;
            if (A == 0 || H % A != 0) return std::nullopt;
            g.size = A;
            for (int b = 0; b < B; ++b)
                for (int r = 0; r < h; ++r)
                    for (int gg = 0; gg < H / A; ++gg)
                        for (int a = 0; a < A; ++a) g.ranks.push_back(b * H * h + (gg * A + a) * h + r);
        }
        int index = -1;
        for (int i = 0; i < g.count() && index < 0; ++i)
            for (int j = 0; j < g.size; ++j)
                if (g.at(i, j) == c.local_rank) index = i;
        if (!covers_world(g)) return std::nullopt;
        create("p_tp", "p_tp_" + (index < 0 ? std::string("None") : std::to_string(index)), g);
    }
    // 2, 3. mc2 and dynamic_eplb (and, from 0.18, fc3_quant_x): from 0.18 on
    // vLLM's EP groups, for e, p the ranks (d, c, t).
    groups_t mc2;
    if (since("0.18.0rc1")) {
        mc2.size = D * C * T;
        for (int e = 0; e < E; ++e)
            for (int p = 0; p < P; ++p)
                for (int d = 0; d < D; ++d)
                    for (int cc = 0; cc < C; ++cc)
                        for (int t = 0; t < T; ++t) mc2.ranks.push_back(vllm_rank(e, d, p, cc, t));
    } else {
        mc2 = blocks(D * C * T);
    }
    create("mc2", "mc2", mc2);
    if (c.dynamic_eplb) create("dynamic_eplb", "dynamic_eplb", mc2);
    if (since("0.18.0rc1") && c.multistream_overlap_gate) create("fc3_quant_x", "fc3_quant_x", mc2);
    // 4. fine-grained TP
    const struct {
        const char* accessor;
        const char* name;
        int size;
    } modules[] = {{"otp", "otp", c.oproj_tensor_parallel_size},
                   {"lmhead_tp", "lmheadtp", c.lmhead_tensor_parallel_size},
                   {"embed_tp", "emtp", c.embedding_tensor_parallel_size},
                   {"mlp_tp", "mlptp", c.mlp_tensor_parallel_size}};
    std::vector<std::pair<int, int>> by_size;  // size, creation
    for (const auto& m : modules) {
        if (m.size <= 0) continue;
        bool shared = false;
        for (const auto& [size, index] : by_size)
            if (size == m.size) {
                bind(m.accessor, index);
                shared = true;
            }
        if (shared) continue;
        if (N != P * D * T) return std::nullopt;
        const int s = m.size;
        groups_t g{s, {}};
        for (int p = 0; p < P; ++p)
            for (int ch = 0; ch < D / s; ++ch)
                for (int t = 0; t < T; ++t)
                    for (int i = 0; i < s; ++i) g.ranks.push_back(p * D * T + (ch * s + i) * T + t);
        if (!covers_world(g)) return std::nullopt;
        create(m.accessor, m.name, g);
        by_size.emplace_back(s, *handle(m.accessor));
    }
    // 5. FlashComm2
    groups_t flashcomm2_otp;
    const int S = c.flashcomm2_oproj_tensor_parallel_size;
    if (c.flashcomm2_enabled) {
        if (S < 1) return std::nullopt;
        if (S == 1) {
            bind("flashcomm2_odp", model_plan::borrowed_tp);
        } else {
            const int n = T / S;
            flashcomm2_otp.size = S;
            groups_t odp{n, {}};
            for (int d = 0; d < D; ++d)
                for (int p = 0; p < P; ++p) {
                    const int base = (d * P + p) * T;
                    for (int i = 0; i < n; ++i)
                        for (int j = 0; j < S; ++j) flashcomm2_otp.ranks.push_back(base + i + j * n);
                    for (int j = 0; j < S; ++j)
                        for (int i = 0; i < n; ++i) odp.ranks.push_back(base + j * n + i);
                }
            if (!covers_world(flashcomm2_otp) || !covers_world(odp)) return std::nullopt;
            create("flashcomm2_otp", "flashcomm2_otp", flashcomm2_otp);
            create("flashcomm2_odp", "flashcomm2_odp", odp);
        }
    }
    // 6. shard_weight
    if (c.layer_sharding) {
        std::optional<groups_t> M;
        bool squeezed = false;  // the FlashComm2 rows go through torch.tensor(...).squeeze(0)
        if (c.flashcomm2_enabled) {
            squeezed = true;
            if (flashcomm2_otp.count() > 0) M = flashcomm2_otp;
        } else if (!c.dsa_cp_layer_shard) {
            M = groups_t{T, {}};
            for (int r = 0; r < N / T * T; ++r) M->ranks.push_back(r);
        }
        groups_t g;
        if (!M) {
            g.size = E * D * T * C;
            for (int p = 0; p < P; ++p)
                for (int e = 0; e < E; ++e)
                    for (int d = 0; d < D; ++d)
                        for (int t = 0; t < T; ++t)
                            for (int cc = 0; cc < C; ++cc) g.ranks.push_back(vllm_rank(e, d, p, cc, t));
        } else {
            const int R = M->count();
            const int W = M->size;
            if (squeezed && R == 1) return std::nullopt;  // 1-D after the squeeze: the transpose fails
            const int G = N / (P * W);
            if (R != P * G) return std::nullopt;
            g.size = G;
            for (int q = 0; q < P; ++q)
                for (int w = 0; w < W; ++w)
                    for (int gg = 0; gg < G; ++gg) g.ranks.push_back(M->at(q * G + gg, w));
        }
        if (!covers_world(g)) return std::nullopt;
        create("shard_weight", "shard_weight", g);
    }
    // 7. fc3_quant_x, last up to 0.17
    if (!since("0.18.0rc1") && c.multistream_overlap_gate) create("fc3_quant_x", "fc3_quant_x", mc2);

    for (const char* a : {"mc2", "mlp_tp", "lmhead_tp", "embed_tp", "otp", "p_tp", "flashcomm2_otp", "flashcomm2_odp",
                          "shard_weight", "fc3_quant_x", "dynamic_eplb"}) {
        const std::optional<int> index = handle(a);
        if (!index || *index == model_plan::borrowed_tp) continue;
        if (std::find(out.destroy_order.begin(), out.destroy_order.end(), *index) == out.destroy_order.end())
            out.destroy_order.push_back(*index);
    }
    return out;
}

}  // namespace ranktopo_test
