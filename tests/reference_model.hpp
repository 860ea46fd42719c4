// An independent model of the reference for the tests: the formulas of
// shared/reference/layouts.md transcribed literally as loop nests over
// lists of lists, with the reference's failures ("reshape invalid", "rank in
// no group") detected as they happen. It shares no code with the library's
// layouts, so agreement between the two is evidence, not tautology.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ranktopo/config.hpp"

namespace ranktopo_test {

using groups_t = std::vector<std::vector<int>>;

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

/// The golden "expected" part for `c`, or nullopt where the reference fails
/// (or has no such option).
inline std::optional<nlohmann::json> reference_model(const ranktopo::config& c) {
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
        for (const auto& g : groups)
            for (int r : g) seen.at(static_cast<std::size_t>(r)) = true;
        for (bool s : seen)
            if (!s) return false;
        return true;
    };
    const auto blocks = [&](int size) {
        groups_t out;
        for (int b = 0; b < N / size; ++b) {
            out.emplace_back();
            for (int i = 0; i < size; ++i) out.back().push_back(b * size + i);
        }
        return out;
    };

    nlohmann::json creations = nlohmann::json::array();
    nlohmann::json handles = nlohmann::json::object();
    const auto create = [&](const std::string& accessor, const std::string& name, const groups_t& groups) {
        creations.push_back({{"name", name}, {"groups", groups}});
        handles[accessor] = creations.size() - 1;
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
            for (int b = 0; b < B; ++b)
                for (int r = 0; r < h; ++r)
                    for (int gg = 0; gg < H / A; ++gg) {
                        g.emplace_back();
                        for (int a = 0; a < A; ++a) g.back().push_back(b * H * h + (gg * A + a) * h + r);
                    }
        }
        int index = -1;
        for (std::size_t i = 0; i < g.size() && index < 0; ++i)
            for (int r : g[i])
                if (r == c.local_rank) index = static_cast<int>(i);
        if (!covers_world(g)) return std::nullopt;
        create("p_tp", "p_tp_" + (index < 0 ? std::string("None") : std::to_string(index)), g);
    }
    // 2, 3. mc2 and dynamic_eplb (and, from 0.18, fc3_quant_x): from 0.18 on
    // vLLM's EP groups, for e, p the ranks (d, c, t).
    groups_t mc2;
    if (since("0.18.0rc1")) {
        for (int e = 0; e < E; ++e)
            for (int p = 0; p < P; ++p) {
                mc2.emplace_back();
                for (int d = 0; d < D; ++d)
                    for (int cc = 0; cc < C; ++cc)
                        for (int t = 0; t < T; ++t) mc2.back().push_back(vllm_rank(e, d, p, cc, t));
            }
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
    std::vector<std::pair<int, nlohmann::json>> by_size;
    for (const auto& m : modules) {
        if (m.size <= 0) continue;
        bool shared = false;
        for (const auto& [size, handle] : by_size)
            if (size == m.size) {
                handles[m.accessor] = handle;
                shared = true;
            }
        if (shared) continue;
        if (N != P * D * T) return std::nullopt;
        const int s = m.size;
        groups_t g;
        for (int p = 0; p < P; ++p)
            for (int ch = 0; ch < D / s; ++ch)
                for (int t = 0; t < T; ++t) {
                    g.emplace_back();
                    for (int i = 0; i < s; ++i) g.back().push_back(p * D * T + (ch * s + i) * T + t);
                }
        if (!covers_world(g)) return std::nullopt;
        create(m.accessor, m.name, g);
        by_size.emplace_back(s, handles[m.accessor]);
    }
    // 5. FlashComm2
    groups_t flashcomm2_otp;
    const int S = c.flashcomm2_oproj_tensor_parallel_size;
    if (c.flashcomm2_enabled) {
        if (S < 1) return std::nullopt;
        if (S == 1) {
            handles["flashcomm2_odp"] = "borrowed:tp";
        } else {
            const int n = T / S;
            groups_t odp;
            for (int d = 0; d < D; ++d)
                for (int p = 0; p < P; ++p) {
                    const int base = (d * P + p) * T;
                    for (int i = 0; i < n; ++i) {
                        flashcomm2_otp.emplace_back();
                        for (int j = 0; j < S; ++j) flashcomm2_otp.back().push_back(base + i + j * n);
                    }
                    for (int j = 0; j < S; ++j) {
                        odp.emplace_back();
                        for (int i = 0; i < n; ++i) odp.back().push_back(base + j * n + i);
                    }
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
            if (!flashcomm2_otp.empty()) M = flashcomm2_otp;
        } else if (!c.dsa_cp_layer_shard) {
            M = groups_t(static_cast<std::size_t>(N / T));
            for (int m = 0; m < N / T; ++m)
                for (int t = 0; t < T; ++t) (*M)[static_cast<std::size_t>(m)].push_back(m * T + t);
        }
        groups_t g;
        if (!M) {
            for (int p = 0; p < P; ++p) {
                g.emplace_back();
                for (int e = 0; e < E; ++e)
                    for (int d = 0; d < D; ++d)
                        for (int t = 0; t < T; ++t)
                            for (int cc = 0; cc < C; ++cc) g.back().push_back(vllm_rank(e, d, p, cc, t));
            }
        } else {
            const auto R = static_cast<int>(M->size());
            const auto W = static_cast<int>(M->front().size());
            if (squeezed && R == 1) return std::nullopt;  // 1-D after the squeeze: the transpose fails
            const int G = N / (P * W);
            if (R != P * G) return std::nullopt;
            for (int q = 0; q < P; ++q)
                for (int w = 0; w < W; ++w) {
                    g.emplace_back();
                    for (int gg = 0; gg < G; ++gg)
                        g.back().push_back((*M)[static_cast<std::size_t>(q * G + gg)][static_cast<std::size_t>(w)]);
                }
        }
        if (!covers_world(g)) return std::nullopt;
        create("shard_weight", "shard_weight", g);
    }
    // 7. fc3_quant_x, last up to 0.17
    if (!since("0.18.0rc1") && c.multistream_overlap_gate) create("fc3_quant_x", "fc3_quant_x", mc2);

    nlohmann::json destroy = nlohmann::json::array();
    for (const char* a : {"mc2", "mlp_tp", "lmhead_tp", "embed_tp", "otp", "p_tp", "flashcomm2_otp", "flashcomm2_odp",
                          "shard_weight", "fc3_quant_x", "dynamic_eplb"}) {
        if (!handles.contains(a) || !handles[a].is_number()) continue;
        bool seen = false;
        for (const auto& x : destroy) seen = seen || x == handles[a];
        if (!seen) destroy.push_back(handles[a]);
    }
    return nlohmann::json{{"creations", creations}, {"handles", handles}, {"destroy_order", destroy}};
}

}  // namespace ranktopo_test
