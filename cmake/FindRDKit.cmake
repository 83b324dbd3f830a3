# FindRDKit.cmake — Debian's librdkit-dev ships headers and libRDKit<Module>.so but no CMake config.
#
# Usage: find_package(RDKit REQUIRED COMPONENTS GraphMol SmilesParse ...)
# Defines the imported targets RDKit::<Module> (each with the include dirs) and RDKit_INCLUDE_DIRS.
# RDKit headers need Boost headers (RDGeneral/RDExportMacros.h includes boost/config.hpp).

find_path(RDKit_INCLUDE_DIR GraphMol/GraphMol.h
  PATH_SUFFIXES rdkit
  HINTS $ENV{RDKIT_ROOT}/include ${RDKIT_ROOT}/include)
find_package(Boost REQUIRED)

set(RDKit_INCLUDE_DIRS ${RDKit_INCLUDE_DIR} ${Boost_INCLUDE_DIRS})
set(_rdkit_missing "")
foreach(_comp IN LISTS RDKit_FIND_COMPONENTS)
  find_library(RDKit_${_comp}_LIBRARY NAMES RDKit${_comp}
    HINTS $ENV{RDKIT_ROOT}/lib ${RDKIT_ROOT}/lib)
  if(RDKit_${_comp}_LIBRARY)
    set(RDKit_${_comp}_FOUND TRUE)
    if(NOT TARGET RDKit::${_comp})
      add_library(RDKit::${_comp} SHARED IMPORTED)
      set_target_properties(RDKit::${_comp} PROPERTIES
        IMPORTED_LOCATION "${RDKit_${_comp}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${RDKit_INCLUDE_DIRS}")
    endif()
    list(APPEND RDKit_LIBRARIES RDKit::${_comp})
  else()
    list(APPEND _rdkit_missing ${_comp})
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit
  REQUIRED_VARS RDKit_INCLUDE_DIR
  HANDLE_COMPONENTS
  REASON_FAILURE_MESSAGE "install librdkit-dev (missing modules: ${_rdkit_missing})")
mark_as_advanced(RDKit_INCLUDE_DIR)
