// ranktopo — a deployment as people write it, read as the release reads it.
//
// Each release's own rules: the common ones from vllm-ascend v0.17.0rc1, and
// each difference from its tag, named where it applies (docs/deployment.md has
// the table by release). Which additional-config keys and environment
// variables each release reads is generated from the tags (release_tables.hpp).
// Rules, unless a comment says otherwise, from vllm-ascend v0.17.0rc1:
//   vllm_ascend/ascend_config.py  AscendConfig.__init__, FinegrainedTPConfig, EplbConfig
//   vllm_ascend/utils.py          flashcomm2_enable, get_flashcomm2_config_and_validate,
//                                 enable_sp, enable_dsa_cp, enable_dsa_cp_with_layer_shard
//   vllm_ascend/envs.py           VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE, VLLM_ASCEND_ENABLE_FLASHCOMM1
//   vllm_ascend/distributed/parallel_state.py  layer_sharding is not None
// and from vLLM v0.17.0 (the release's VLLM_TAG): argument names in
// vllm/engine/arg_utils.py, KVTransferConfig.is_kv_producer / is_kv_consumer,
// ModelConfig.is_deepseek_mla, ParallelConfig.world_size_across_dp.
#include "ranktopo/deployment.hpp"
#include "ranktopo/nearest.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_strict.hpp"
#include "ranktopo/validate.hpp"
#include "release_tables.hpp"
#include "vllm_flags.hpp"

namespace ranktopo {
namespace {

using detail::cat;
using json = nlohmann::json;

constexpr const char* function = "ranktopo::read_deployment";

[[noreturn]] void refuse(std::string option, std::string message) {
    throw config_error(function, {{std::move(option), std::move(message)}});
}

std::string shown(const json& value) {
    std::string text = value.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}

/// The nearest of `names` however far: a warning about a key vllm-ascend
/// ignores always names the closest one it reads (nearest_name only answers
/// for likely typos).
template <typename Names>
std::string_view nearest(std::string_view key, const Names& names) {
    std::string_view best;
    std::size_t best_distance = SIZE_MAX;
    for (std::string_view n : names) {
        if (const std::size_t dist = edit_distance(key, n); dist < best_distance) {
            best = n;
            best_distance = dist;
        }
    }
    return best;
}

/// The releases (bit i: releases[i]) whose code reads `name` in `table`; 0 when none does.
template <typename Table>
std::uint16_t readers(const Table& table, std::string_view name) {
    for (const detail::release_name& entry : table)
        if (entry.name == name) return entry.releases;
    return 0;
}

bool read_by(std::uint16_t mask, release r) {
    return ((mask >> r.index()) & 1U) != 0;
}

/// The names of `table` that release `r` reads.
template <typename Table>
std::vector<std::string_view> names_read(const Table& table, release r) {
    std::vector<std::string_view> out;
    for (const detail::release_name& entry : table)
        if (read_by(entry.releases, r)) out.push_back(entry.name);
    return out;
}

/// "0.13.0rc2..0.23.0": the first and the last release of `mask`.
std::string release_span(std::uint16_t mask) {
    std::string_view first;
    std::string_view last;
    for (std::size_t i = 0; i < releases.size(); ++i) {
        if (((mask >> i) & 1U) == 0) continue;
        if (first.empty()) first = releases[i].version;
        last = releases[i].version;
    }
    return first == last ? std::string(first) : cat(first, "..", last);
}

constexpr std::array<std::string_view, 4> finegrained_keys{"oproj_tensor_parallel_size", "lmhead_tensor_parallel_size",
                                                           "embedding_tensor_parallel_size",
                                                           "mlp_tensor_parallel_size"};
/// FinegrainedTPConfig from 0.21.0rc1 also reads olora_tensor_parallel_size (no group of its own).
constexpr std::array<std::string_view, 5> finegrained_keys_0_21{
    "oproj_tensor_parallel_size", "lmhead_tensor_parallel_size", "embedding_tensor_parallel_size",
    "mlp_tensor_parallel_size", "olora_tensor_parallel_size"};

/// EplbConfig._defaults: any other key raises ValueError("Config has no attribute ...").
constexpr std::array<std::string_view, 7> eplb_keys{"dynamic_eplb",
                                                    "expert_map_path",
                                                    "expert_heat_collection_interval",
                                                    "algorithm_execution_interval",
                                                    "expert_map_record_path",
                                                    "num_redundant_experts",
                                                    "eplb_policy_type"};

/// ModelConfig.is_deepseek_mla (vLLM v0.17.0): these model types with a kv_lora_rank that is not None.
constexpr std::array<std::string_view, 6> mla_model_types{"deepseek_v2",  "deepseek_v3", "deepseek_v32",
                                                          "deepseek_mtp", "glm_moe_dsa", "kimi_k2"};

bool is_release_at_least(release r, std::string_view version) {
    const std::optional<release> other = release::find(version);
    return other && r.index() >= other->index();
}

/// Python's truth value of a JSON value (bool(x)).
bool truthy(const json& value) {
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number()) return value.get<double>() != 0.0;
    if (value.is_string() || value.is_array() || value.is_object()) return !value.empty();
    return false;  // null
}

int checked_int(const std::string& where, const json& value) {
    if (!value.is_number_integer()) refuse(where, cat(where, " must be an integer, got ", shown(value)));
    if (value.is_number_unsigned() ? value.get<std::uint64_t>() > std::uint64_t{INT_MAX}
                                   : (value.get<std::int64_t>() > INT_MAX || value.get<std::int64_t>() < INT_MIN)) {
        refuse(where, cat(where, " (", value.dump(), ") is outside the range of a 32-bit int"));
    }
    return value.get<int>();
}

bool checked_bool(const std::string& where, const json& value) {
    if (!value.is_boolean()) refuse(where, cat(where, " must be true or false, got ", shown(value)));
    return value.get<bool>();
}

/// Python's int() of an environment variable: optional blanks and sign, digits.
int env_int(const std::string& name, std::string_view text) {
    const std::string where = cat("env ", name);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    int value = 0;
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (status == std::errc::result_out_of_range) refuse(where, cat(where, " (", text, ") is outside 32 bits"));
    if (status != std::errc{} || end != text.data() + text.size() || text.empty()) {
        refuse(where, cat(where, " must be an integer, got '", text, "'"));
    }
    return value;
}

int arg_int(const std::string& flag, std::string_view text, int minimum) {
    int value = 0;
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (status != std::errc{} || end != text.data() + text.size() || text.empty()) {
        refuse(flag, cat(flag, " must be an integer, got '", text, "'"));
    }
    if (value < minimum) refuse(flag, cat(flag, " (", value, ") must be at least ", minimum));
    return value;
}

json parse_object(const std::string& text, const std::string& flag) {
    json document = detail::parse_strict(text, function, flag, flag + ": ");
    if (!document.is_object()) refuse(flag, cat(flag, ": must be a JSON object, got ", shown(document)));
    return document;
}

/// The parts of `vllm serve` arguments that matter here.
struct vllm_arguments {
    std::vector<std::pair<std::string, int>> sizes;  ///< flag as written (long form), value
    bool enable_expert_parallel = false;
    bool enforce_eager = false;
    std::string additional_config;
    std::string kv_transfer_config;
    std::vector<option_source> skipped;  ///< vLLM arguments that do not affect the groups, with their values
};

struct size_flag {
    std::string_view long_name;
    std::string_view short_name;
    int minimum;
};
/// vllm/engine/arg_utils.py, EngineArgs.add_cli_args (parallel group).
constexpr std::array<size_flag, 6> size_flags{{{"--tensor-parallel-size", "-tp", 1},
                                               {"--data-parallel-size", "-dp", 1},
                                               {"--pipeline-parallel-size", "-pp", 1},
                                               {"--prefill-context-parallel-size", "-pcp", 1},
                                               {"--decode-context-parallel-size", "-dcp", 1},
                                               {"--data-parallel-size-local", "-dpl", 0}}};  // 0: a headless node

bool is_vllm_flag(std::string_view name) {
    return std::find(detail::vllm_long_flags.begin(), detail::vllm_long_flags.end(), name) !=
           detail::vllm_long_flags.end();
}

/// The long form of a `vllm serve` flag as written ("-tp" -> "--tensor-parallel-size",
/// "--no-enforce-eager" -> "--enforce-eager"), or "" when vLLM has no such flag.
std::string long_form(const std::string& name, bool& negated) {
    negated = false;
    if (!name.starts_with("--")) {
        for (const detail::vllm_short_flag& f : detail::vllm_short_flags)
            if (f.short_name == name) return std::string(f.long_name);
        if (name.starts_with("-O")) return "--compilation-config";  // -O3, -O.mode=3: FlexibleArgumentParser
        return "";
    }
    if (is_vllm_flag(name)) return name;
    if (name.starts_with("--no-") && is_vllm_flag("--" + name.substr(5))) {  // argparse.BooleanOptionalAction
        negated = true;
        return "--" + name.substr(5);
    }
    return "";
}

/// The nearest flag vLLM has, long or short.
std::string_view nearest_vllm_flag(std::string_view name) {
    std::string_view best = nearest(name, detail::vllm_long_flags);
    std::size_t best_distance = edit_distance(name, best);
    for (const detail::vllm_short_flag& f : detail::vllm_short_flags) {
        if (const std::size_t dist = edit_distance(name, f.short_name); dist < best_distance) {
            best = f.short_name;
            best_distance = dist;
        }
    }
    return best;
}

vllm_arguments read_vllm_args(const std::vector<std::string>& args) {
    vllm_arguments out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::optional<std::string> inline_value;
        if (name.size() < 2 || name[0] != '-') continue;  // "serve", the model path
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        if (name.starts_with("--")) std::replace(name.begin() + 2, name.end(), '_', '-');  // argparse accepts both
        // FlexibleArgumentParser: --json-flag.key VALUE sets one key of a JSON argument.
        std::string dotted_key;
        if (const auto dot = name.find('.'); dot != std::string::npos && name.starts_with("--")) {
            dotted_key = name.substr(dot + 1);
            name.resize(dot);
        }
        const auto value = [&]() -> std::string {
            if (inline_value) return *inline_value;
            if (i + 1 >= args.size()) refuse(name, cat(name, " needs a value"));
            return args[++i];
        };
        bool negated = false;
        const std::string flag = long_form(name, negated);
        if (flag.empty()) {
            refuse(name, cat("`vllm serve` has no argument '", name, "' (did you mean '", nearest_vllm_flag(name),
                             "'?); ranktopo refuses it rather than plan without it"));
        }
        if (!dotted_key.empty() && (flag == "--additional-config" || flag == "--kv-transfer-config")) {
            refuse(flag, cat(flag, ".", dotted_key, ": ranktopo reads ", flag, " as one JSON object; give ", flag,
                             " '{\"", dotted_key, "\": ...}'"));
        }
        bool known = false;
        for (const size_flag& f : size_flags) {
            if (flag == f.long_name) {
                out.sizes.emplace_back(std::string(f.long_name), arg_int(std::string(f.long_name), value(), f.minimum));
                known = true;
            }
        }
        if (known) continue;
        if (flag == "--enable-expert-parallel") out.enable_expert_parallel = !negated;
        else if (flag == "--enforce-eager") out.enforce_eager = !negated;
        else if (flag == "--additional-config") out.additional_config = value();
        else if (flag == "--kv-transfer-config") out.kv_transfer_config = value();
        else {
            // A flag that does not affect the groups; its value, if any, is the next word
            // unless that is a flag (boolean flags take none).
            std::string shown_value;
            if (inline_value) shown_value = *inline_value;
            else if (!negated && i + 1 < args.size() && !args[i + 1].starts_with("-")) shown_value = args[++i];
            out.skipped.push_back({dotted_key.empty() ? name : cat(name, ".", dotted_key), shown_value});
        }
    }
    return out;
}

/// Records values and where they came from.
class derivation {
public:
    explicit derivation(release r) { result_.values.vllm_ascend_version = r; }
    void set(int config::*member, std::string_view option, int value, std::string source) {
        result_.values.*member = value;
        sources_.emplace_back(std::string(option), std::move(source));
    }
    void set(bool config::*member, std::string_view option, bool value, std::string source) {
        result_.values.*member = value;
        sources_.emplace_back(std::string(option), std::move(source));
    }
    void warn(std::string line) { result_.warnings.push_back(std::move(line)); }
    /// An input the release does not read: one warning line, and its entry in `ignored`.
    void ignore(std::string what, std::string why, std::string line) {
        result_.ignored.push_back({std::move(what), std::move(why)});
        warn(std::move(line));
    }
    void skip(std::string what, std::string why) { result_.skipped.push_back({std::move(what), std::move(why)}); }
    void fact(std::string what, std::string value_and_source) {
        result_.model_facts.push_back({std::move(what), std::move(value_and_source)});
    }
    [[nodiscard]] const config& values() const { return result_.values; }
    derived_config finish() {
        for (const option_info& o : options) {
            std::string source = "default";
            for (const auto& [name, from] : sources_)
                if (name == o.name) source = from;  // the last assignment wins
            result_.sources.push_back({std::string(o.name), source});
        }
        return std::move(result_);
    }

private:
    derived_config result_;
    std::vector<std::pair<std::string, std::string>> sources_;
};

/// The model's text config (vLLM's get_hf_text_config: text_config when present).
const json* text_config(const json* model) {
    if (model == nullptr) return nullptr;
    if (const auto it = model->find("text_config"); it != model->end() && it->is_object()) return &*it;
    return model;
}

bool is_deepseek_mla(const json& text) {
    const auto type = text.find("model_type");
    if (type == text.end() || !type->is_string()) return false;
    const std::string t = type->get<std::string>();
    if (std::find(mla_model_types.begin(), mla_model_types.end(), t) == mla_model_types.end()) return false;
    // transformers' DeepseekV2/V3 configs default kv_lora_rank to 512: absent means set.
    const auto rank = text.find("kv_lora_rank");
    return rank == text.end() || !rank->is_null();
}

/// vLLM's ModelConfig.get_num_experts: the first of these fields present (a list counts
/// its first value; null counts 0). is_moe is "more than 0".
int num_experts(const json& text) {
    for (const char* name : {"num_experts", "moe_num_experts", "n_routed_experts", "num_local_experts"}) {
        const auto it = text.find(name);
        if (it == text.end()) continue;
        const json& v = it->is_array() && !it->empty() ? it->front() : *it;
        if (v.is_number_integer()) return v.get<int>() > 0 ? v.get<int>() : 0;
        return 0;
    }
    return 0;
}

/// vllm-ascend's utils._is_contain_expert (is_moe_model up to 0.14.0rc1): a key naming
/// "expert" anywhere in the text config.
bool contains_expert(const json& value) {
    if (!value.is_object()) return false;
    for (const auto& [k, v] : value.items())
        if (k.find("expert") != std::string::npos || contains_expert(v)) return true;
    return false;
}

}  // namespace

derived_config read_deployment(const deployment& d) {
    const release r = d.vllm_ascend_version;
    const recipe& layout = r.layout();
    derivation out(r);

    // --- vLLM arguments: sizes, world_size = TP·PP·PCP·DP (ParallelConfig.world_size_across_dp).
    vllm_arguments args = read_vllm_args(d.vllm_args);
    const auto take_json = [](std::string& slot, const std::string& given, const char* flag) {
        if (given.empty()) return;
        if (!slot.empty()) refuse(flag, cat(flag, " is given both in the vLLM arguments and on its own"));
        slot = given;
    };
    take_json(args.additional_config, d.additional_config, "--additional-config");
    take_json(args.kv_transfer_config, d.kv_transfer_config, "--kv-transfer-config");
    int tp = 1;
    int dp = 1;
    int pp = 1;
    int pcp = 1;
    int dcp = 1;
    std::optional<int> dp_local;
    for (const auto& [flag, value] : args.sizes) {  // argparse: the last one wins
        if (flag == "--tensor-parallel-size")
            out.set(&config::tensor_parallel_size, "tensor_parallel_size", tp = value, flag);
        if (flag == "--data-parallel-size")
            out.set(&config::data_parallel_size, "data_parallel_size", dp = value, flag);
        if (flag == "--pipeline-parallel-size")
            out.set(&config::pipeline_parallel_size, "pipeline_parallel_size", pp = value, flag);
        if (flag == "--prefill-context-parallel-size") {
            out.set(&config::prefill_context_parallel_size, "prefill_context_parallel_size", pcp = value, flag);
        }
        if (flag == "--data-parallel-size-local") dp_local = value;
        if (flag == "--decode-context-parallel-size") {
            out.set(&config::decode_context_parallel_size, "decode_context_parallel_size", dcp = value, flag);
        }
    }
    // vLLM's ParallelConfig: the DCP group splits each TP group, so its size divides TP.
    if (tp % dcp != 0) {
        refuse("decode_context_parallel_size",
               cat("decode_context_parallel_size (", dcp, ", --decode-context-parallel-size) must divide ",
                   "tensor_parallel_size (", tp, ", --tensor-parallel-size)"));
    }
    if (dp_local && *dp_local > dp) {
        refuse("--data-parallel-size-local",
               cat("--data-parallel-size-local (", *dp_local, ") exceeds --data-parallel-size (", dp, ")"));
    }
    const long long world = static_cast<long long>(tp) * pp * pcp * dp;
    if (world > INT_MAX) refuse("world_size", cat("world_size = TP·PP·PCP·DP (", world, ") is beyond 32 bits"));
    out.set(&config::world_size, "world_size", static_cast<int>(world),
            "TP·PP·PCP·DP (vLLM ParallelConfig.world_size_across_dp)");

    for (const option_source& skipped : args.skipped) out.skip(skipped.option, skipped.source);

    // --- environment (envs.py), as given; the last assignment of a name wins. A variable
    // this release's vllm-ascend does not read is ignored (one warning) when another release
    // reads it or it looks like one of its own (VLLM_ASCEND_*, or a near miss); any other is
    // vLLM's or the runtime's, listed as skipped.
    std::vector<std::pair<std::string, std::string>> environment;
    {
        const std::vector<std::string_view> own = names_read(detail::ascend_env_names, r);
        for (const auto& [k, v] : d.env) {
            const std::uint16_t mask = readers(detail::ascend_env_names, k);
            if (k == "LOCAL_RANK" || read_by(mask, r)) {
                environment.emplace_back(k, v);
                continue;
            }
            const std::string_view near = nearest(k, own);
            const std::string what = cat("env ", k);
            if (mask != 0) {
                out.ignore(
                    what, cat("ignored by ", r.version()),
                    cat(what, " is ignored by vllm-ascend ", r.version(), " (read by ", release_span(mask), ")"));
            } else if (k.starts_with("VLLM_ASCEND_") || edit_distance(k, near) <= 2) {
                out.ignore(what, cat("not read by ", r.version()),
                           cat(what, " is not read by vllm-ascend ", r.version(), "; did you mean '", near, "'?"));
            } else {
                out.skip(what, cat(v, " (not vllm-ascend's: vLLM's or the runtime's)"));
            }
        }
    }
    const auto env = [&](std::string_view name) -> std::optional<std::string> {
        std::optional<std::string> found;
        for (const auto& [k, v] : environment)
            if (k == name) found = v;
        return found;
    };
    if (const auto lr = env("LOCAL_RANK")) {
        const int value = env_int("LOCAL_RANK", *lr);
        if (value < 0) refuse("LOCAL_RANK", cat("env LOCAL_RANK (", value, ") must not be negative"));
        out.set(&config::local_rank, "local_rank", value, "env LOCAL_RANK");
    }

    // --- model config.json
    json model_document;
    if (!d.model_config.empty()) model_document = parse_object(d.model_config, "--model-config");
    const json* model = text_config(d.model_config.empty() ? nullptr : &model_document);
    const auto need_model = [&](std::string_view value, std::string_view why) -> const json& {
        if (model == nullptr) refuse(std::string(value), cat(value, " needs --model-config: ", why));
        return *model;
    };

    // --- KV-transfer config (vLLM KVTransferConfig).
    json kv;
    const bool has_kv = !args.kv_transfer_config.empty();
    bool producer = false;
    bool consumer = false;
    if (has_kv) {
        kv = parse_object(args.kv_transfer_config, "--kv-transfer-config");
        const json connector = kv.value("kv_connector", json());
        const json role = kv.value("kv_role", json());
        if (!connector.is_null() && !connector.is_string()) {
            refuse("--kv-transfer-config",
                   cat("--kv-transfer-config: kv_connector must be a string, got ", shown(connector)));
        }
        if (!role.is_null()) {
            const std::string rs = role.is_string() ? role.get<std::string>() : "";
            if (rs != "kv_producer" && rs != "kv_consumer" && rs != "kv_both") {
                refuse("--kv-transfer-config", cat("--kv-transfer-config: kv_role must be kv_producer, kv_consumer or "
                                                   "kv_both, got ",
                                                   shown(role)));
            }
            producer = !connector.is_null() && (rs == "kv_producer" || rs == "kv_both");
            consumer = !connector.is_null() && (rs == "kv_consumer" || rs == "kv_both");
        } else if (!connector.is_null()) {
            refuse("--kv-transfer-config", "--kv-transfer-config: kv_role is required when kv_connector is set");
        }
        out.set(&config::is_kv_producer, "is_kv_producer", producer,
                "--kv-transfer-config: kv_role (KVTransferConfig.is_kv_producer)");
    }

    // --- additional config: the keys this release reads (release_tables.hpp); any other is
    // ignored with one warning naming the nearest key it reads (nested keys count by their leaf,
    // so a top-level dynamic_eplb points to eplb_config.dynamic_eplb).
    json extra = json::object();
    if (!args.additional_config.empty()) extra = parse_object(args.additional_config, "--additional-config");
    const std::uint16_t eplb_top_level = readers(detail::additional_config_keys, "dynamic_eplb");
    const bool old_eplb = read_by(eplb_top_level, r);  // 0.13.0rc2, 0.13.0: AscendConfig reads eplb keys itself
    const bool olora = is_release_at_least(r, "0.21.0rc1");
    {
        std::vector<std::string> candidates;
        for (std::string_view k : names_read(detail::additional_config_keys, r)) candidates.emplace_back(k);
        if (!old_eplb)
            for (std::string_view k : eplb_keys) candidates.push_back(cat("eplb_config.", k));
        for (std::string_view k : olora ? std::span<const std::string_view>(finegrained_keys_0_21)
                                        : std::span<const std::string_view>(finegrained_keys))
            candidates.push_back(cat("finegrained_tp_config.", k));
        const auto nearest_key = [&](std::string_view key) {
            std::string_view best;
            std::size_t best_distance = SIZE_MAX;
            for (const std::string& c : candidates) {
                const std::string_view leaf = std::string_view(c).substr(c.find('.') + 1);
                const std::size_t dist = std::min(edit_distance(key, c), edit_distance(key, leaf));
                if (dist < best_distance) {
                    best = c;
                    best_distance = dist;
                }
            }
            return best;
        };
        std::vector<std::string> dropped;
        for (const auto& [key, value] : extra.items()) {
            const std::uint16_t mask = readers(detail::additional_config_keys, key);
            if (read_by(mask, r)) continue;
            const std::string what = cat("--additional-config: ", key);
            if (mask != 0) {
                out.ignore(what, cat("ignored by ", r.version()),
                           cat(what, " is ignored by vllm-ascend ", r.version(), " (read by ", release_span(mask),
                               "); did you mean '", nearest_key(key), "'?"));
            } else {
                out.ignore(what, cat("not read by ", r.version()),
                           cat("--additional-config: '", key, "' is not read by vllm-ascend ", r.version(),
                               "; did you mean '", nearest_key(key), "'?"));
            }
            dropped.push_back(key);
        }
        for (const std::string& key : dropped) extra.erase(key);
    }
    const auto section = [&](const char* key) -> json {
        json value = extra.value(key, json::object());
        if (value.is_null()) value = json::object();
        if (!value.is_object())
            refuse(cat("--additional-config: ", key),
                   cat("--additional-config: ", key, " must be an object, got ", shown(value)));
        return value;
    };
    const auto flag_of = [&](const char* key) -> bool {
        const auto it = extra.find(key);
        if (it == extra.end()) return false;
        return checked_bool(cat("--additional-config: ", key), *it);
    };
    // is_moe (vLLM ModelConfig.get_num_experts > 0): from 0.21.0rc1 FinegrainedTPConfig asserts it.
    const auto is_moe = [&](const std::string& where) {
        const json& text = need_model(where,
                                      "fine-grained TP sizes need a MoE model (num_experts, n_routed_experts, ...)");
        const int experts = num_experts(text);
        out.fact("is_moe", experts > 0 ? cat("true (model config: ", experts, " experts)")
                                       : "false (model config: no num_experts, moe_num_experts, n_routed_experts "
                                         "or num_local_experts)");
        return experts > 0;
    };

    // FinegrainedTPConfig.__init__
    const json finegrained = section("finegrained_tp_config");
    const std::span<const std::string_view> fine_keys = olora ? std::span<const std::string_view>(finegrained_keys_0_21)
                                                              : std::span<const std::string_view>(finegrained_keys);
    int olora_size = 0;
    for (const auto& [key, value] : finegrained.items()) {
        if (std::find(fine_keys.begin(), fine_keys.end(), std::string_view(key)) == fine_keys.end()) {
            out.ignore(cat("--additional-config: finegrained_tp_config.", key), cat("not read by ", r.version()),
                       cat("--additional-config: 'finegrained_tp_config.", key, "' is not read by vllm-ascend ",
                           r.version(), "; did you mean 'finegrained_tp_config.", nearest(key, fine_keys), "'?"));
            continue;
        }
        const std::string where = cat("--additional-config: finegrained_tp_config.", key);
        const int size = checked_int(where, value);
        if (size < 0) refuse(where, cat(where, " (", size, ") must be 0 (off) or positive"));
        if (size > 0 && olora && !is_moe(where)) {
            refuse(where, cat(where, " (", size, ") needs a MoE model: vllm-ascend ", r.version(),
                              " enables fine-grained TP only for MoE models (FinegrainedTPConfig)"));
        }
        if (size > 0 && dp % size != 0) {
            refuse(where, cat(where, " (", size, ") must divide data_parallel_size (", dp, ")"));
        }
        if (key == "olora_tensor_parallel_size") {
            olora_size = size;
            continue;
        }
        const option_info* info = find_option(key);
        out.set(info->integer, key, size, where);
    }
    const auto graph_mode_on_consumer = [&](const char* option, int size) {
        if (size <= 0) return;
        if (std::string_view(option) == "oproj_tensor_parallel_size" && is_release_at_least(r, "0.23.0rc1") && tp > 1) {
            refuse(option, cat(option, " (", size, ") needs tensor_parallel_size 1 in vllm-ascend ", r.version(),
                               ", got ", tp));
        }
        if (args.enforce_eager) {
            refuse(option, cat(option, " (", size, ") is only supported in graph mode (without --enforce-eager)"));
        }
        if (!consumer) {
            refuse(option, cat(option, " (", size,
                               ") needs a KV consumer (--kv-transfer-config with kv_role kv_consumer or kv_both)"));
        }
    };
    graph_mode_on_consumer("oproj_tensor_parallel_size", out.values().oproj_tensor_parallel_size);
    graph_mode_on_consumer("olora_tensor_parallel_size", olora_size);
    // From 0.23.0rc1 AscendConfig: o_proj and embedding TP need recompute_scheduler_enable
    // (0.25.1rc1: SchedulerConfig, scheduler_config.recompute_scheduler_enable first).
    if (is_release_at_least(r, "0.23.0rc1") &&
        (out.values().oproj_tensor_parallel_size > 0 || out.values().embedding_tensor_parallel_size > 0)) {
        bool recompute = truthy(extra.value("recompute_scheduler_enable", json(false)));
        if (const json scheduler = section("scheduler_config"); scheduler.contains("recompute_scheduler_enable"))
            recompute = truthy(scheduler["recompute_scheduler_enable"]);
        if (!recompute) {
            const char* option = out.values().oproj_tensor_parallel_size > 0 ? "oproj_tensor_parallel_size"
                                                                             : "embedding_tensor_parallel_size";
            refuse(option, cat(option, " (", option_text(out.values(), *find_option(option)),
                               ") needs recompute_scheduler_enable: true in "
                               "--additional-config in vllm-ascend ",
                               r.version()));
        }
    }

    // EPLB. 0.13.0rc2 and 0.13.0: AscendConfig reads dynamic_eplb and expert_map_record_path at
    // the top level, eplb_config (when not null) replacing them without checking its keys; the
    // model runner (EPLBParamUtils.check_dynamic_eplb) then wants DYNAMIC_EPLB. From 0.14.0rc1:
    // EplbConfig, whose unknown keys raise and whose expert_map_record_path turns dynamic_eplb
    // on; from 0.15.0rc1 it asserts DYNAMIC_EPLB (or EXPERT_MAP_RECORD). Only releases with the
    // dynamic_eplb step create a group for it.
    const auto dynamic_eplb_env = [&](bool record_counts) {
        std::string lower = env("DYNAMIC_EPLB").value_or("false");
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        return lower == "true" || lower == "1" ||
               (record_counts && env("EXPERT_MAP_RECORD").value_or("false") == "true");
    };
    const char* eplb_env_hint =
        "; ranktopo reads no environment by itself: give --env DYNAMIC_EPLB=true, or export it and give "
        "--env-from-process";
    bool dynamic = false;
    std::string eplb_source;
    if (old_eplb) {
        json flag = extra.value("dynamic_eplb", json(false));
        json record = extra.value("expert_map_record_path", json());
        eplb_source = "--additional-config: dynamic_eplb";
        if (const auto it = extra.find("eplb_config"); it != extra.end() && !it->is_null()) {
            const json eplb = section("eplb_config");
            flag = eplb.value("dynamic_eplb", json(false));
            record = eplb.value("expert_map_record_path", json());
            eplb_source = "--additional-config: eplb_config.dynamic_eplb";
        }
        if (truthy(flag) || truthy(record)) {
            if (!flag.is_null() && !flag.is_boolean())
                refuse("dynamic_eplb", cat(eplb_source, " must be true or false, got ", shown(flag)));
            if (truthy(flag) && !dynamic_eplb_env(false)) {
                refuse("dynamic_eplb", cat("dynamic_eplb (", eplb_source,
                                           ") needs DYNAMIC_EPLB=true or 1 in the environment, as "
                                           "EPLBParamUtils.check_dynamic_eplb asserts",
                                           eplb_env_hint));
            }
            dynamic = truthy(flag);
        }
    } else if (extra.contains("eplb_config")) {
        const json eplb = section("eplb_config");
        for (const auto& [key, value] : eplb.items()) {
            if (std::find(eplb_keys.begin(), eplb_keys.end(), std::string_view(key)) == eplb_keys.end()) {
                refuse("--additional-config: eplb_config", cat("--additional-config: eplb_config has no key '", key,
                                                               "' (nearest: '", nearest(key, eplb_keys), "')"));
            }
        }
        if (const auto it = eplb.find("dynamic_eplb"); it != eplb.end()) {
            dynamic = checked_bool("--additional-config: eplb_config.dynamic_eplb", *it);
            eplb_source = "--additional-config: eplb_config.dynamic_eplb";
        }
        if (const auto it = eplb.find("expert_map_record_path"); it != eplb.end() && !it->is_null()) {
            dynamic = true;
            eplb_source = "--additional-config: eplb_config.expert_map_record_path";
        }
        if (dynamic && is_release_at_least(r, "0.15.0rc1") && !dynamic_eplb_env(true)) {
            refuse("dynamic_eplb", cat("dynamic_eplb (", eplb_source,
                                       ") needs DYNAMIC_EPLB=true (or EXPERT_MAP_RECORD=true) in the environment, as "
                                       "EplbConfig._validate_config asserts",
                                       eplb_env_hint));
        }
    }
    if (!eplb_source.empty()) {
        if (layout.has(step::dynamic_eplb)) {
            out.set(&config::dynamic_eplb, "dynamic_eplb", dynamic, eplb_source);
        } else if (dynamic) {
            out.skip("dynamic_eplb", cat("true (", eplb_source, "): vllm-ascend ", r.version(),
                                         " reads it but creates no dynamic_eplb group"));
        }
    }

    // layer_sharding: parallel_state.py builds shard_weight when it `is not None`.
    json layer_sharding;
    if (const auto it = extra.find("layer_sharding"); it != extra.end() && !it->is_null()) {
        const std::string where = "--additional-config: layer_sharding";
        if (!it->is_array() || !std::all_of(it->begin(), it->end(), [](const json& v) { return v.is_string(); })) {
            refuse(where, cat(where, " must be a list of layer names, got ", shown(*it)));
        }
        layer_sharding = *it;
        out.set(&config::layer_sharding, "layer_sharding", true, where);
    }

    if (const auto it = extra.find("multistream_overlap_gate"); it != extra.end()) {
        const bool gate = checked_bool("--additional-config: multistream_overlap_gate", *it);
        out.set(&config::multistream_overlap_gate, "multistream_overlap_gate", gate,
                "--additional-config: multistream_overlap_gate");
    }

    // pd_tp_ratio, num_head_replica, pd_head_ratio: AscendConfig.__init__.
    if (has_kv) {
        const json extra_kv = kv.value("kv_connector_extra_config", json::object());
        if (!extra_kv.is_object()) {
            refuse("--kv-transfer-config",
                   cat("--kv-transfer-config: kv_connector_extra_config must be an object, got ", shown(extra_kv)));
        }
        const auto tp_size = [&](const char* side) {
            const json part = extra_kv.value(side, json{{"tp_size", 1}});
            const std::string where = cat("--kv-transfer-config: kv_connector_extra_config.", side, ".tp_size");
            if (!part.is_object() || !part.contains("tp_size")) refuse(where, cat(where, " is missing"));
            return checked_int(where, part["tp_size"]);
        };
        int prefill = tp_size("prefill");
        int decode = tp_size("decode");
        const bool sides_differ = prefill != decode;
        if (sides_differ || prefill < 1) {
            const json& text = need_model("pd_tp_ratio",
                                          "whether the model uses MLA (model_type, kv_lora_rank) "
                                          "decides whether prefill and decode TP sizes count");
            if (is_deepseek_mla(text)) {
                const char* mla = "model config: model_type and kv_lora_rank (MLA: AscendConfig keeps the ratios at 1)";
                out.set(&config::pd_tp_ratio, "pd_tp_ratio", 1, mla);
                out.set(&config::pd_head_ratio, "pd_head_ratio", 1, mla);
                out.set(&config::num_head_replica, "num_head_replica", 1, mla);
            } else {
                if (decode < 1 || prefill % decode != 0) {
                    refuse("pd_tp_ratio", cat("prefill tp_size (", prefill, ") must be divisible by decode tp_size (",
                                              decode, ") (kv_connector_extra_config)"));
                }
                const int ratio = prefill / decode;
                if (ratio == 0) {
                    refuse("pd_tp_ratio", cat("prefill tp_size (", prefill, ") must be at least decode tp_size (",
                                              decode, "): \"Only support P node tp size lagger then D node tp size\""));
                }
                const std::string from = "--kv-transfer-config: kv_connector_extra_config.prefill/decode.tp_size";
                out.set(&config::pd_tp_ratio, "pd_tp_ratio", ratio, from);
                if (ratio > 1) {
                    // hf_text_config.num_key_value_heads: transformers' configs (and from
                    // 0.21.0rc1 vLLM's get_total_num_kv_heads) fall back to num_attention_heads.
                    const char* heads_name = "num_key_value_heads";
                    auto heads = text.find(heads_name);
                    if (heads == text.end() || heads->is_null()) {
                        heads_name = "num_attention_heads";
                        heads = text.find(heads_name);
                    }
                    if (heads == text.end() || heads->is_null()) {
                        refuse("num_key_value_heads",
                               "--model-config: num_key_value_heads and num_attention_heads are missing; "
                               "pd_head_ratio and num_head_replica need the KV head count");
                    }
                    const std::string field = cat("--model-config: ", heads_name);
                    const int k = checked_int(field, *heads);
                    if (k < 1) refuse("num_key_value_heads", cat(field, " (", k, ") must be positive"));
                    const std::string heads_source =
                        std::string_view(heads_name) == "num_key_value_heads"
                            ? std::string(" and model config: num_key_value_heads")
                            : std::string(" and model config: num_attention_heads (transformers' default)");
                    out.fact("num_key_value_heads",
                             std::string_view(heads_name) == "num_key_value_heads"
                                 ? cat(k, " (model config: num_key_value_heads)")
                                 : cat(k, " (model config: num_attention_heads, transformers' default)"));
                    out.set(&config::num_head_replica, "num_head_replica", prefill >= k ? prefill / k : 1,
                            from + heads_source);
                    prefill = std::min(prefill, k);
                    decode = std::min(decode, k);
                    out.set(&config::pd_head_ratio, "pd_head_ratio", prefill / decode, from + heads_source);
                }
            }
        }
    }

    // FlashComm2: envs.VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE (from 0.20.2rc1 also additional_config
    // enable_flashcomm2_parallel_size, which wins); utils.get_flashcomm2_config_and_validate.
    int fc2 = 0;
    std::string fc2_source;
    if (const auto v = env("VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE")) {
        fc2 = env_int("VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE", *v);
        fc2_source = "env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE";
    }
    if (const auto it = extra.find("enable_flashcomm2_parallel_size"); it != extra.end()) {
        fc2_source = "--additional-config: enable_flashcomm2_parallel_size";
        fc2 = checked_int(fc2_source, *it);
    }
    if (fc2 > 0) {
        if (!layout.has(step::flashcomm2))
            refuse("flashcomm2_enabled",
                   cat("FlashComm2 (", fc2_source, ") does not exist in vllm-ascend ", r.version()));
        if (!layer_sharding.is_null() && !layer_sharding.empty() && layer_sharding != json::array({"o_proj"})) {
            refuse("layer_sharding",
                   cat("FLASHCOMM2 only supports 'o_proj' as the sole layer sharding, got ", shown(layer_sharding)));
        }
        if (out.values().oproj_tensor_parallel_size > 0) {
            refuse("flashcomm2_oproj_tensor_parallel_size", cat(fc2_source,
                                                                " cannot be enabled together with "
                                                                "finegrained_tp_config.oproj_tensor_parallel_size"));
        }
        if (tp <= fc2 || tp % fc2 != 0) {
            refuse("flashcomm2_oproj_tensor_parallel_size",
                   cat(fc2_source, " (", fc2, ") must be below and divide the tensor parallel size (", tp, ")"));
        }
        if (consumer)
            refuse("flashcomm2_enabled", cat(fc2_source, ": FLASHCOMM2 is not applicable on a KV consumer (D node)"));
        out.set(&config::flashcomm2_enabled, "flashcomm2_enabled", true, fc2_source);
        out.set(&config::flashcomm2_oproj_tensor_parallel_size, "flashcomm2_oproj_tensor_parallel_size", fc2,
                fc2_source);
    }

    // Sequence parallelism, utils.enable_sp: VLLM_ASCEND_ENABLE_FLASHCOMM1 (up to 0.19.1rc1 also the
    // older VLLM_ASCEND_ENABLE_FLASHCOMM; from 0.20.2rc1 additional_config enable_flashcomm1 wins),
    // forced on by enable_shared_expert_dp. Up to 0.14.0rc1 enable_sp, once evaluated with SP on,
    // asserts tp > 1 and, for a MoE model (a key naming "expert"), expert parallelism.
    bool sp = false;
    std::string sp_source;
    for (const char* name : {"VLLM_ASCEND_ENABLE_FLASHCOMM1", "VLLM_ASCEND_ENABLE_FLASHCOMM"}) {
        if (const auto v = env(name); v && !sp) {
            sp = env_int(name, *v) != 0;
            sp_source = cat("env ", name);
        }
    }
    if (const auto it = extra.find("enable_flashcomm1"); it != extra.end()) {
        sp = truthy(*it);
        sp_source = "--additional-config: enable_flashcomm1";
    }
    if (flag_of("enable_shared_expert_dp") && args.enable_expert_parallel && tp > 1 && !sp) {
        sp = true;
        sp_source = "--additional-config: enable_shared_expert_dp";
    }
    const bool sp_asserts = !is_release_at_least(r, "0.15.0rc1");
    const auto evaluate_sp = [&](const char* why) {
        if (!sp || !sp_asserts) return;
        if (tp <= 1) {
            refuse("tensor_parallel_size",
                   cat("sequence parallelism (", sp_source, ", evaluated for ", why,
                       ") needs tensor_parallel_size > 1 in vllm-ascend ", r.version(), ", got ", tp));
        }
        const json& text = need_model("sequence parallelism", "whether the model is MoE decides it");
        if (contains_expert(text) && !args.enable_expert_parallel) {
            refuse("--enable-expert-parallel",
                   cat("sequence parallelism (", sp_source, ", evaluated for ", why,
                       ") on a MoE model needs --enable-expert-parallel in vllm-ascend ", r.version()));
        }
    };
    // 0.14.0rc1 AscendConfig evaluates enable_sp when prefill context parallelism is on.
    if (pcp > 1 && r.version() == "0.14.0rc1") evaluate_sp("prefill context parallelism");

    // dsa_cp_layer_shard: enable_dsa_cp_with_layer_shard = enable_dsa_cp (DeepSeek-V3.2: index_topk,
    // and enable_sp; from 0.20.2rc1 also additional_config enable_dsa_cp) and a prefill instance
    // (is_kv_producer; from 0.18.0 kv_role == "kv_producer" exactly). parallel_state.py evaluates it
    // when layer_sharding is set and FlashComm2 is off: from 0.20.2rc1 enable_dsa_cp then raises
    // when enable_dsa_cp is set without SP.
    const bool dsa_key = !is_release_at_least(r, "0.20.2rc1") || truthy(extra.value("enable_dsa_cp", json(false)));
    const bool prefill_instance = is_release_at_least(r, "0.18.0")
                                      ? has_kv && kv.value("kv_role", json()) == "kv_producer"
                                      : producer;
    const bool evaluated = layout.has(step::shard_weight) && !layer_sharding.is_null() && fc2 <= 0;
    const bool dsa_cp_on_new = is_release_at_least(r, "0.20.2rc1");
    const bool may_raise = evaluated && ((dsa_cp_on_new && !sp) || (sp && sp_asserts));
    if (layout.has(step::shard_weight) && dsa_key && ((sp && prefill_instance) || may_raise)) {
        const json& text = need_model("dsa_cp_layer_shard",
                                      "whether the model is DeepSeek-V3.2 (index_topk) decides it");
        const bool indexer = text.contains("index_topk");
        if (indexer && evaluated) {
            if (dsa_cp_on_new && !sp) {
                refuse("enable_dsa_cp",
                       cat("--additional-config: enable_dsa_cp needs sequence parallelism in vllm-ascend ", r.version(),
                           " (VLLM_ASCEND_ENABLE_FLASHCOMM1=1 or enable_flashcomm1)"));
            }
            evaluate_sp("DSA-CP with layer sharding");
        }
        if (indexer && sp && prefill_instance) {
            out.set(&config::dsa_cp_layer_shard, "dsa_cp_layer_shard", true,
                    cat("model config: index_topk, ", sp_source,
                        dsa_cp_on_new ? ", --additional-config: enable_dsa_cp" : "",
                        " and kv_role (enable_dsa_cp_with_layer_shard)"));
        }
    }
    return out.finish();
}

std::vector<std::string> split_args(std::string_view line) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (ch == ' ' || ch == '\t' || ch == '\n') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (ch == '\'') {
            const std::size_t end = line.find('\'', i + 1);
            if (end == std::string_view::npos) refuse("--vllm-args", "--vllm-args: unterminated ' quote");
            word.append(line.substr(i + 1, end - i - 1));
            i = end;
            in_word = true;
        } else if (ch == '"') {
            std::size_t j = i + 1;
            for (; j < line.size() && line[j] != '"'; ++j) {
                if (line[j] == '\\' && j + 1 < line.size() &&
                    std::string_view("\"\\$`").find(line[j + 1]) != std::string_view::npos)
                    ++j;
                word += line[j];
            }
            if (j >= line.size()) refuse("--vllm-args", "--vllm-args: unterminated \" quote");
            i = j;
            in_word = true;
        } else if (ch == '\\' && i + 1 < line.size()) {
            word += line[++i];
            in_word = true;
        } else {
            word += ch;
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

deployment to_deployment(const config& c) {
    constexpr const char* back = "ranktopo::to_deployment";
    const auto cannot = [&](const char* option, const std::string& why) {
        throw config_error(back, {{option, cat("no vllm-ascend deployment gives ", why)}});
    };
    deployment d;
    d.vllm_ascend_version = c.vllm_ascend_version;
    const long long world = static_cast<long long>(c.tensor_parallel_size) * c.pipeline_parallel_size *
                            c.prefill_context_parallel_size * c.data_parallel_size;
    if (world != c.world_size)
        cannot("world_size", cat("world_size ", c.world_size, " (vLLM makes it TP·PP·PCP·DP = ", world, ")"));
    d.vllm_args = {"serve",
                   "MODEL",
                   "--tensor-parallel-size",
                   std::to_string(c.tensor_parallel_size),
                   "--data-parallel-size",
                   std::to_string(c.data_parallel_size),
                   "--pipeline-parallel-size",
                   std::to_string(c.pipeline_parallel_size)};
    if (c.prefill_context_parallel_size != 1) {
        d.vllm_args.insert(d.vllm_args.end(),
                           {"--prefill-context-parallel-size", std::to_string(c.prefill_context_parallel_size)});
    }
    if (c.decode_context_parallel_size != 1) {
        d.vllm_args.insert(d.vllm_args.end(),
                           {"--decode-context-parallel-size", std::to_string(c.decode_context_parallel_size)});
    }
    if (c.local_rank != 0) d.env.emplace_back("LOCAL_RANK", std::to_string(c.local_rank));

    // p_tp sizes: the smallest prefill/decode TP sizes and KV head count that AscendConfig turns into them.
    std::optional<std::pair<int, int>> prefill_decode;
    int kv_heads = 0;
    if (c.pd_tp_ratio > 1) {
        for (int decode = 1; decode <= 64 && !prefill_decode; ++decode) {
            const int prefill = c.pd_tp_ratio * decode;
            for (int k = 1; k <= 1024 && !prefill_decode; ++k) {
                if ((prefill >= k ? prefill / k : 1) == c.num_head_replica &&
                    std::min(prefill, k) / std::min(decode, k) == c.pd_head_ratio) {
                    prefill_decode = {prefill, decode};
                    kv_heads = k;
                }
            }
        }
        if (!prefill_decode) {
            cannot("pd_head_ratio", cat("pd_tp_ratio ", c.pd_tp_ratio, ", pd_head_ratio ", c.pd_head_ratio,
                                        " and num_head_replica ", c.num_head_replica, " together"));
        }
    } else if (c.pd_head_ratio != 1 || c.num_head_replica != 1) {
        cannot("pd_head_ratio", "pd_head_ratio or num_head_replica other than 1 with pd_tp_ratio 1");
    }
    const bool consumer = c.oproj_tensor_parallel_size > 0;
    if (c.is_kv_producer || consumer || prefill_decode) {
        json kv = json::object();
        if (c.is_kv_producer || consumer) {
            kv["kv_connector"] = "MooncakeConnectorV1";
            kv["kv_role"] = c.is_kv_producer && consumer ? "kv_both" : c.is_kv_producer ? "kv_producer" : "kv_consumer";
        }
        if (prefill_decode) {
            kv["kv_connector_extra_config"] = {{"prefill", {{"tp_size", prefill_decode->first}}},
                                               {"decode", {{"tp_size", prefill_decode->second}}}};
        }
        d.kv_transfer_config = kv.dump();
    }

    json extra = json::object();
    for (std::string_view key : finegrained_keys) {
        if (const int size = c.*find_option(key)->integer; size != 0)
            extra["finegrained_tp_config"][std::string(key)] = size;
    }
    if (c.dynamic_eplb) {
        extra["eplb_config"] = {{"dynamic_eplb", true}};
        d.env.emplace_back("DYNAMIC_EPLB", "true");
    }
    if (c.layer_sharding) extra["layer_sharding"] = json::array({"o_proj"});
    if (c.dsa_cp_layer_shard && is_release_at_least(c.vllm_ascend_version, "0.20.2rc1")) extra["enable_dsa_cp"] = true;
    // From 0.23.0rc1 o_proj and embedding TP need the recompute scheduler.
    if ((c.oproj_tensor_parallel_size > 0 || c.embedding_tensor_parallel_size > 0) &&
        is_release_at_least(c.vllm_ascend_version, "0.23.0rc1"))
        extra["recompute_scheduler_enable"] = true;
    if (c.multistream_overlap_gate) extra["multistream_overlap_gate"] = true;
    if (!extra.empty()) d.additional_config = extra.dump();

    if (c.flashcomm2_enabled) {
        d.env.emplace_back("VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE",
                           std::to_string(c.flashcomm2_oproj_tensor_parallel_size));
    } else if (c.flashcomm2_oproj_tensor_parallel_size != 1) {
        cannot("flashcomm2_oproj_tensor_parallel_size", "flashcomm2_oproj_tensor_parallel_size without FlashComm2");
    }
    if (c.dsa_cp_layer_shard) d.env.emplace_back("VLLM_ASCEND_ENABLE_FLASHCOMM1", "1");

    // From 0.21.0rc1 fine-grained TP needs a MoE model.
    const bool moe = is_release_at_least(c.vllm_ascend_version, "0.21.0rc1") &&
                     std::any_of(finegrained_keys.begin(), finegrained_keys.end(),
                                 [&](std::string_view key) { return c.*find_option(key)->integer > 0; });
    if (prefill_decode || c.dsa_cp_layer_shard || moe) {
        json model = prefill_decode || !c.dsa_cp_layer_shard
                         ? json{{"model_type", "qwen3"}, {"num_key_value_heads", std::max(kv_heads, 1)}}
                         : json{{"model_type", "deepseek_v32"}, {"kv_lora_rank", 512}};
        if (c.dsa_cp_layer_shard) model["index_topk"] = 2048;
        if (moe) model["num_experts"] = 8;
        d.model_config = model.dump();
    }
    // Whatever the release would say about the result, it must read back as `c`.
    derived_config again = read_deployment(d);
    if (!(again.values == c)) {
        for (const option_info& o : options) {
            if (option_text(again.values, o) != option_text(c, o)) {
                cannot(std::string(o.name).c_str(),
                       cat(o.name, " ", option_text(c, o), " with the rest of this config (it reads back as ",
                           option_text(again.values, o), ")"));
            }
        }
    }
    return d;
}

std::string format_launch(const deployment& d) {
    const auto quote = [](std::string_view word) {
        if (!word.empty() &&
            word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") ==
                std::string_view::npos) {
            return std::string(word);
        }
        std::string quoted = "'";
        for (const char ch : word) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        return quoted + "'";
    };
    std::string out = cat("# vllm-ascend ", d.vllm_ascend_version.version(), "\n");
    for (const auto& [k, v] : d.env) out += cat("export ", k, "=", quote(v), "\n");
    if (!d.model_config.empty())
        out += cat("# model config.json (the fields the derivation reads): ", d.model_config, "\n");
    out += "vllm";
    for (const std::string& a : d.vllm_args) out += cat(" ", quote(a));
    if (!d.additional_config.empty()) out += cat(" --additional-config ", quote(d.additional_config));
    if (!d.kv_transfer_config.empty()) out += cat(" --kv-transfer-config ", quote(d.kv_transfer_config));
    return out + "\n";
}

}  // namespace ranktopo
