# Builds examples/engine against the installed ranktopo (find_package, as an
# out-of-tree engine would) in a fresh build tree, runs it over its own
# backend and, when ranktopo was built with MPI, over MPI at 4 processes.
#   cmake -DENGINE_DIR=... -DWORK_DIR=... -DPREFIX=... -DGENERATOR=... -DCXX_COMPILER=...
#         -DBUILD_TYPE=... [-DLINKER_FLAGS=...] [-DEXPECT_MPI=ON -DMPIEXEC=...] -P check_engine.cmake

include("${CMAKE_CURRENT_LIST_DIR}/run_checked.cmake")

set(build_dir "${WORK_DIR}/engine")
file(REMOVE_RECURSE "${build_dir}")
set(configure "${CMAKE_COMMAND}" -S "${ENGINE_DIR}" -B "${build_dir}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "-DCMAKE_PREFIX_PATH=${PREFIX}")
if(LINKER_FLAGS)
  list(APPEND configure "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")
endif()
run(${configure})
run("${CMAKE_COMMAND}" --build "${build_dir}" --config "${BUILD_TYPE}" -j 2)

# Rank 5 of 8 (d 2, t 1): vLLM's groups first, then mc2 and the o_proj group
# MLP TP shares; the setting keyed "mlptp" reached that shared creation.
run("${build_dir}/engine" 5)
set(expected "rank 5: world -> world position 5 of 8: 0 1 2 3 4 5 6 7 \\[world, 64 MB\\]
rank 5: tp -> tp position 1 of 2: 4 5 \\[tp, 100 MB\\]
.*rank 5: mc2 -> mc2 position 5 of 8: 0 1 2 3 4 5 6 7 \\[mc2, 512 MB\\]
rank 5: otp -> otp \\(shared\\) position 0 of 2: 5 7 \\[otp, 200 MB\\]
rank 5: mlp_tp -> otp \\(shared\\) position 0 of 2: 5 7 \\[otp, 200 MB\\]
$")
if(NOT run_output MATCHES "^${expected}")
  message(FATAL_ERROR "engine: unexpected output:\n${run_output}")
endif()
message(STATUS "engine:\n${run_output}")

if(EXPECT_MPI)
  if(NOT EXISTS "${build_dir}/engine-mpi")
    message(FATAL_ERROR "ranktopo was built with MPI, but engine-mpi was not built")
  endif()
  set(ENV{OMPI_ALLOW_RUN_AS_ROOT} 1)
  set(ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} 1)
  run("${MPIEXEC}" -n 4 --oversubscribe "${build_dir}/engine-mpi")
  if(NOT run_output MATCHES "rank 0: dp -> dp position 0 of 2: 0 2 \\[MPI_Comm of 2\\]\n.*rank 0: mlp_tp -> otp \\(shared\\) position 0 of 2: 0 2 \\[MPI_Comm of 2\\]\n$")
    message(FATAL_ERROR "engine-mpi: unexpected output:\n${run_output}")
  endif()
  message(STATUS "engine-mpi:\n${run_output}")
endif()
