# Per-target build settings: warnings and sanitizers, never global flags.

# Off by default; on in CI (the CI variable set, ranktopo the top-level
# project), so that the main CI build is also the warnings-as-errors build.
if(PROJECT_IS_TOP_LEVEL AND DEFINED ENV{CI} AND NOT "$ENV{CI}" MATCHES "^(|0|false|FALSE|no|NO|off|OFF)$")
  set(_ranktopo_werror_default ON)
else()
  set(_ranktopo_werror_default OFF)
endif()
option(RANKTOPO_WARNINGS_AS_ERRORS "Treat compiler warnings as errors in ranktopo's own targets (default: on in CI)"
       ${_ranktopo_werror_default})
set(RANKTOPO_SANITIZE "" CACHE STRING "Sanitizers for ranktopo's own targets, e.g. address,undefined or thread")

# ranktopo_target_options(<target>): the project's warning set, and the
# sanitizers of RANKTOPO_SANITIZE, on one of its own targets.
function(ranktopo_target_options target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wconversion -Wshadow)
    if(RANKTOPO_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
    if(RANKTOPO_SANITIZE)
      target_compile_options(${target} PRIVATE -fsanitize=${RANKTOPO_SANITIZE} -fno-sanitize-recover=all
                                               -fno-omit-frame-pointer)
      target_link_options(${target} PRIVATE -fsanitize=${RANKTOPO_SANITIZE})
    endif()
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${RANKTOPO_WARNINGS_AS_ERRORS}>:/WX>)
  endif()
endfunction()
