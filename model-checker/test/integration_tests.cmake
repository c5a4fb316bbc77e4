# The sdk target against the reference user function: it must pass against the healthy function
# and catch each fault listed here (the value entity faults that change replies or the journal).
if(NOT TARGET cloudstate-reference-function)
  return()
endif()
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  return()
endif()
set(CS_MC_SDK_ARGS --seed 20261203 --tests 200)
add_test(NAME model_checker_sdk.healthy
  COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/test/run_target.py"
          --checker "$<TARGET_FILE:cloudstate-model-checker>"
          --function "$<TARGET_FILE:cloudstate-reference-function>" --expect pass
          ${CS_MC_SDK_ARGS})
set_tests_properties(model_checker_sdk.healthy PROPERTIES LABELS integration TIMEOUT 600)
foreach(fault ve-reply-stale-state ve-init-state-ignored ve-delete-ignored
              ve-updates-not-collapsed)
  add_test(NAME model_checker_sdk.fault.${fault}
    COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/test/run_target.py"
            --checker "$<TARGET_FILE:cloudstate-model-checker>"
            --function "$<TARGET_FILE:cloudstate-reference-function>" --fault ${fault}
            --expect fail ${CS_MC_SDK_ARGS})
  set_tests_properties(model_checker_sdk.fault.${fault} PROPERTIES LABELS integration TIMEOUT 600)
endforeach()

# The proxy target: the reference function behind cloudstate-proxy, 8 concurrent clients. The
# stale-reply fault is caught whatever the interleaving (a command's reply must show its own
# update), so the failing run is deterministic in its verdict.
if(TARGET cloudstate-proxy)
  set(CS_MC_PROXY_ARGS --seed 20261203 --clients 8 --entities 3 --operations 1000)
  add_test(NAME model_checker_proxy.healthy
    COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/test/run_target.py"
            --checker "$<TARGET_FILE:cloudstate-model-checker>"
            --function "$<TARGET_FILE:cloudstate-reference-function>"
            --proxy "$<TARGET_FILE:cloudstate-proxy>" --expect pass ${CS_MC_PROXY_ARGS})
  add_test(NAME model_checker_proxy.fault.ve-reply-stale-state
    COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/test/run_target.py"
            --checker "$<TARGET_FILE:cloudstate-model-checker>"
            --function "$<TARGET_FILE:cloudstate-reference-function>"
            --proxy "$<TARGET_FILE:cloudstate-proxy>" --fault ve-reply-stale-state --expect fail
            ${CS_MC_PROXY_ARGS})
  # With the quiet-period nemesis and a short passivation timeout, entities are reloaded from the
  # proxy's store during the run; the healthy pair must stay linearizable.
  add_test(NAME model_checker_proxy.healthy_quiet_periods
    COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/test/run_target.py"
            --checker "$<TARGET_FILE:cloudstate-model-checker>"
            --function "$<TARGET_FILE:cloudstate-reference-function>"
            --proxy "$<TARGET_FILE:cloudstate-proxy>" --proxy-arg=--passivation-timeout
            --proxy-arg=30ms --expect pass --seed 20261203 --clients 4 --entities 3
            --operations 400 --quiet-every 25 --quiet-ms 150)
  # The checker owns the function and the proxy (SQLite journal) and injects every nemesis while
  # 4 clients run: kill -9 and restart of both processes, pauses, resets, partitions, latency.
  # No acknowledged write may be lost and every history must stay linearizable.
  add_test(NAME model_checker_proxy.nemeses_sqlite
    COMMAND "$<TARGET_FILE:cloudstate-model-checker>" proxy
            --function-command
            "$<TARGET_FILE:cloudstate-reference-function> --host 127.0.0.1 --port {port}"
            --proxy-command
            "$<TARGET_FILE:cloudstate-proxy> --bind 127.0.0.1 --http-port {port} --user-function {function} --store sqlite:${CMAKE_CURRENT_BINARY_DIR}/nemeses.db"
            --nemesis "reset-clients,hold-clients,latency-clients,reset-function,hold-function,black-hole-function,kill-function,pause-function,kill-proxy,pause-proxy"
            --nemesis-every-ms 100 --nemesis-ms 50 --seed 20261204 --clients 4 --entities 3
            --operations 3000 --timeout 20 --log-dir "${CMAKE_CURRENT_BINARY_DIR}"
            --html "${CMAKE_CURRENT_BINARY_DIR}/nemeses.html")
  set_tests_properties(model_checker_proxy.healthy model_checker_proxy.fault.ve-reply-stale-state
                       model_checker_proxy.healthy_quiet_periods model_checker_proxy.nemeses_sqlite
                       PROPERTIES LABELS integration TIMEOUT 600)
endif()

# `check` on the example histories of README.md: exit codes and the counterexample page.
add_test(NAME model_checker_cli.check_examples
  COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/test/check_examples.py"
          "$<TARGET_FILE:cloudstate-model-checker>" "${CMAKE_CURRENT_SOURCE_DIR}/examples"
          "${CMAKE_CURRENT_BINARY_DIR}/check-examples")
set_tests_properties(model_checker_cli.check_examples PROPERTIES LABELS integration TIMEOUT 300)
