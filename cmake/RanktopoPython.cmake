# The Python module `ranktopo` (python/): pybind11 extensions over ranktopo::ranktopo
# (ranktopo._core) and, when ranktopo::torch is built, over it (ranktopo._torch),
# laid out with the package's .py files in <build>/python/ranktopo, so that
# PYTHONPATH=<build>/python imports it. Built for Debian's /usr/bin/python3 unless
# -DPython3_EXECUTABLE=... names another interpreter; never with sanitizers (a
# sanitized extension does not load into an unsanitized interpreter).

set(RANKTOPO_PYTHON_BUILT OFF)  # ON below once the module's targets exist
# Off by default under add_subdirectory / FetchContent: an engine that takes
# ranktopo's C++ library does not want a Python extension built with it.
option(RANKTOPO_BUILD_PYTHON "Build the Python module (pybind11) when Python's development files are found"
       ${RANKTOPO_IS_TOP_LEVEL})
if(NOT RANKTOPO_BUILD_PYTHON)
  return()
endif()
if(RANKTOPO_SANITIZE)
  message(STATUS "ranktopo: RANKTOPO_SANITIZE is set, the Python module is not built "
                 "(a sanitized extension cannot load into an unsanitized interpreter)")
  return()
endif()

if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python the module is built for")
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
if(Python3_FOUND)
  set(PYBIND11_FINDPYTHON ON)
  find_package(pybind11 2.6 CONFIG QUIET)
endif()
if(NOT Python3_FOUND OR NOT pybind11_FOUND)
  message(STATUS "ranktopo: Python development files or pybind11 not found (python3-dev, pybind11-dev), "
                 "the Python module is not built")
  return()
endif()
message(STATUS "ranktopo: Python module for ${Python3_EXECUTABLE} (Python ${Python3_VERSION}, "
               "pybind11 ${pybind11_VERSION}); another: -DPython3_EXECUTABLE=...")

set(RANKTOPO_PYTHON_DIR "${PROJECT_BINARY_DIR}/python")  # the build's PYTHONPATH entry
set(_ranktopo_package "${RANKTOPO_PYTHON_DIR}/ranktopo")
file(GLOB _ranktopo_python_files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/python/ranktopo/*")
foreach(_file IN LISTS _ranktopo_python_files)
  get_filename_component(_name "${_file}" NAME)
  if(NOT _name STREQUAL "__pycache__")
    configure_file("${_file}" "${_ranktopo_package}/${_name}" COPYONLY)
  endif()
endforeach()

# The static libraries linked into a shared extension need position-independent code.
set_target_properties(ranktopo_ranktopo PROPERTIES POSITION_INDEPENDENT_CODE ON)

pybind11_add_module(ranktopo_python_core MODULE "${PROJECT_SOURCE_DIR}/python/src/core.cpp")
set_target_properties(ranktopo_python_core PROPERTIES OUTPUT_NAME _core LIBRARY_OUTPUT_DIRECTORY "${_ranktopo_package}")
target_link_libraries(ranktopo_python_core PRIVATE ranktopo::ranktopo nlohmann_json::nlohmann_json)
ranktopo_target_options(ranktopo_python_core)
add_custom_target(ranktopo_python ALL DEPENDS ranktopo_python_core)

if(TARGET ranktopo_torch)
  find_library(RANKTOPO_TORCH_PYTHON_LIBRARY torch_python HINTS ${TORCH_INSTALL_PREFIX}/lib)
  if(RANKTOPO_TORCH_PYTHON_LIBRARY)
    set_target_properties(ranktopo_torch PROPERTIES POSITION_INDEPENDENT_CODE ON)
    pybind11_add_module(ranktopo_python_torch MODULE "${PROJECT_SOURCE_DIR}/python/src/torch.cpp")
    set_target_properties(ranktopo_python_torch PROPERTIES OUTPUT_NAME _torch
                                                           LIBRARY_OUTPUT_DIRECTORY "${_ranktopo_package}")
    target_link_libraries(ranktopo_python_torch PRIVATE ranktopo::torch ranktopo::ranktopo ${RANKTOPO_TORCH_PYTHON_LIBRARY})
    ranktopo_target_options(ranktopo_python_torch)
    add_dependencies(ranktopo_python ranktopo_python_torch)
  else()
    message(STATUS "ranktopo: libtorch_python not found, ranktopo.torch is not built")
  endif()
endif()

set(RANKTOPO_PYTHON_BUILT ON)
