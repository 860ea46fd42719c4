# Runs the ranktopo tool once and compares its standard output, byte for
# byte, with a committed file.
#   -DEXE=path  -DARGS="a|b|c"  -DEXIT=n  -DEXPECTED=file  [-DSTDIN=file]
# Standard error must be empty. With RANKTOPO_UPDATE_GOLDEN=1 in the
# environment the file is rewritten instead (then review the diff).
include("${CMAKE_CURRENT_LIST_DIR}/run_tool.cmake")  # sets out and err, checks EXIT
if(NOT err STREQUAL "")
  message(FATAL_ERROR "unexpected standard error:\n${err}")
endif()
if("$ENV{RANKTOPO_UPDATE_GOLDEN}" STREQUAL "1")
  file(WRITE "${EXPECTED}" "${out}")
  return()
endif()
file(READ "${EXPECTED}" expected)
if(NOT out STREQUAL expected)
  file(WRITE "${EXPECTED}.actual" "${out}")
  message(FATAL_ERROR "standard output differs from ${EXPECTED}; got (also in ${EXPECTED}.actual):\n${out}")
endif()
