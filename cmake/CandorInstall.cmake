# `cmake --install`: the libraries with their headers (under include/candor, the include root of
# the installed targets), the candor command, the shipped data files (share/candor/data, where
# datasets::default_data_dir() looks), and a package configuration so that
#   find_package(candor REQUIRED)
#   target_link_libraries(my_lab PRIVATE candor::fairness)   # or candor::candor for everything
# works from any CMake project.
include(CMakePackageConfigHelpers)

set(CANDOR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/candor)
install(TARGETS candor_engine candor_datasets candor_nn candor_fairness candor_explain candor_all
        EXPORT candorTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS candor RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(dir engine datasets nn fairness explain)
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/candor/${dir}
          FILES_MATCHING PATTERN "*.h" PATTERN "data" EXCLUDE)
endforeach()
install(DIRECTORY datasets/data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/candor/data)
install(EXPORT candorTargets NAMESPACE candor:: DESTINATION ${CANDOR_CMAKE_DIR})

configure_package_config_file(cmake/candorConfig.cmake.in ${PROJECT_BINARY_DIR}/candorConfig.cmake
                              INSTALL_DESTINATION ${CANDOR_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/candorConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/candorConfig.cmake ${PROJECT_BINARY_DIR}/candorConfigVersion.cmake
        DESTINATION ${CANDOR_CMAKE_DIR})
