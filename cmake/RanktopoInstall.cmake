# cmake --install: headers, libranktopo, the ranktopo tool, a CMake package
# (ranktopoConfig.cmake, version file, exported targets) and ranktopo.pc.
# Included at the end of the top-level CMakeLists.txt, once every target exists.

include(CMakePackageConfigHelpers)

set(RANKTOPO_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/ranktopo"
    CACHE STRING "Where ranktopoConfig.cmake is installed, relative to the prefix")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/ranktopo"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT ranktopo_development
        FILES_MATCHING PATTERN "*.hpp")

install(TARGETS ranktopo_headers ranktopo_ranktopo EXPORT ranktopoTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ranktopo_development
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ranktopo_runtime
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT ranktopo_runtime)
install(EXPORT ranktopoTargets NAMESPACE ranktopo:: FILE ranktopoTargets.cmake
        DESTINATION "${RANKTOPO_INSTALL_CMAKEDIR}" COMPONENT ranktopo_development)

# The MPI backend is its own component with its own export file, so the core
# package stays usable where MPI is absent: find_package(ranktopo COMPONENTS mpi).
if(TARGET ranktopo_mpi)
  get_target_property(_ranktopo_mpi_export_name ranktopo_mpi EXPORT_NAME)
  if(NOT _ranktopo_mpi_export_name)
    set_target_properties(ranktopo_mpi PROPERTIES EXPORT_NAME mpi)  # ranktopo::mpi once installed
  endif()
  install(TARGETS ranktopo_mpi EXPORT ranktopoMpiTargets
          ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ranktopo_development
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ranktopo_runtime
          RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT ranktopo_runtime)
  install(EXPORT ranktopoMpiTargets NAMESPACE ranktopo:: FILE ranktopoMpiTargets.cmake
          DESTINATION "${RANKTOPO_INSTALL_CMAKEDIR}" COMPONENT ranktopo_development)
endif()

# The torch backend likewise: find_package(ranktopo COMPONENTS torch).
if(TARGET ranktopo_torch)
  install(TARGETS ranktopo_torch EXPORT ranktopoTorchTargets
          ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ranktopo_development
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT ranktopo_runtime
          RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT ranktopo_runtime)
  install(EXPORT ranktopoTorchTargets NAMESPACE ranktopo:: FILE ranktopoTorchTargets.cmake
          DESTINATION "${RANKTOPO_INSTALL_CMAKEDIR}" COMPONENT ranktopo_development)
endif()

if(TARGET ranktopo_cli)
  install(TARGETS ranktopo_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT ranktopo_runtime)
endif()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/ranktopoConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/ranktopoConfig.cmake"
                              INSTALL_DESTINATION "${RANKTOPO_INSTALL_CMAKEDIR}")
# Before 1.0 a minor release may break the API (semantic versioning's 0.y.z).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_ranktopo_compatibility SameMinorVersion)
else()
  set(_ranktopo_compatibility SameMajorVersion)
endif()
write_basic_package_version_file("${PROJECT_BINARY_DIR}/ranktopoConfigVersion.cmake"
                                 COMPATIBILITY ${_ranktopo_compatibility})
install(FILES "${PROJECT_BINARY_DIR}/ranktopoConfig.cmake" "${PROJECT_BINARY_DIR}/ranktopoConfigVersion.cmake"
        DESTINATION "${RANKTOPO_INSTALL_CMAKEDIR}" COMPONENT ranktopo_development)

# ranktopo.pc finds its prefix from its own location (${pcfiledir}), so the
# tree stays valid when installed with `cmake --install --prefix` elsewhere.
function(_ranktopo_pc_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
set(_ranktopo_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${_ranktopo_pc_dir}")
  set(RANKTOPO_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _ranktopo_up "/prefix/${_ranktopo_pc_dir}" "/prefix")
  string(REGEX REPLACE "/$" "" _ranktopo_up "${_ranktopo_up}")
  set(RANKTOPO_PC_PREFIX "\${pcfiledir}/${_ranktopo_up}")
endif()
_ranktopo_pc_path(RANKTOPO_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
_ranktopo_pc_path(RANKTOPO_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/ranktopo.pc.in" "${PROJECT_BINARY_DIR}/ranktopo.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/ranktopo.pc" DESTINATION "${_ranktopo_pc_dir}"
        COMPONENT ranktopo_development)
