# Small wrappers so every component is declared the same way.

add_library(cloudstate_warnings INTERFACE)
target_compile_options(cloudstate_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter
  # Designated initializers that leave members at their defaults are the intended style.
  -Wno-missing-field-initializers)
if(CS_WERROR)
  target_compile_options(cloudstate_warnings INTERFACE -Werror)
endif()

# cs_library(NAME cloudstate_x ALIAS cloudstate::x SOURCES ... PUBLIC_DEPS ... PRIVATE_DEPS ...)
function(cs_library)
  cmake_parse_arguments(ARG "" "NAME;ALIAS" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(${ARG_ALIAS} ALIAS ${ARG_NAME})
  target_include_directories(${ARG_NAME}
    PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include"
    PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} cloudstate_warnings)
endfunction()

# cs_executable(NAME cloudstate-x SOURCES main.cc DEPS ...)
function(cs_executable)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} cloudstate_warnings)
endfunction()

# cs_test(NAME x_test SOURCES ... DEPS ... LABELS unit [TIMEOUT s] [TEST_PREFIX p.])
# A GoogleTest binary whose cases are discovered when ctest runs (named TEST_PREFIX + Suite.Case).
function(cs_test)
  if(NOT CS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT;TEST_PREFIX" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main cloudstate_warnings)
  target_compile_definitions(${ARG_NAME} PRIVATE CS_SOURCE_DIR="${CS_SOURCE_DIR}"
    CS_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${ARG_NAME}
    DISCOVERY_MODE PRE_TEST
    TEST_PREFIX "${ARG_TEST_PREFIX}"
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

# cs_benchmark(NAME x_bench SOURCES ... DEPS ...): Google Benchmark binary, ctest label "bench".
function(cs_benchmark)
  if(NOT CS_BUILD_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark_main cloudstate_warnings)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} --benchmark_min_time=0.05)
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS bench)
endfunction()
