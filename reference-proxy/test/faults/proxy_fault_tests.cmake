# Deliberate faults of cloudstate-proxy (src/faults/proxy_faults.def), included from
# reference-proxy/CMakeLists.txt:
# * proxy_faults_list: reference-proxy/faults.list equals `cloudstate-proxy --list-faults`;
# * tck_proxy_fault.<fault>: the proxy suite against the proxy started with `--fault <fault>`
#   fails exactly the cases proxy-fault-cases.txt lists for it (run_proxy_fault.py run);
# * tck_proxy_fault_coverage: every proxy-suite case fails under some fault, or is allowed in
#   uncaught-proxy-cases.allow with a reason (run_proxy_fault.py coverage).
set(CS_PROXY_FAULTS_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(CS_PROXY_FAULTS_LIST "${CMAKE_CURRENT_SOURCE_DIR}/faults.list")
if(NOT CS_BUILD_TESTS)
  return()
endif()
add_test(NAME proxy_faults_list
  COMMAND ${CMAKE_COMMAND} -DFUNCTION=$<TARGET_FILE:cloudstate-proxy> -DLIST=${CS_PROXY_FAULTS_LIST}
          -P ${CS_SOURCE_DIR}/reference-function/test/check_faults_list.cmake)
set_tests_properties(proxy_faults_list PROPERTIES LABELS unit)

find_package(Python3 COMPONENTS Interpreter)
if(NOT (Python3_Interpreter_FOUND AND TARGET cloudstate-tck AND
        TARGET cloudstate-reference-function))
  return()
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CS_PROXY_FAULTS_LIST}")
file(STRINGS "${CS_PROXY_FAULTS_LIST}" cs_proxy_fault_lines)
set(CS_PROXY_FAULT_REPORTS "${CMAKE_CURRENT_BINARY_DIR}/proxy-fault-reports")
foreach(line IN LISTS cs_proxy_fault_lines)
  string(REPLACE "\t" ";" fields "${line}")
  list(GET fields 0 fault)
  add_test(NAME tck_proxy_fault.${fault}
    COMMAND "${Python3_EXECUTABLE}" "${CS_PROXY_FAULTS_DIR}/run_proxy_fault.py" run
            --tck "$<TARGET_FILE:cloudstate-tck>" --proxy "$<TARGET_FILE:cloudstate-proxy>"
            --function "$<TARGET_FILE:cloudstate-reference-function>"
            --spec-dir "${CS_SOURCE_DIR}/spec" --cases "${CS_PROXY_FAULTS_DIR}/proxy-fault-cases.txt"
            --fault "${fault}" --out "${CS_PROXY_FAULT_REPORTS}/${fault}")
  set_tests_properties(tck_proxy_fault.${fault} PROPERTIES LABELS tck TIMEOUT 600
                       FIXTURES_SETUP tck_proxy_fault_reports)
endforeach()
add_test(NAME tck_proxy_fault_coverage
  COMMAND "${Python3_EXECUTABLE}" "${CS_PROXY_FAULTS_DIR}/run_proxy_fault.py" coverage
          --tck "$<TARGET_FILE:cloudstate-tck>" --proxy "$<TARGET_FILE:cloudstate-proxy>"
          --cases "${CS_PROXY_FAULTS_DIR}/proxy-fault-cases.txt"
          --allow "${CS_PROXY_FAULTS_DIR}/uncaught-proxy-cases.allow"
          --reports "${CS_PROXY_FAULT_REPORTS}")
set_tests_properties(tck_proxy_fault_coverage PROPERTIES LABELS tck TIMEOUT 120
                     FIXTURES_REQUIRED tck_proxy_fault_reports)
