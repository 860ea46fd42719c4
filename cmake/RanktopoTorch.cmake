# ranktopo::torch — the PyTorch (c10d) backend, built when RANKTOPO_WITH_TORCH
# is on and Torch's CMake package is found (Debian: libtorch-dev, whose Gloo
# process group also needs libgloo-dev's headers).

option(RANKTOPO_WITH_TORCH "Build the PyTorch c10d backend (ranktopo::torch) and its tests when Torch is found" ON)
if(RANKTOPO_WITH_TORCH)
  find_package(Torch QUIET)
  find_path(RANKTOPO_GLOO_INCLUDE_DIR gloo/rendezvous/store.h)
  find_library(RANKTOPO_GLOO_LIBRARY gloo)
  if(Torch_FOUND AND TORCH_FOUND AND RANKTOPO_GLOO_INCLUDE_DIR AND RANKTOPO_GLOO_LIBRARY)
    add_library(ranktopo_torch ${PROJECT_SOURCE_DIR}/src/torch_backend.cpp)
    add_library(ranktopo::torch ALIAS ranktopo_torch)
    set_target_properties(ranktopo_torch PROPERTIES EXPORT_NAME torch OUTPUT_NAME ranktopo_torch)
    # torch is an imported target: its include directories are SYSTEM, so the
    # project's warning set applies to ranktopo's code only.
    target_link_libraries(ranktopo_torch PUBLIC ranktopo::headers torch PRIVATE ${RANKTOPO_GLOO_LIBRARY})
    # c10d's ProcessGroupGloo.hpp declares its class only with USE_C10D_GLOO.
    target_compile_definitions(ranktopo_torch PRIVATE USE_C10D_GLOO)
    target_include_directories(ranktopo_torch SYSTEM PRIVATE ${RANKTOPO_GLOO_INCLUDE_DIR})
    ranktopo_target_options(ranktopo_torch)
  else()
    message(STATUS "ranktopo: Torch (libtorch-dev) or Gloo (libgloo-dev) not found, ranktopo::torch is not built")
  endif()
endif()
