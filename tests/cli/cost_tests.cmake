# ranktopo cost (issue 18): the table, JSON, each release's HCCL group reuse, and bad input.
set(eplb --set world_size=16 --set tensor_parallel_size=4 --set data_parallel_size=2 --set pipeline_parallel_size=2
  --set dynamic_eplb=true --set multistream_overlap_gate=true)
ranktopo_cli_test(cost_example EXIT 0 ARGS cost --example
  STDOUT "^rank [0-9]+ of 16 \\(every rank pays alike\\), vllm-ascend 0.17.0rc1: no HCCL group reuse.*device communicators: +15 .*CPU communicators: +15.*HCCL memory: +[0-9]+ MB")
ranktopo_cli_test(cost_help EXIT 0 ARGS cost --help STDOUT "Usage: ranktopo cost.*Examples:")
ranktopo_cli_test(cost_shared_0_20 EXIT 0 ARGS cost ${eplb} --set vllm_ascend_version=0.20.2rc1 --rank 3
  STDOUT "\nfc3_quant_x +8 +200 +shared +shared with ep\n.*identical groups: +ep, mc2, dynamic_eplb and fc3_quant_x")
ranktopo_cli_test(cost_json_0_19 EXIT 0 ARGS cost ${eplb} --set vllm_ascend_version=0.19.1rc1 --rank 3 --format json
  STDOUT "^\\{\"rank\":3,.*\"release\":\"0.19.1rc1\",.*\"communicators\":\\[\\{\"name\":\"world\",\"communicator\":\"world\",\"group_size\":16,\"hccl_buffer_mb\":200,.*\"device_shared_with\":null\\}.*\\{\"name\":\"fc3_quant_x\",\"communicator\":\"fc3_quant_x\",\"group_size\":8,\"hccl_buffer_mb\":200,\"buffer_from_env\":false,\"reuse_domain\":\"shared\",\"device_shared_with\":\"ep\"\\}\\],\"device_communicators\":[0-9]+,\"cpu_communicators\":[0-9]+,\"hccl_memory_mb\":[0-9]+,\"identical\":\\[\\[\"ep\",\"mc2\",\"dynamic_eplb\",\"fc3_quant_x\"\\]")
ranktopo_cli_test(cost_json_0_21 EXIT 0 ARGS cost ${eplb} --set vllm_ascend_version=0.21.0rc1 --rank 3 --format json
  STDOUT "\\{\"name\":\"fc3_quant_x\",\"communicator\":\"fc3_quant_x\",\"group_size\":8,\"hccl_buffer_mb\":200,\"buffer_from_env\":false,\"reuse_domain\":\"shared\",\"device_shared_with\":null\\}")
ranktopo_cli_test(cost_env EXIT 0 ARGS cost --example --env HCCL_BUFFSIZE=512 --format json
  STDOUT "\"name\":\"mc2\",\"communicator\":\"mc2\",\"group_size\":8,\"hccl_buffer_mb\":512,\"buffer_from_env\":true")
ranktopo_cli_test(cost_big EXIT 0 ARGS cost --set world_size=1048576 --set tensor_parallel_size=16
  --set data_parallel_size=65536 --set vllm_ascend_version=0.20.2rc1 STDOUT "rank 0 of 1048576")
set_tests_properties(cli.cost_big PROPERTIES TIMEOUT 10)
ranktopo_cli_test(cost_rank_outside EXIT 2 ARGS cost --example --rank 16 STDERR "rank 16 is outside the world of 16 ranks")
ranktopo_cli_test(cost_rank_text EXIT 2 ARGS cost --example --rank two STDERR "--rank must be an integer, got 'two'")
ranktopo_cli_test(cost_bad_env EXIT 2 ARGS cost --example --env HCCL_BUFFSIZE STDERR "--env needs KEY=VALUE, got 'HCCL_BUFFSIZE'")
ranktopo_cli_test(cost_env_text EXIT 2 ARGS cost --example --env HCCL_BUFFSIZE=lots
  STDERR "HCCL_BUFFSIZE must be an integer, got 'lots'")
ranktopo_cli_test(cost_env_twice EXIT 2 ARGS cost --example --env HCCL_BUFFSIZE=1 --env HCCL_BUFFSIZE=2 STDERR "HCCL_BUFFSIZE")
ranktopo_cli_test(cost_zero_buffsize EXIT 2 ARGS cost --example --env HCCL_BUFFSIZE=0
  STDERR "HCCL_BUFFSIZE \\(0\\) must be at least 1")
ranktopo_cli_test(cost_unknown_option EXIT 2 ARGS cost --example --ranks 3 STDERR "unknown option '--ranks'")
ranktopo_cli_test(cost_invalid_config EXIT 2 ARGS cost --set world_size=12 --set tensor_parallel_size=8
  STDERR "world_size \\(12\\) must be a multiple")
ranktopo_cli_test(cost_bad_format EXIT 2 ARGS cost --example --format yaml STDERR "--format must be text or json")
