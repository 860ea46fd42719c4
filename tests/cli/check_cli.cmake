# Runs the ranktopo tool once and checks what a user sees.
#   -DEXE=path  -DARGS="a|b|c"  -DEXIT=n  [-DSTDIN=file] [-DSTDOUT=regex] [-DSTDERR=regex]
# With EXIT 2 (a refusal), standard output must be empty and standard error one line
# (exit 1 is lint's "warnings found", with a report on standard output).
include("${CMAKE_CURRENT_LIST_DIR}/run_tool.cmake")  # sets out and err, checks EXIT
if(DEFINED STDOUT AND NOT out MATCHES "${STDOUT}")
  message(FATAL_ERROR "stdout does not match '${STDOUT}':\n${out}")
endif()
if(DEFINED STDERR AND NOT err MATCHES "${STDERR}")
  message(FATAL_ERROR "stderr does not match '${STDERR}':\n${err}")
endif()
if(EXIT EQUAL 2)
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "a refusal printed to stdout:\n${out}")
  endif()
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines lines)
  if(NOT lines EQUAL 1)
    message(FATAL_ERROR "a refusal must be one line on stderr, got ${lines}:\n${err}")
  endif()
endif()
