# cmake -DEXE=path -P check_test_names.cmake: fails when a Catch2 test name would not survive
# ctest. A ';' splits the name into two ctest tests that each match nothing (and pass), and a
# leading '-' is read as a flag.
execute_process(COMMAND ${EXE} --list-test-names-only OUTPUT_VARIABLE names)
if(names MATCHES ";")
  message(FATAL_ERROR "a test name in ${EXE} contains ';': use ',' instead")
endif()
if(names MATCHES "(^|\n)-")
  message(FATAL_ERROR "a test name in ${EXE} starts with '-': ctest passes it as a flag")
endif()
