# run(COMMAND ARGS...): executes the command, fails the test with its output
# unless it exits 0, and leaves its standard output in `run_output`.
# Shared by check_consumer.cmake and check_engine.cmake.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${code}): ${command}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()
