// The deployment reader: every derived option against the rule of the
// release's own code (file and function named in each section), its errors,
// and the way back over every golden config.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "golden_fixtures.hpp"
#include "ranktopo/deployment.hpp"
#include "ranktopo/io.hpp"

namespace {

using ranktopo::config_error;
using ranktopo::deployment;
using ranktopo::read_deployment;

deployment launch(const std::string& args) {
    deployment d;
    d.vllm_args = ranktopo::split_args(args);
    return d;
}

std::string kv(const char* role, int prefill, int decode) {
    return nlohmann::json{
        {"kv_connector", "MooncakeConnectorV1"},
        {"kv_role", role},
        {"kv_connector_extra_config", {{"prefill", {{"tp_size", prefill}}}, {"decode", {{"tp_size", decode}}}}}}
        .dump();
}

constexpr const char* qwen3 = R"({"model_type": "qwen3_moe", "num_key_value_heads": 4})";
constexpr const char* deepseek_v3 = R"({"model_type": "deepseek_v3", "kv_lora_rank": 512, "num_key_value_heads": 128})";
constexpr const char* deepseek_v32 =
    R"({"model_type": "deepseek_v32", "kv_lora_rank": 512, "num_key_value_heads": 128, "index_topk": 2048})";

std::string refusal(const deployment& d) {
    try {
        (void)read_deployment(d);
    } catch (const config_error& e) {
        return e.what();
    }
    return "(accepted)";
}

std::string source_of(const ranktopo::derived_config& r, const std::string& option) {
    for (const auto& s : r.sources)
        if (s.option == option) return s.source;
    return "?";
}

}  // namespace

// vLLM v0.17.0 vllm/engine/arg_utils.py (EngineArgs.add_cli_args) and
// ParallelConfig.world_size_across_dp = pipeline · tensor · prefill_context · data.
TEST_CASE("deployment: vLLM sizes, short forms, = and underscores, world_size as their product", "[deployment]") {
    const auto r = read_deployment(
        launch("serve /models/m -tp 4 --data_parallel_size=2 -pp 2 -pcp 2 --max-model-len 4096"));
    CHECK(r.values.tensor_parallel_size == 4);
    CHECK(r.values.data_parallel_size == 2);
    CHECK(r.values.pipeline_parallel_size == 2);
    CHECK(r.values.prefill_context_parallel_size == 2);
    CHECK(r.values.world_size == 32);
    CHECK(source_of(r, "data_parallel_size") == "--data-parallel-size");
    CHECK(source_of(r, "local_rank") == "default");
    CHECK(read_deployment(launch("-tp 2 -tp 8")).values.tensor_parallel_size == 8);  // argparse: the last wins
    CHECK_THAT(refusal(launch("-tp x")), Catch::Contains("--tensor-parallel-size must be an integer, got 'x'"));
    CHECK_THAT(refusal(launch("-tp 0")), Catch::Contains("--tensor-parallel-size (0) must be at least 1"));
    CHECK_THAT(refusal(launch("-dp 2 -dpl 4")), Catch::Contains("--data-parallel-size-local (4) exceeds"));
    CHECK(read_deployment(launch("-dp 2 -dpl 0")).values.data_parallel_size == 2);  // a headless node: min 0
}

// vllm-ascend v0.17.0rc1 vllm_ascend/ascend_config.py, AscendConfig.__init__:
// pd_tp_ratio = prefill_tp // decode_tp; num_head_replica = prefill_tp // num_kv_head if
// prefill_tp >= num_kv_head else 1; pd_head_ratio = min(prefill_tp, kv) // min(decode_tp, kv);
// skipped for MLA models (vLLM ModelConfig.is_deepseek_mla).
TEST_CASE("deployment: pd_tp_ratio, num_head_replica and pd_head_ratio (AscendConfig.__init__)", "[deployment]") {
    deployment d = launch("-tp 16");
    d.kv_transfer_config = kv("kv_producer", 16, 4);
    d.model_config = qwen3;  // GQA, 4 KV heads
    auto r = read_deployment(d);
    CHECK(r.values.pd_tp_ratio == 4);
    CHECK(r.values.num_head_replica == 4);  // 16 // 4
    CHECK(r.values.pd_head_ratio == 1);     // min(16, 4) // min(4, 4)
    CHECK(r.values.is_kv_producer);

    d.kv_transfer_config = kv("kv_producer", 8, 2);
    d.model_config = R"({"model_type": "qwen3", "num_key_value_heads": 8})";
    r = read_deployment(d);
    CHECK(r.values.pd_tp_ratio == 4);
    CHECK(r.values.num_head_replica == 1);  // 8 // 8
    CHECK(r.values.pd_head_ratio == 4);     // min(8, 8) // min(2, 8)

    d.kv_transfer_config = kv("kv_producer", 4, 2);
    d.model_config = R"({"model_type": "qwen3", "num_key_value_heads": 8})";
    r = read_deployment(d);
    CHECK(r.values.num_head_replica == 1);  // prefill_tp < num_kv_head
    CHECK(r.values.pd_head_ratio == 2);

    SECTION("MLA: all 1, the model needs no num_key_value_heads check") {
        d.kv_transfer_config = kv("kv_producer", 16, 4);
        d.model_config = deepseek_v3;
        r = read_deployment(d);
        CHECK(r.values.pd_tp_ratio == 1);
        CHECK(r.values.pd_head_ratio == 1);
        CHECK(r.values.num_head_replica == 1);
        CHECK_THAT(source_of(r, "pd_tp_ratio"), Catch::Contains("MLA"));
        // is_deepseek_mla: kv_lora_rank None is not MLA, and then the heads count.
        d.model_config = R"({"model_type": "deepseek_v3", "kv_lora_rank": null, "num_key_value_heads": 4})";
        CHECK(read_deployment(d).values.num_head_replica == 4);
    }
    SECTION("the ratios the reference rejects") {
        d.model_config = qwen3;
        d.kv_transfer_config = kv("kv_producer", 4, 16);  // assert prefill % decode == 0
        CHECK_THAT(refusal(d), Catch::Contains("prefill tp_size (4) must be divisible by decode tp_size (16)"));
        d.kv_transfer_config = kv("kv_producer", 0, 4);  // 0 % 4 == 0, then pd_tp_ratio == 0 raises
        CHECK_THAT(refusal(d), Catch::Contains("must be at least decode tp_size"));
        d.kv_transfer_config = kv("kv_producer", 16, 0);
        CHECK_THAT(refusal(d), Catch::Contains("divisible"));
    }
    SECTION("a missing model config, or field, names the value that needs it") {
        d.kv_transfer_config = kv("kv_producer", 16, 4);
        d.model_config.clear();
        CHECK_THAT(refusal(d), Catch::Contains("pd_tp_ratio needs --model-config"));
        d.model_config = R"({"model_type": "qwen3"})";
        CHECK_THAT(refusal(d), Catch::Contains("num_key_value_heads and num_attention_heads are missing"));
        // transformers' default (LlamaConfig, Qwen3Config): as many KV heads as attention heads.
        d.model_config = R"({"model_type": "llama", "num_attention_heads": 32})";
        const auto llama = read_deployment(d);
        CHECK(llama.values.pd_head_ratio == 4);
        REQUIRE(llama.model_facts.size() == 1);
        CHECK(llama.model_facts[0].option == "num_key_value_heads");
        CHECK(llama.model_facts[0].source == "32 (model config: num_attention_heads, transformers' default)");
        // Equal sizes need no model: the ratio is 1 either way.
        d.model_config.clear();
        d.kv_transfer_config = kv("kv_producer", 4, 4);
        CHECK(read_deployment(d).values.pd_tp_ratio == 1);
    }
}

// vLLM v0.17.0 vllm/config/kv_transfer.py: is_kv_producer = kv_connector is not None and
// kv_role in (kv_producer, kv_both); is_kv_consumer likewise with kv_consumer.
TEST_CASE("deployment: is_kv_producer from kv_role (KVTransferConfig)", "[deployment]") {
    deployment d = launch("-tp 4");
    d.kv_transfer_config = kv("kv_producer", 4, 4);
    CHECK(read_deployment(d).values.is_kv_producer);
    d.kv_transfer_config = kv("kv_both", 4, 4);
    CHECK(read_deployment(d).values.is_kv_producer);
    d.kv_transfer_config = kv("kv_consumer", 4, 4);
    CHECK_FALSE(read_deployment(d).values.is_kv_producer);
    d.kv_transfer_config = R"({"kv_role": "kv_producer"})";  // no connector
    CHECK_FALSE(read_deployment(d).values.is_kv_producer);
    d.kv_transfer_config = R"({"kv_connector": "x", "kv_role": "producer"})";
    CHECK_THAT(refusal(d), Catch::Contains("kv_role must be kv_producer, kv_consumer or kv_both"));
}

// vllm-ascend v0.17.0rc1 vllm_ascend/envs.py VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE (int, 0 = off);
// vllm_ascend/utils.py flashcomm2_enable (> 0) and get_flashcomm2_config_and_validate.
TEST_CASE("deployment: FlashComm2 from VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE (flashcomm2_enable)", "[deployment]") {
    deployment d = launch("-tp 8");
    d.env = {{"VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE", "2"}};
    auto r = read_deployment(d);
    CHECK(r.values.flashcomm2_enabled);
    CHECK(r.values.flashcomm2_oproj_tensor_parallel_size == 2);
    CHECK(source_of(r, "flashcomm2_enabled") == "env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE");
    d.env = {{"VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE", "0"}};
    CHECK_FALSE(read_deployment(d).values.flashcomm2_enabled);
    d.env = {{"VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE", "8"}};  // global_tp_size <= size
    CHECK_THAT(refusal(d), Catch::Contains("must be below and divide the tensor parallel size (8)"));
    d.env = {{"VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE", "3"}};
    CHECK_THAT(refusal(d), Catch::Contains("must be below and divide"));
    d.env = {{"VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE", "two"}};
    CHECK_THAT(refusal(d), Catch::Contains("env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE must be an integer, got 'two'"));
    d.env = {{"VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE", "2"}};
    d.kv_transfer_config = kv("kv_consumer", 8, 8);
    CHECK_THAT(refusal(d), Catch::Contains("not applicable on a KV consumer"));
    d.kv_transfer_config.clear();
    d.additional_config = R"({"layer_sharding": ["q_b_proj"]})";
    CHECK_THAT(refusal(d), Catch::Contains("only supports 'o_proj'"));
    d.additional_config = R"({"layer_sharding": ["o_proj"]})";
    CHECK(read_deployment(d).values.layer_sharding);
    // From 0.20.2rc1 AscendConfig._get_config_value: additional_config wins over the variable.
    d.additional_config = R"({"enable_flashcomm2_parallel_size": 4})";
    d.vllm_ascend_version = *ranktopo::release::find("0.23.0");
    CHECK(read_deployment(d).values.flashcomm2_oproj_tensor_parallel_size == 4);
    d.vllm_ascend_version = *ranktopo::release::find("0.25.1rc1");  // FlashComm2 is gone: both are ignored
    const auto gone = read_deployment(d);
    CHECK_FALSE(gone.values.flashcomm2_enabled);
    REQUIRE(gone.warnings.size() == 2);
    CHECK_THAT(gone.warnings[0], Catch::Contains("env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE is ignored by vllm-ascend "
                                                 "0.25.1rc1 (read by 0.13.0rc2..0.24.0rc1)"));
    CHECK_THAT(gone.warnings[1],
               Catch::Contains("enable_flashcomm2_parallel_size is ignored by vllm-ascend 0.25.1rc1"));
    REQUIRE(gone.ignored.size() == 2);
    CHECK(gone.ignored[0].source == "ignored by 0.25.1rc1");
}

// vllm-ascend v0.17.0rc1 vllm_ascend/utils.py enable_dsa_cp (hf_text_config has index_topk and
// enable_sp: VLLM_ASCEND_ENABLE_FLASHCOMM1) and enable_dsa_cp_with_layer_shard (and a KV producer).
TEST_CASE("deployment: dsa_cp_layer_shard from the model and the role (enable_dsa_cp_with_layer_shard)",
          "[deployment]") {
    deployment d = launch("-tp 8");
    d.model_config = deepseek_v32;
    d.kv_transfer_config = kv("kv_producer", 8, 8);
    d.env = {{"VLLM_ASCEND_ENABLE_FLASHCOMM1", "1"}};
    CHECK(read_deployment(d).values.dsa_cp_layer_shard);
    d.kv_transfer_config = kv("kv_consumer", 8, 8);
    CHECK_FALSE(read_deployment(d).values.dsa_cp_layer_shard);
    d.kv_transfer_config = kv("kv_producer", 8, 8);
    d.env.clear();
    CHECK_FALSE(read_deployment(d).values.dsa_cp_layer_shard);  // no sequence parallelism
    d.env = {{"VLLM_ASCEND_ENABLE_FLASHCOMM1", "1"}};
    d.model_config = deepseek_v3;  // no index_topk
    CHECK_FALSE(read_deployment(d).values.dsa_cp_layer_shard);
    d.model_config.clear();
    CHECK_THAT(refusal(d), Catch::Contains("dsa_cp_layer_shard needs --model-config"));
}

// vllm-ascend v0.17.0rc1 ascend_config.py: layer_sharding (parallel_state.py: `is not None`),
// FinegrainedTPConfig, EplbConfig (unknown keys raise; DYNAMIC_EPLB asserted), multistream_overlap_gate.
TEST_CASE("deployment: the additional config", "[deployment]") {
    deployment d = launch("-tp 4 -dp 4");
    d.additional_config =
        R"({"finegrained_tp_config": {"mlp_tensor_parallel_size": 2, "lmhead_tensor_parallel_size": 4},
        "eplb_config": {"dynamic_eplb": true}, "layer_sharding": [], "multistream_overlap_gate": true,
        "enable_cpu_binding": false, "weight_prefetch_config": {"enabled": true}})";
    d.env = {{"DYNAMIC_EPLB", "True"}};
    auto r = read_deployment(d);
    CHECK(r.values.mlp_tensor_parallel_size == 2);
    CHECK(r.values.lmhead_tensor_parallel_size == 4);
    CHECK(r.values.dynamic_eplb);
    CHECK(r.values.layer_sharding);  // [] is not None
    CHECK(r.values.multistream_overlap_gate);
    CHECK(r.warnings.empty());  // keys vllm-ascend reads are accepted silently
    CHECK(source_of(r, "mlp_tensor_parallel_size") ==
          "--additional-config: finegrained_tp_config.mlp_tensor_parallel_size");

    d.env.clear();
    CHECK_THAT(refusal(d), Catch::Contains("needs DYNAMIC_EPLB=true (or EXPERT_MAP_RECORD=true) in the environment"));
    d.env = {{"DYNAMIC_EPLB", "1"}};
    d.additional_config = R"({"layer_sharding": null, "eplb_config": {"expert_map_record_path": "/tmp/m.json"}})";
    r = read_deployment(d);
    CHECK_FALSE(r.values.layer_sharding);
    CHECK(r.values.dynamic_eplb);  // EplbConfig._validate_config turns it on

    d.additional_config = R"({"finegrained_tp_config": {"mlp_tensor_parallel_size": "2"}})";
    CHECK_THAT(
        refusal(d),
        Catch::Contains(
            R"(--additional-config: finegrained_tp_config.mlp_tensor_parallel_size must be an integer, got "2")"));
    d.additional_config = R"({"finegrained_tp_config": {"mlp_tensor_parallel_size": 3}})";
    CHECK_THAT(refusal(d), Catch::Contains("must divide data_parallel_size (4)"));
    d.additional_config = R"({"finegrained_tp_config": {"oproj_tensor_parallel_size": 2}})";
    CHECK_THAT(refusal(d), Catch::Contains("needs a KV consumer"));
    d.additional_config = R"({"eplb_config": {"dynamic_epbl": true}})";
    CHECK_THAT(refusal(d), Catch::Contains("eplb_config has no key 'dynamic_epbl' (nearest: 'dynamic_eplb')"));
    d.additional_config = R"({"layer_sharding": "o_proj"})";
    CHECK_THAT(refusal(d), Catch::Contains("layer_sharding must be a list"));

    d.additional_config = R"({"multistream_overlap_gat": true, "finegrained_tp_config": {"mlp_tp_size": 2}})";
    r = read_deployment(d);
    REQUIRE(r.warnings.size() == 2);
    CHECK_THAT(r.warnings[0], Catch::Contains("did you mean 'multistream_overlap_gate'"));
    CHECK_THAT(r.warnings[1], Catch::Contains("did you mean 'finegrained_tp_config.mlp_tensor_parallel_size'"));
    CHECK_FALSE(r.values.multistream_overlap_gate);

    SECTION("options a release does not read are ignored, with one warning each") {
        d.additional_config = R"({"layer_sharding": "not even a list", "multistream_overlap_gate": true})";
        d.vllm_ascend_version = *ranktopo::release::find("0.24.0rc1");
        r = read_deployment(d);
        CHECK_FALSE(r.values.layer_sharding);
        CHECK_FALSE(r.values.multistream_overlap_gate);
        REQUIRE(r.warnings.size() == 2);
        CHECK_THAT(r.warnings[0], Catch::Contains("layer_sharding is ignored by vllm-ascend 0.24.0rc1"));
        CHECK_THAT(r.warnings[1], Catch::Contains("multistream_overlap_gate is ignored by vllm-ascend 0.24.0rc1"));
        // 0.13.0 reads eplb_config (and DYNAMIC_EPLB) but creates no group for it.
        d.additional_config = R"({"eplb_config": {"dynamic_eplb": true}})";
        d.vllm_ascend_version = *ranktopo::release::find("0.13.0");
        r = read_deployment(d);
        CHECK_FALSE(r.values.dynamic_eplb);
        CHECK(r.warnings.empty());
        REQUIRE(r.skipped.size() == 1);
        CHECK_THAT(r.skipped[0].source, Catch::Contains("creates no dynamic_eplb group"));
        d.env.clear();  // its model runner's check_dynamic_eplb
        CHECK_THAT(refusal(d),
                   Catch::Contains("give --env DYNAMIC_EPLB=true, or export it and give --env-from-process"));
        // A top-level dynamic_eplb is 0.13.0's; later releases point to eplb_config.
        d.additional_config = R"({"dynamic_eplb": true})";
        d.vllm_ascend_version = *ranktopo::release::find("0.18.0");
        r = read_deployment(d);
        REQUIRE(r.warnings.size() == 1);
        CHECK_THAT(r.warnings[0], Catch::Contains("did you mean 'eplb_config.dynamic_eplb'?"));
    }
}

TEST_CASE("deployment: a duplicated key is refused in every JSON input", "[deployment][bad-input]") {
    deployment d = launch("-tp 4");
    d.additional_config =
        R"({"finegrained_tp_config": {"mlp_tensor_parallel_size": 2, "mlp_tensor_parallel_size": 4}})";
    CHECK_THAT(refusal(d),
               Catch::Contains(
                   "--additional-config: duplicate key 'finegrained_tp_config.mlp_tensor_parallel_size' (2, then 4)"));
    d.additional_config.clear();
    d.kv_transfer_config = R"({"kv_role": "kv_producer", "kv_role": "kv_consumer"})";
    CHECK_THAT(refusal(d),
               Catch::Contains(R"(--kv-transfer-config: duplicate key 'kv_role' ("kv_producer", then "kv_consumer"))"));
    d.kv_transfer_config.clear();
    d.model_config = R"({"text_config": {"a": [1, {"b": 1, "b": {"c": 2}}]}})";
    CHECK_THAT(refusal(d), Catch::Contains(R"(--model-config: duplicate key 'text_config.a[].b' (1, then {"c":2}))"));
    CHECK_THROWS_WITH(ranktopo::parse_config(R"({"world_size": 8, "world_size": 16})"),
                      Catch::Contains("duplicate key 'world_size' (8, then 16)"));
    d.model_config = "[1, 2";
    CHECK_THAT(refusal(d), Catch::Contains("--model-config: not valid JSON"));
}

TEST_CASE("deployment: split_args splits as a shell does", "[deployment]") {
    CHECK(ranktopo::split_args(R"( a  'b c' "d \"e\"" f\ g '' )") ==
          std::vector<std::string>{"a", "b c", "d \"e\"", "f g", ""});
    CHECK_THROWS_AS(ranktopo::split_args("a 'b"), config_error);
}

namespace {

/// format_launch's text read back as a user would paste it: exports, the model config, the vllm line.
deployment from_launch_text(const std::string& text, ranktopo::release r) {
    deployment d;
    d.vllm_ascend_version = r;
    std::istringstream in(text);
    const std::string model_prefix = "# model config.json (the fields the derivation reads): ";
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("export ")) {
            const std::vector<std::string> words = ranktopo::split_args(line.substr(7));
            const std::size_t eq = words.at(0).find('=');
            d.env.emplace_back(words[0].substr(0, eq), words[0].substr(eq + 1));
        } else if (line.starts_with(model_prefix)) {
            d.model_config = line.substr(model_prefix.size());
        } else if (line.starts_with("vllm ")) {
            d.vllm_args = ranktopo::split_args(line.substr(5));
        }
    }
    return d;
}

void round_trip(const nlohmann::json& fixtures, int& expressible, int& total) {
    for (const nlohmann::json& f : fixtures) {
        if (f.at("expect") != "groups") continue;
        ++total;
        const ranktopo::config c = ranktopo::parse_config(f.at("config").dump());
        ranktopo::deployment d;
        try {
            d = ranktopo::to_deployment(c);
        } catch (const config_error&) {
            continue;  // a flat config no launch line gives (e.g. world_size other than TP·PP·PCP·DP)
        }
        ++expressible;
        INFO(f.at("config").dump());
        const std::string text = ranktopo::format_launch(d);
        INFO(text);
        CHECK(read_deployment(from_launch_text(text, c.vllm_ascend_version)).values == c);
    }
}

}  // namespace

TEST_CASE("deployment: --to-vllm's launch text reads back as the same config, over every golden config",
          "[deployment][golden]") {
    int expressible = 0;
    int total = 0;
    round_trip(ranktopo_test::load_golden_fixtures(), expressible, total);
    for (const auto& entry : std::filesystem::directory_iterator(RANKTOPO_GOLDEN_RELEASES_DIR)) {
        std::ifstream in(entry.path());
        round_trip(nlohmann::json::parse(in).at("fixtures"), expressible, total);
    }
    INFO(expressible << " of " << total << " served golden configs have a launch line");
    CHECK(total > 800);  // 400 + 1,068 fixtures, those the reference serves
    CHECK(expressible * 2 > total);
}
