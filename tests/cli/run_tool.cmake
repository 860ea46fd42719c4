# Runs the ranktopo tool once (shared by check_cli.cmake and check_golden.cmake):
#   -DEXE=path  -DARGS="a|b|c"  -DEXIT=n  [-DSTDIN=file]
# Sets `out` and `err`; fails unless the exit status is EXIT.
string(REPLACE "|" ";" args "${ARGS}")
set(input_option)
if(DEFINED STDIN)
  set(input_option INPUT_FILE "${STDIN}")
endif()
execute_process(COMMAND "${EXE}" ${args} ${input_option}
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code STREQUAL EXIT)
  message(FATAL_ERROR "exit ${code}, expected ${EXIT}\nstdout: ${out}\nstderr: ${err}")
endif()
