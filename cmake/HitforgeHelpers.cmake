# Helper functions shared by every module's CMakeLists.txt.

# hitforge_add_library(NAME SOURCES... [DEPS targets...])
function(hitforge_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE hitforge_warnings ${ARG_PRIVATE_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# hitforge_add_test(NAME SOURCES... DEPS targets...) — one Catch2 executable, registered with CTest.
function(hitforge_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE hitforge_catch_main ${ARG_DEPS} hitforge_warnings)
  # Fixture and binary paths are compiled in too, so a test binary also runs outside CTest.
  target_compile_definitions(${name} PRIVATE HITFORGE_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    HITFORGE_BIN_PATH="$<TARGET_FILE:hitforge>")
  add_test(NAME ${name} COMMAND ${name} --order rand --rng-seed 1)
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "HITFORGE_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data;HITFORGE_BIN=$<TARGET_FILE:hitforge>;OMP_NUM_THREADS=2")
endfunction()

# hitforge_add_bench(NAME SOURCES... DEPS targets...)
function(hitforge_add_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} hitforge_warnings)
endfunction()
