# The proxy suite's integration test (label tck): reference function + interceptor + reference
# proxy on free loopback ports. cloudstate-proxy is defined after tck/ in the top-level list, so the
# check is deferred to the end of the top-level directory.
function(cs_add_proxy_suite_test)
  if(NOT (TARGET cloudstate-proxy AND TARGET cloudstate-reference-function AND TARGET cloudstate_tck))
    return()
  endif()
  cs_test(NAME proxy_suite_integration_test
          SOURCES "${CS_SOURCE_DIR}/tck/test/proxy_suite_integration_test.cc"
          DEPS "$<LINK_LIBRARY:WHOLE_ARCHIVE,cloudstate_tck>" LABELS tck TIMEOUT 600)
  target_compile_definitions(proxy_suite_integration_test PRIVATE
    CS_REFERENCE_FUNCTION="$<TARGET_FILE:cloudstate-reference-function>"
    CS_REFERENCE_PROXY="$<TARGET_FILE:cloudstate-proxy>"
    CS_SOURCE_SPEC_DIR="${CS_SOURCE_DIR}/spec")
  add_dependencies(proxy_suite_integration_test cloudstate-reference-function cloudstate-proxy)
endfunction()
cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL cs_add_proxy_suite_test)
