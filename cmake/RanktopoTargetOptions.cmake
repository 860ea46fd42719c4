# Per-target build settings: warnings and sanitizers, never global flags.

option(RANKTOPO_WARNINGS_AS_ERRORS "Treat compiler warnings as errors in ranktopo's own targets" OFF)
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
