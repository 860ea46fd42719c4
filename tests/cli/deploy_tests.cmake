# The deployment flags (issue 12): a launch line, its JSON configs, environment
# and model config read as the release reads them; --show-config, --to-vllm;
# input hygiene of every JSON input and file.
set(data ${CMAKE_CURRENT_SOURCE_DIR}/data)

ranktopo_golden_test(deploy_qwen3_prefill_show_config EXIT 0 ARGS plan --show-config
  --vllm-args "serve /models/Qwen3-235B-A22B -tp 16 -dp 2 --enable-expert-parallel"
  --additional-config @${data}/qwen3_prefill_additional.json --kv-transfer-config @${data}/qwen3_prefill_kv.json
  --env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE=2 --env DYNAMIC_EPLB=true --model-config ${data}/qwen3_235b_config.json)
ranktopo_golden_test(deploy_deepseek_decode_show_config EXIT 0 ARGS plan --show-config
  --model-config ${data}/deepseek_v3_config.json --kv-transfer-config @${data}/deepseek_decode_kv.json
  --additional-config @${data}/deepseek_decode_additional.json -- serve /models/DeepSeek-V3 -tp 4 -dp 8 --enable-expert-parallel)
ranktopo_golden_test(deploy_to_vllm EXIT 0 ARGS plan --to-vllm --config ${golden_config}
  --set is_kv_producer=true --set pd_tp_ratio=2 --set pd_head_ratio=2 --set dynamic_eplb=true)

ranktopo_cli_test(deploy_plan EXIT 0 ARGS plan --vllm-args "-tp 4 -dp 2" --additional-config
  @${data}/qwen3_prefill_additional.json --env DYNAMIC_EPLB=1 STDOUT "\"dynamic_eplb\":[0-9]+")
ranktopo_cli_test(deploy_wrong_type EXIT 2 ARGS plan --vllm-args "-tp 4"
  "--additional-config={\"finegrained_tp_config\": {\"mlp_tensor_parallel_size\": \"2\"}}"
  STDERR "--additional-config: finegrained_tp_config.mlp_tensor_parallel_size must be an integer, got \"2\"")
ranktopo_cli_test(deploy_unknown_key_warns EXIT 0 ARGS plan --vllm-args "-tp 4"
  "--additional-config={\"layer_shardin\": []}"
  STDERR "^ranktopo: warning: --additional-config: 'layer_shardin' is not read by vllm-ascend 0.17.0rc1; did you mean 'layer_sharding'\\?\n$")
ranktopo_cli_test(deploy_needs_model EXIT 2 ARGS plan --vllm-args "-tp 16" --kv-transfer-config @${data}/qwen3_prefill_kv.json
  STDERR "pd_tp_ratio needs --model-config")
ranktopo_cli_test(deploy_rejected_ratio EXIT 2 ARGS plan --vllm-args "-tp 4" --model-config ${data}/qwen3_235b_config.json
  "--kv-transfer-config={\"kv_connector\": \"x\", \"kv_role\": \"kv_producer\", \"kv_connector_extra_config\": {\"prefill\": {\"tp_size\": 2}, \"decode\": {\"tp_size\": 4}}}"
  STDERR "prefill tp_size \\(2\\) must be divisible by decode tp_size \\(4\\)")
ranktopo_cli_test(deploy_excludes_config EXIT 2 ARGS plan --example --vllm-args "-tp 4"
  STDERR "exclude --config and --example")
# Issue 19: what a release ignores gets exactly one warning line and changes nothing; what
# it refuses is refused (exit 2), naming the option.
ranktopo_cli_test(deploy_release_ignores EXIT 0 ARGS plan --vllm-args "-tp 4" --env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE=2
  --set vllm_ascend_version=0.25.1rc1
  STDERR "^ranktopo: warning: env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE is ignored by vllm-ascend 0.25.1rc1 \\(read by 0.13.0rc2..0.24.0rc1\\)\n$")
ranktopo_cli_test(deploy_release_ignores_layer_sharding EXIT 0 ARGS plan --vllm-args "-tp 4"
  "--additional-config={\"layer_sharding\": [\"o_proj\"]}" --set vllm_ascend_version=0.24.0rc1
  STDERR "^ranktopo: warning: --additional-config: layer_sharding is ignored by vllm-ascend 0.24.0rc1 \\(read by 0.13.0rc2..0.23.0\\)[^\n]*\n$")
ranktopo_cli_test(deploy_release_ignores_show_config EXIT 0 ARGS plan --show-config --vllm-args "-tp 4"
  "--additional-config={\"layer_sharding\": [\"o_proj\"]}" --set vllm_ascend_version=0.24.0rc1
  STDOUT "\nignored: --additional-config: layer_sharding \\(ignored by 0.24.0rc1\\)\n")
ranktopo_cli_test(deploy_release_refuses EXIT 2 ARGS plan --vllm-args "-tp 4 -dp 2" --model-config ${data}/llama_config.json
  "--additional-config={\"finegrained_tp_config\": {\"mlp_tensor_parallel_size\": 2}}" --set vllm_ascend_version=0.21.0rc1
  STDERR "finegrained_tp_config.mlp_tensor_parallel_size \\(2\\) needs a MoE model")
ranktopo_cli_test(deploy_fallback_show_config EXIT 0 ARGS plan --show-config --vllm-args "-tp 16"
  --kv-transfer-config @${data}/qwen3_prefill_kv.json --model-config ${data}/llama_config.json
  STDOUT "\nmodel: num_key_value_heads 32 \\(model config: num_attention_heads, transformers' default\\)\n")

# Issue 20: nothing skipped silently.
ranktopo_cli_test(deploy_unknown_vllm_arg EXIT 2 ARGS plan -- serve Qwen/Qwen3-32B --tensor-paralel-size 8 -dp 2
  STDERR "`vllm serve` has no argument '--tensor-paralel-size' \\(did you mean '--tensor-parallel-size'\\?\\)")
ranktopo_cli_test(deploy_skipped_vllm_arg EXIT 0 ARGS plan --show-config -- serve m -tp 2 --max-model-len 4096 --trust-remote-code
  STDOUT "\nskipped: --max-model-len 4096\nskipped: --trust-remote-code\n")
ranktopo_cli_test(deploy_env_typo_warns EXIT 0 ARGS plan --vllm-args "-tp 8" --env VLLM_ASCEND_FLASHCOM2_PARALLEL_SIZE=2
  STDERR "^ranktopo: warning: env VLLM_ASCEND_FLASHCOM2_PARALLEL_SIZE is not read by vllm-ascend 0.17.0rc1. did you mean 'VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE'\\?\n$")
ranktopo_cli_test(deploy_tool_flag_after_dashes EXIT 2 ARGS plan -- serve m -tp 2 --format json
  STDERR "'--format' after -- is a ranktopo option, not a `vllm serve` argument: put it before --")
ranktopo_cli_test(deploy_dynamic_eplb_names_env_flags EXIT 2 ARGS plan --vllm-args "-tp 4"
  "--additional-config={\"eplb_config\": {\"dynamic_eplb\": true}}"
  STDERR "give --env DYNAMIC_EPLB=true, or export it and give --env-from-process")
ranktopo_cli_test(deploy_additional_config_without_at EXIT 2 ARGS plan --vllm-args "-tp 4"
  --additional-config ${data}/qwen3_prefill_additional.json
  STDERR "to read the file, write --additional-config @.*qwen3_prefill_additional.json")
ranktopo_cli_test(deploy_model_config_at_file EXIT 0 ARGS plan --show-config --vllm-args "-tp 16"
  --kv-transfer-config @${data}/qwen3_prefill_kv.json --model-config @${data}/qwen3_235b_config.json
  STDOUT "num_head_replica +4 ")
ranktopo_cli_test(deploy_top_level_dynamic_eplb_hint EXIT 0 ARGS plan --vllm-args "-tp 4"
  "--additional-config={\"dynamic_eplb\": true}"
  STDERR "did you mean 'eplb_config.dynamic_eplb'\\?\n$")
# --env-from-process passes on only vLLM's and vllm-ascend's variables: a VLLM_ASCEND_* typo
# in the process gets its warning, PATH and the like none.
ranktopo_cli_test(deploy_env_from_process_relevant EXIT 0 ARGS plan --vllm-args "-tp 8" --env-from-process
  STDERR "^ranktopo: warning: env VLLM_ASCEND_FLASHCOM2_PARALLEL_SIZE is not read by vllm-ascend 0.17.0rc1[^\n]*\n$")
set_tests_properties(cli.deploy_env_from_process_relevant PROPERTIES
  ENVIRONMENT "VLLM_ASCEND_FLASHCOM2_PARALLEL_SIZE=2;UNRELATED_VARIABLE=1")
ranktopo_cli_test(config_is_directory EXIT 2 ARGS plan --config ${data} STDERR "is a directory")
ranktopo_cli_test(model_config_is_directory EXIT 2 ARGS plan --vllm-args "-tp 2" --model-config ${data}
  STDERR "--model-config file '.*' is a directory")
ranktopo_cli_test(duplicate_key EXIT 2 ARGS plan --config ${data}/duplicate_key.json
  STDERR "duplicate key 'world_size' \\(8, then 16\\)")
ranktopo_cli_test(duplicate_key_model EXIT 2 ARGS plan --vllm-args "-tp 2" --model-config ${data}/duplicate_key.json
  STDERR "--model-config: duplicate key 'world_size' \\(8, then 16\\)")
