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
ranktopo_cli_test(deploy_release EXIT 2 ARGS plan --vllm-args "-tp 4" --env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE=2
  --set vllm_ascend_version=0.25.1rc1 STDERR "does not exist in vllm-ascend 0.25.1rc1")
ranktopo_cli_test(config_is_directory EXIT 2 ARGS plan --config ${data} STDERR "is a directory")
ranktopo_cli_test(model_config_is_directory EXIT 2 ARGS plan --vllm-args "-tp 2" --model-config ${data}
  STDERR "--model-config file '.*' is a directory")
ranktopo_cli_test(duplicate_key EXIT 2 ARGS plan --config ${data}/duplicate_key.json
  STDERR "duplicate key 'world_size' \\(8, then 16\\)")
ranktopo_cli_test(duplicate_key_model EXIT 2 ARGS plan --vllm-args "-tp 2" --model-config ${data}/duplicate_key.json
  STDERR "--model-config: duplicate key 'world_size' \\(8, then 16\\)")
