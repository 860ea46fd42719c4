# ranktopo::mpi — the MPI backend, built when RANKTOPO_WITH_MPI is on and
# MPI's C++ component is found (Debian: libopenmpi-dev, openmpi-bin).

option(RANKTOPO_WITH_MPI "Build the MPI backend (ranktopo::mpi), its tests and demo when MPI is found" ON)
if(RANKTOPO_WITH_MPI)
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    add_library(ranktopo_mpi ${PROJECT_SOURCE_DIR}/src/mpi_backend.cpp)
    add_library(ranktopo::mpi ALIAS ranktopo_mpi)
    set_target_properties(ranktopo_mpi PROPERTIES EXPORT_NAME mpi OUTPUT_NAME ranktopo_mpi)
    target_link_libraries(ranktopo_mpi PUBLIC ranktopo::headers MPI::MPI_CXX)
    # Only MPI's C API is used: skip the deprecated C++ bindings' headers.
    target_compile_definitions(ranktopo_mpi PUBLIC OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)
    ranktopo_target_options(ranktopo_mpi)
  else()
    message(STATUS "ranktopo: MPI not found, ranktopo::mpi is not built")
  endif()
endif()
