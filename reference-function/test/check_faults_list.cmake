# Keeps reference-function/faults.list identical to `cloudstate-reference-function --list-faults`
# (the per-fault ctests are generated from the file at configure time).
#   cmake -DFUNCTION=<binary> -DLIST=<faults.list> -P check_faults_list.cmake
execute_process(COMMAND "${FUNCTION}" --list-faults OUTPUT_VARIABLE actual RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUNCTION} --list-faults exited with ${rc}")
endif()
file(READ "${LIST}" expected)
if(NOT actual STREQUAL expected)
  file(WRITE "${LIST}.actual" "${actual}")
  message(FATAL_ERROR "${LIST} differs from `--list-faults` (written to ${LIST}.actual); update it:\n"
                      "  ${FUNCTION} --list-faults > ${LIST}\nand re-run cmake")
endif()
message(STATUS "faults.list matches --list-faults")
