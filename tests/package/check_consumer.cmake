# Configures, builds and runs the consumer project one way, in a fresh build
# tree, and checks what it prints. Run as a test:
#   cmake -DMODE=... -DCONSUMER_DIR=... -DWORK_DIR=... -DRANKTOPO_SOURCE_DIR=...
#         -DPREFIX=... -DGENERATOR=... -DCXX_COMPILER=... -DBUILD_TYPE=...
#         [-DLINKER_FLAGS=...] [-DEXPECT_MPI=ON] [-DEXPECT_TORCH=ON] -P check_consumer.cmake
# MODE=install instead installs the build tree RANKTOPO_BINARY_DIR into PREFIX.

include("${CMAKE_CURRENT_LIST_DIR}/run_checked.cmake")

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE "${PREFIX}")
  run("${CMAKE_COMMAND}" --install "${RANKTOPO_BINARY_DIR}" --prefix "${PREFIX}" --config "${BUILD_TYPE}")
  foreach(file include/ranktopo/ranktopo.hpp include/ranktopo/version.hpp)
    if(NOT EXISTS "${PREFIX}/${file}")
      message(FATAL_ERROR "not installed: ${file}")
    endif()
  endforeach()
  file(GLOB_RECURSE config_files "${PREFIX}/*/ranktopoConfig.cmake" "${PREFIX}/*/ranktopoConfigVersion.cmake"
       "${PREFIX}/*/ranktopo.pc")
  list(LENGTH config_files found)
  if(NOT found EQUAL 3)
    message(FATAL_ERROR "expected ranktopoConfig.cmake, its version file and ranktopo.pc, found: ${config_files}")
  endif()
  if(EXISTS "${PREFIX}/bin/ranktopo")  # the tool is installed when it is built
    run("${PREFIX}/bin/ranktopo" --version)
    if(NOT run_output MATCHES "^ranktopo [0-9]+\\.[0-9]+\\.[0-9]+\n$")
      message(FATAL_ERROR "installed tool: unexpected --version output '${run_output}'")
    endif()
  endif()
  return()
endif()

set(build_dir "${WORK_DIR}/${MODE}")
file(REMOVE_RECURSE "${build_dir}")
set(configure "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${build_dir}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "-DCONSUME_VIA=${MODE}"
    "-DRANKTOPO_SOURCE_DIR=${RANKTOPO_SOURCE_DIR}" "-DCMAKE_PREFIX_PATH=${PREFIX}"
    "-DEXPECT_MPI=${EXPECT_MPI}" "-DEXPECT_TORCH=${EXPECT_TORCH}" -DFETCHCONTENT_FULLY_DISCONNECTED=ON)
if(MODE STREQUAL "add_subdirectory" OR MODE STREQUAL "FetchContent")
  # These build ranktopo from source inside the consumer: the torch backend's
  # one file would add half a minute to each and is covered by find_package.
  list(APPEND configure -DRANKTOPO_WITH_TORCH=OFF)
endif()
if(LINKER_FLAGS)  # a sanitized libranktopo needs its runtime in the consumer's link
  list(APPEND configure "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")
endif()
file(GLOB pc_dirs "${PREFIX}/lib*/pkgconfig" "${PREFIX}/lib*/*/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "${pc_dirs}")
run(${configure})
run("${CMAKE_COMMAND}" --build "${build_dir}" --config "${BUILD_TYPE}" -j 2)
file(GLOB_RECURSE executables "${build_dir}/consumer" "${build_dir}/consumer.exe")
list(GET executables 0 executable)
run("${executable}")
# rank 5 is (d 2, t 1); MLP TP of size 2 pairs the DP replicas 2 and 3 at t 1.
if(NOT run_output MATCHES "^ranktopo [0-9.]+: mlptp group of rank 5: 5 7\n$")
  message(FATAL_ERROR "${MODE}: unexpected output '${run_output}'")
endif()
message(STATUS "${MODE}: ${run_output}")
