# Issue 20: one grammar for every subcommand, vLLM's groups at any scale, diff
# across releases and launch lines, lint as a gate, and the smaller things.
# (A ';' in a pattern would split the CMake argument: '.' stands for it.)
set(data ${CMAKE_CURRENT_SOURCE_DIR}/data)

# Every subcommand's help lists the shared flags, or names it refuses one and why.
foreach(command plan show explain lint svg diff cost html)
  set(shared "--config FILE@@--example@@--set KEY=VAL@@--vllm-args@@-o, --output FILE")
  foreach(flag "--format text.json" "--ranks-per-node K" "--family NAME")
    string(REGEX REPLACE " .*" "" bare "${flag}")
    string(APPEND shared "@@(  ${flag}|Not here: [^\n]*${bare}[^\n]*\\(${command}: )")
  endforeach()
  ranktopo_cli_test(${command}_help_lists_shared_flags EXIT 0 ARGS ${command} --help STDOUT_ALL "${shared}")
endforeach()
ranktopo_cli_test(help_command EXIT 0 ARGS help plan STDOUT "^Usage: ranktopo plan")
ranktopo_cli_test(help_unknown_command EXIT 2 ARGS help pln STDERR "unknown command 'pln'. did you mean 'plan'\\?")

# Nearest-name hints for flags, commands and --set keys, and a pointer to the subcommand with a flag.
ranktopo_cli_test(hint_flag EXIT 2 ARGS plan --exmaple STDERR "unknown option '--exmaple'. did you mean '--example'\\?")
ranktopo_cli_test(hint_command EXIT 2 ARGS pln --example STDERR "unknown command 'pln'. did you mean 'plan'\\?")
ranktopo_cli_test(hint_set_short EXIT 2 ARGS plan --set tp=2
  STDERR "unknown option 'tp'. did you mean 'tensor_parallel_size'\\? \\(tp is vLLM's short flag -tp\\)")
ranktopo_cli_test(hint_other_command EXIT 2 ARGS plan --example --rank 3
  STDERR "unknown option '--rank': --rank is an option of 'ranktopo explain --rank'")

# --format, -o, --ranks-per-node and --family across subcommands.
ranktopo_cli_test(plan_format_text EXIT 0 ARGS plan --example --format text STDOUT "^16 ranks: .*creation  mc2: 2 groups of 8")
ranktopo_cli_test(plan_output_file EXIT 0 ARGS plan --example -o ${CMAKE_CURRENT_BINARY_DIR}/plan_o.json
  STDOUT "^$" FILE ${CMAKE_CURRENT_BINARY_DIR}/plan_o.json FILE_MATCHES "^\\{\"creations\":")
ranktopo_cli_test(show_output_file EXIT 0 ARGS show --example --family mc2 --output=${CMAKE_CURRENT_BINARY_DIR}/show_o.txt
  STDOUT "^$" FILE ${CMAKE_CURRENT_BINARY_DIR}/show_o.txt FILE_MATCHES "^16 ranks")
ranktopo_cli_test(lint_output_file EXIT 1 ARGS lint --example -o ${CMAKE_CURRENT_BINARY_DIR}/lint_o.txt
  STDOUT "^$" FILE ${CMAKE_CURRENT_BINARY_DIR}/lint_o.txt FILE_MATCHES "warnings")
ranktopo_cli_test(show_ranks_per_node EXIT 0 ARGS show --example --family tp --ranks-per-node 2
  STDOUT "tp: 4 groups of 4 ranks. communicator \"tp\". 4 of 4 cross nodes of 2 ranks")
ranktopo_cli_test(explain_ranks_per_node EXIT 0 ARGS explain --example --rank 13 --ranks-per-node 8
  STDOUT "node 1 of 8 ranks per node \\(ranks 8..15\\)")
ranktopo_cli_test(explain_family EXIT 0 ARGS explain --example --rank 13 --family tp,mc2 STDOUT "\ntp .*\nmc2 [^\n]*\n\nplan")
ranktopo_cli_test(diff_output_json EXIT 1 ARGS diff --example --to-version 0.18.0 --format json
  -o ${CMAKE_CURRENT_BINARY_DIR}/diff_o.json STDOUT "^$" FILE ${CMAKE_CURRENT_BINARY_DIR}/diff_o.json
  FILE_MATCHES "^\\{\"identical\":false")
ranktopo_cli_test(svg_refuses_format EXIT 2 ARGS svg --example --format json -o -
  STDERR "svg does not take --format: its output is an SVG picture")
ranktopo_cli_test(plan_refuses_family EXIT 2 ARGS plan --example --family tp STDERR "plan does not take --family: the plan is one unit")

# vLLM's groups at any scale.
ranktopo_cli_test(plan_vllm_groups EXIT 0 ARGS plan --example --vllm-groups
  STDOUT "\"destroy_order\":\\[[0-9,]+\\],\"vllm_groups\":\\[\\{\"name\":\"world\",\"groups\":\\[\\[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\\]\\]\\},\\{\"name\":\"tp\",\"groups\":\\[\\[0,1,2,3\\],")
ranktopo_cli_test(plan_vllm_groups_large EXIT 0 ARGS plan --vllm-groups --set world_size=65536 --set tensor_parallel_size=16
  --set data_parallel_size=4096 -o ${CMAKE_CURRENT_BINARY_DIR}/plan_large.json
  FILE ${CMAKE_CURRENT_BINARY_DIR}/plan_large.json FILE_MATCHES "\\{\"name\":\"tp\",\"groups\":\\[\\[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\\],")
ranktopo_cli_test(show_json_large EXIT 0 ARGS show --format json --family tp --set world_size=65536
  --set tensor_parallel_size=16 --set data_parallel_size=4096 STDOUT "^\\{\"world_size\":65536,.*\"group_count\":4096,")

# diff: mirrored --from-*/--to-*, launch lines, a re-derived world, dropped options.
ranktopo_cli_test(diff_launch_lines EXIT 1 ARGS diff --from-vllm-args "-tp 8 -dp 2" --to-vllm-args "-tp 4 -dp 4"
  STDOUT "^16 ranks \\(E=1 D=2 P=1 C=1 T=8\\) -> 16 ranks \\(E=1 D=4 P=1 C=1 T=4\\)")
ranktopo_cli_test(diff_from_config EXIT 1 ARGS diff --from-config ${data}/d2_t4_mlp2.json --to-example
  STDOUT "^8 ranks \\(E=1 D=2 P=1 C=1 T=4\\) -> 16 ranks")
ranktopo_cli_test(diff_to_env EXIT 1 ARGS diff --to-env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE=2 -- serve m -tp 8 -dp 2
  STDOUT "flashcomm2_otp +added")
ranktopo_cli_test(diff_set_rederives_world EXIT 1 ARGS diff --vllm-args "-tp 8 -dp 2" --to-set pipeline_parallel_size=2
  STDOUT "^16 ranks \\(E=1 D=2 P=1 C=1 T=8\\) -> 32 ranks \\(E=1 D=2 P=2 C=1 T=8\\)")
ranktopo_cli_test(plan_set_rederives_world EXIT 0 ARGS plan --show-config --vllm-args "-tp 8 -dp 2" --set pipeline_parallel_size=2
  STDOUT "^world_size +32 ")
ranktopo_cli_test(diff_example_to_latest EXIT 1 ARGS diff --example --from-version 0.17.0rc1 --to-version latest
  STDOUT "dropped: flashcomm2_enabled .*flashcomm2_otp +removed +gone: flashcomm2_otp \\(8 groups of 2\\). dropped option flashcomm2_enabled")
ranktopo_cli_test(diff_deepseek_to_latest EXIT 2 ARGS diff --model-config ${data}/deepseek_v3_config.json
  --kv-transfer-config @${data}/deepseek_decode_kv.json --additional-config @${data}/deepseek_decode_additional.json
  --from-version 0.17.0rc1 --to-version latest -- serve /models/DeepSeek-V3 -tp 4 -dp 8 --enable-expert-parallel
  STDERR "the --to side: oproj_tensor_parallel_size \\(2\\) needs tensor_parallel_size 1 in vllm-ascend 0.25.1rc1")
# The README's upgrade: DeepSeek-V3 on 4 x 16 NPUs with FlashComm2 to latest, which dropped it.
ranktopo_cli_test(diff_deepseek_flashcomm2_to_latest EXIT 1 ARGS diff --from-version 0.17.0rc1 --to-version latest
  --model-config ${data}/deepseek_v3_config.json --env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE=2
  -- serve /models/DeepSeek-V3 -tp 16 -dp 4 --enable-expert-parallel
  STDOUT "flashcomm2_otp +removed +gone: flashcomm2_otp \\(32 groups of 2\\)\nflashcomm2_odp +removed +gone: flashcomm2_odp \\(8 groups of 8\\)"
  STDERR "env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE is ignored by vllm-ascend 0.25.1rc1")
# Before o_proj TP needed TP 1 (0.23.0rc1), the upgrade shows what changes.
ranktopo_cli_test(diff_deepseek_to_0_22 EXIT 1 ARGS diff --model-config ${data}/deepseek_v3_config.json
  --kv-transfer-config @${data}/deepseek_decode_kv.json --additional-config @${data}/deepseek_decode_additional.json
  --from-version 0.17.0rc1 --to-version 0.22.1rc1 -- serve /models/DeepSeek-V3 -tp 4 -dp 8 --enable-expert-parallel
  STDOUT "fc3_quant_x +changed +0 of 32 +creation 3 -> 1")
ranktopo_cli_test(diff_qwen3_flashcomm2_removed EXIT 1 ARGS diff
  --vllm-args "serve /models/Qwen3-235B-A22B -tp 16 -dp 2 --enable-expert-parallel"
  --additional-config @${data}/qwen3_prefill_additional.json --kv-transfer-config @${data}/qwen3_prefill_kv.json
  --env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE=2 --env DYNAMIC_EPLB=true --model-config ${data}/qwen3_235b_config.json
  --from-version 0.17.0rc1 --to-version latest
  STDOUT "flashcomm2_enabled true -> false.*flashcomm2_otp +removed +gone: flashcomm2_otp \\(16 groups of 2\\).*flashcomm2_odp +removed"
  STDERR "env VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE is ignored by vllm-ascend 0.25.1rc1")

# lint as a gate.
ranktopo_cli_test(lint_tp_crosses_nodes EXIT 1 ARGS lint --ranks-per-node 8 -- serve m -tp 16 -dp 2
  STDOUT "warning \\[tp\\]: 2 of 2 tp groups \\(16 ranks each\\) cross nodes of 8 ranks")
ranktopo_cli_test(lint_allow_cross_node EXIT 0 ARGS lint --ranks-per-node 8 --allow-cross-node tp -- serve m -tp 16 -dp 2
  STDOUT "0 warnings")
ranktopo_cli_test(lint_allow_unknown_family EXIT 2 ARGS lint --example --allow-cross-node tq
  STDERR "--allow-cross-node: 'tq' is not a family lint keeps in a node \\(tp\\)")
ranktopo_cli_test(lint_node_not_dividing EXIT 0 ARGS lint --ranks-per-node 6 -- serve m -tp 2 -dp 8
  STDOUT "note: ranks_per_node \\(6\\) does not divide world_size \\(16\\)")

# The smaller things.
ranktopo_cli_test(show_config_when_invalid EXIT 2 ARGS plan --show-config --vllm-args "-tp 8 -dp 2"
  --set mlp_tensor_parallel_size=3 STDOUT "^world_size +16 .*mlp_tensor_parallel_size +3 +--set"
  STDERR "mlp_tensor_parallel_size \\(3\\) must divide data_parallel_size \\(2\\)")
ranktopo_cli_test(show_config_changed_only EXIT 0 ARGS plan --show-config --changed-only --vllm-args "-tp 8 -dp 2"
  STDOUT "^world_size [^\n]*\ntensor_parallel_size [^\n]*\ndata_parallel_size [^\n]*\n$")
ranktopo_cli_test(show_config_json EXIT 0 ARGS plan --show-config --format json --vllm-args "-tp 8 -dp 2"
  STDOUT "^\\{\"options\":\\[\\{\"name\":\"world_size\",\"value\":16,\"source\":\"TP")
ranktopo_cli_test(plan_help_to_vllm_example EXIT 0 ARGS plan --to-vllm --set world_size=16 --set tensor_parallel_size=4
  --set data_parallel_size=4 STDOUT "vllm serve MODEL --tensor-parallel-size 4 --data-parallel-size 4")
ranktopo_cli_test(plan_help_shows_working_to_vllm EXIT 0 ARGS plan --help
  STDOUT "ranktopo plan --to-vllm --set world_size=16 --set tensor_parallel_size=4 --set data_parallel_size=4\n")
ranktopo_cli_test(show_text_limit_points_to_json EXIT 2 ARGS show --family tp --set world_size=65536
  --set tensor_parallel_size=16 --set data_parallel_size=4096 STDERR "'ranktopo show --format json' \\(no limit\\)")
ranktopo_cli_test(dcp_must_divide_tp EXIT 2 ARGS plan -- serve m -tp 8 -dcp 3
  STDERR "decode_context_parallel_size \\(3, --decode-context-parallel-size\\) must divide tensor_parallel_size \\(8, --tensor-parallel-size\\)")
# decode_context_parallel_size is a config option: vLLM's DCP group, its rule (divides TP), everywhere.
ranktopo_cli_test(dcp_set_must_divide_tp EXIT 2 ARGS plan --set world_size=8 --set tensor_parallel_size=8
  --set decode_context_parallel_size=3
  STDERR "decode_context_parallel_size \\(3\\) must divide tensor_parallel_size \\(8\\)")
ranktopo_cli_test(dcp_explain_group EXIT 0 ARGS explain --rank 3 -- serve m -tp 8 -dcp 2
  STDOUT "\ndcp +1 +1 +dcp +2, 3\n")
ranktopo_cli_test(dcp_plan_vllm_groups EXIT 0 ARGS plan --vllm-groups -- serve m -tp 8 -dcp 2
  STDOUT "\\{\"name\":\"tp\",\"groups\":\\[\\[0,1,2,3,4,5,6,7\\]\\]\\},\\{\"name\":\"dcp\",\"groups\":\\[\\[0,1\\],\\[2,3\\],\\[4,5\\],\\[6,7\\]\\]\\}")
ranktopo_cli_test(dcp_show_config EXIT 0 ARGS plan --show-config -- serve m -tp 8 -dcp 2
  STDOUT "\ndecode_context_parallel_size +2 +--decode-context-parallel-size\n")
ranktopo_cli_test(dcp_to_vllm EXIT 0 ARGS plan --to-vllm --set world_size=8 --set tensor_parallel_size=8
  --set decode_context_parallel_size=4 STDOUT "vllm serve MODEL .*--decode-context-parallel-size 4")
ranktopo_cli_test(dcp_show_family EXIT 0 ARGS show --family dcp --format json --set world_size=8
  --set tensor_parallel_size=4 --set decode_context_parallel_size=2
  STDOUT "\"groups\":\\[\\[0,1\\],\\[2,3\\],\\[4,5\\],\\[6,7\\]\\]")
