# show, explain, lint and svg: golden outputs on small configs (text and
# JSON), the SVG's well-formedness, and every kind of invalid input.
find_package(Python3 COMPONENTS Interpreter REQUIRED)  # the SVG check parses XML

set(expected_dir ${CMAKE_CURRENT_SOURCE_DIR}/expected)
set(small ${CMAKE_CURRENT_SOURCE_DIR}/data/d2_t4_mlp2.json)      # 8 ranks, D=2 T=4, mlptp
set(quirky ${CMAKE_CURRENT_SOURCE_DIR}/data/d2_p2_t4_eplb.json)  # 16 ranks, D=2 P=2 T=4, mc2 spans stages
set(blocks ${CMAKE_CURRENT_SOURCE_DIR}/data/e2_c2_t2.json)       # 8 ranks, E=2 C=2 T=2

# ranktopo_golden_test(name EXIT n ARGS ...): stdout equals expected/<name>.txt.
function(ranktopo_golden_test name)
  cmake_parse_arguments(arg "" "EXIT" "ARGS" ${ARGN})
  string(REPLACE ";" "|" joined "${arg_ARGS}")
  add_test(NAME cli.golden.${name}
           COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:ranktopo_cli> "-DARGS=${joined}" -DEXIT=${arg_EXIT}
                   -DEXPECTED=${expected_dir}/${name}.txt -P ${CMAKE_CURRENT_SOURCE_DIR}/check_golden.cmake)
endfunction()

ranktopo_golden_test(show_small EXIT 0 ARGS show --config ${small})  # piped: no colour under auto
ranktopo_golden_test(show_small_json EXIT 0 ARGS show --config ${small} --format json)
ranktopo_golden_test(show_blocks_pcp EXIT 0 ARGS show --config ${blocks} --family pcp --color=never)
ranktopo_golden_test(show_example_mlp_tp EXIT 0 ARGS show --example --family mlp_tp)
ranktopo_golden_test(explain_example EXIT 0 ARGS explain --example --rank 13)
ranktopo_golden_test(explain_example_json EXIT 0 ARGS explain --example --rank 13 --format json)
ranktopo_golden_test(explain_blocks EXIT 0 ARGS explain --config ${blocks} --rank=6 --color never)
ranktopo_golden_test(lint_small EXIT 0 ARGS lint --config ${small})
ranktopo_golden_test(lint_small_json EXIT 0 ARGS lint --config ${small} --format json --ranks-per-node 4)
ranktopo_golden_test(lint_quirky EXIT 1 ARGS lint --config ${quirky} --ranks-per-node 4)
ranktopo_golden_test(lint_example EXIT 1 ARGS lint --example)
ranktopo_golden_test(lint_example_json EXIT 1 ARGS lint --example --format json --ranks-per-node 8)

# Colour: forced on, and off for JSON whatever --color says.
ranktopo_cli_test(show_color_always EXIT 0 ARGS show --example --family mc2 --color=always STDOUT "\\[48.2.[0-9]+.[0-9]+.[0-9]+m")
ranktopo_cli_test(lint_color_always EXIT 1 ARGS lint --example --color always STDOUT "\\[1m")
ranktopo_cli_test(json_never_colored EXIT 0 ARGS show --example --family tp --format json --color=always
  STDOUT "^\\{\"world_size\":16,\"sizes\":")

# --help on every subcommand, with examples.
foreach(command plan show explain lint svg)
  ranktopo_cli_test(${command}_help_examples EXIT 0 ARGS ${command} --help STDOUT "Usage: ranktopo ${command}.*Examples:")
endforeach()
ranktopo_cli_test(help_lists_commands EXIT 0 ARGS --help STDOUT "show.*explain.*lint.*svg")

# The SVG: well-formed, one cell per rank per family drawn.
function(ranktopo_svg_test name cells)
  string(REPLACE ";" "|" joined "${ARGN}")
  add_test(NAME cli.svg.${name}
           COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:ranktopo_cli> "-DARGS=${joined}"
                   -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/${name}.svg -DCELLS=${cells}
                   -DPYTHON=${Python3_EXECUTABLE} -P ${CMAKE_CURRENT_SOURCE_DIR}/check_svg.cmake)
endfunction()
ranktopo_svg_test(example 240 --example)  # 15 families x 16 ranks
ranktopo_svg_test(blocks_pcp 8 --config ${blocks} --family pcp)
ranktopo_svg_test(many_groups 4096 --set world_size=4096 --set tensor_parallel_size=8 --set data_parallel_size=512
  --family tp)
ranktopo_svg_test(one_family_title 16 --example --family mc2)  # was 480 px, narrower than its title
ranktopo_svg_test(sixteen_groups 32 --set world_size=32 --set data_parallel_size=2 --set pipeline_parallel_size=2
  --set tensor_parallel_size=8 --set mlp_tensor_parallel_size=2 --family mlptp)  # groups 5 and 13 were both pink
ranktopo_svg_test(one_rank_groups 32 --set world_size=32 --set tensor_parallel_size=8 --set data_parallel_size=4
  --family pcp)  # was a legend of 32 entries
ranktopo_cli_test(svg_stdout EXIT 0 ARGS svg --example --family mc2 -o - STDOUT "^<\\?xml.*</svg>\n$")

# Invalid input: exit 2, one line on stderr, nothing on stdout.
set(big --set world_size=1048576 --set tensor_parallel_size=16 --set data_parallel_size=65536)
ranktopo_cli_test(explain_rank_outside EXIT 2 ARGS explain --example --rank 16
  STDERR "rank 16 is outside the world of 16 ranks \\(0..15\\)")
ranktopo_cli_test(explain_rank_negative EXIT 2 ARGS explain --example --rank -1 STDERR "--rank \\(-1\\) must be at least 0")
ranktopo_cli_test(explain_rank_text EXIT 2 ARGS explain --example --rank one STDERR "--rank must be an integer, got 'one'")
ranktopo_cli_test(explain_rank_huge EXIT 2 ARGS explain --example --rank 99999999999 STDERR "outside the range of a 32-bit int")
ranktopo_cli_test(explain_no_rank EXIT 2 ARGS explain --example STDERR "explain needs --rank R")
ranktopo_cli_test(explain_rank_no_value EXIT 2 ARGS explain --example --rank STDERR "--rank needs a value")
ranktopo_cli_test(show_unknown_family EXIT 2 ARGS show --example --family nope
  STDERR "unknown family 'nope' \\(this config has: world, tp, pp, dp, pcp, ep, p_tp, mc2, .*fc3_quant_x\\)")
ranktopo_cli_test(svg_unknown_family EXIT 2 ARGS svg --config ${small} --family mc3 -o x.svg STDERR "unknown family 'mc3'")
ranktopo_cli_test(show_disabled_family EXIT 2 ARGS show --config ${small} --family p_tp STDERR "unknown family 'p_tp'")
ranktopo_cli_test(show_bad_format EXIT 2 ARGS show --example --format yaml STDERR "--format must be text or json, got 'yaml'")
ranktopo_cli_test(lint_bad_color EXIT 2 ARGS lint --example --color=sometimes
  STDERR "--color must be auto, always or never, got 'sometimes'")
ranktopo_cli_test(lint_bad_node EXIT 2 ARGS lint --example --ranks-per-node 0 STDERR "--ranks-per-node \\(0\\) must be at least 1")
ranktopo_cli_test(lint_node_text EXIT 2 ARGS lint --example --ranks-per-node=eight STDERR "--ranks-per-node must be an integer")
ranktopo_cli_test(lint_invalid_config EXIT 2 ARGS lint --set world_size=12 --set tensor_parallel_size=8
  STDERR "world_size \\(12\\) must be a multiple")
ranktopo_cli_test(explain_invalid_config EXIT 2 ARGS explain --rank 0 --set world_size=8 --set data_parallel_size=4
  --set tensor_parallel_size=2 --set mlp_tensor_parallel_size=3 STDERR "mlp_tensor_parallel_size \\(3\\) must divide")
ranktopo_cli_test(show_missing_world EXIT 2 ARGS show STDERR "world_size is required")
ranktopo_cli_test(svg_no_output EXIT 2 ARGS svg --example STDERR "svg needs -o FILE")
ranktopo_cli_test(svg_unwritable EXIT 2 ARGS svg --example -o ${CMAKE_CURRENT_BINARY_DIR}/no/such/dir/x.svg
  STDERR "cannot write '.*x.svg'")
ranktopo_cli_test(show_too_big EXIT 2 ARGS show ${big} --family tp
  STDERR "1048576 ranks are more than show draws \\(4096 at most\\). try 'ranktopo explain --rank R'")
ranktopo_cli_test(svg_too_big EXIT 2 ARGS svg ${big} -o big.svg STDERR "more than svg draws.*'ranktopo plan --vllm-groups'")
ranktopo_cli_test(show_too_many_cells EXIT 2 ARGS show --set world_size=4096 --set tensor_parallel_size=8
  --set data_parallel_size=512 STDERR "7 families of 4096 ranks are more than show draws at once.*--family NAME\\[,NAME...\\]")
foreach(command show explain lint svg)
  ranktopo_cli_test(${command}_unknown_option EXIT 2 ARGS ${command} --example --bogus STDERR "unknown option '--bogus'")
endforeach()
ranktopo_cli_test(unknown_command_lists EXIT 2 ARGS draw STDERR "unknown command 'draw' \\(commands: plan, show, explain, lint, svg")

# Big worlds: explain and lint answer at once (ctest's timeout guards "instant").
ranktopo_cli_test(explain_big EXIT 0 ARGS explain ${big} --rank 1048575
  STDOUT "rank 1048575 of 1048576: e=0 d=65535 p=0 c=0 t=15")
ranktopo_cli_test(lint_big EXIT 0 ARGS lint ${big} --ranks-per-node 16 STDOUT "dp +16 x 65536 +d +t +16 of 16")
set_tests_properties(cli.explain_big cli.lint_big PROPERTIES TIMEOUT 10)
ranktopo_svg_test(family_list 48 --example --family tp,ep,mc2)
ranktopo_cli_test(show_family_list_unknown EXIT 2 ARGS show --example --family tp,nope STDERR "unknown family 'nope'")
ranktopo_cli_test(show_by_communicator_name EXIT 0 ARGS show --example --family p_tp_0 STDOUT "p_tp: 8 groups of 2 ranks. communicator .p_tp_0.")
# The fingerprint: the pinned value of the example (tests/test_fingerprint.cpp), and in explain.
ranktopo_cli_test(plan_fingerprint EXIT 0 ARGS plan --example --fingerprint STDOUT "^60fcc2d7adf20cd5\n$")
ranktopo_cli_test(plan_fingerprint_release EXIT 0 ARGS plan --example --fingerprint --set vllm_ascend_version=0.18.0
                  STDOUT "^f0666c5e537f8345\n$")
