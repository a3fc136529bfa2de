# candor_library(NAME SOURCES...): the static library candor_NAME, called candor::NAME here and in
# an installed package, whose include root is the repository root while building and
# <prefix>/include/candor once installed, so `#include "engine/tensor.h"` means the same in both.
function(candor_library name)
  add_library(candor_${name} ${ARGN})
  add_library(candor::${name} ALIAS candor_${name})
  set_target_properties(candor_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(candor_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/candor>)
endfunction()
