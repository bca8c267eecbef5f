include(GoogleTest)

# gorae_add_gtest(<target> CHAPTER chNN TIER unit|root|e2e SOURCES ...)
#
# Every test is named "<chapter>.<Suite>.<Name>" so that `ctest -R '^ch01\.'`
# and scripts/grade select one chapter. Tests carry two labels, the tier and the
# chapter. gtest_discover_tests flattens a list given as LABELS (CMake 3.25), so
# the labels are set by a second include file that walks the discovered list.
function(gorae_add_gtest target)
  cmake_parse_arguments(ARG "" "CHAPTER;TIER;TIMEOUT" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBRARIES} gorae_testsupport
                        GTest::gmock GTest::gtest_main gorae_warnings)
  gtest_discover_tests(${target}
    TEST_PREFIX "${ARG_CHAPTER}."
    TEST_LIST ${target}_TESTS
    PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 30)
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake)
  file(WRITE ${labels_file}
    "foreach(t IN LISTS ${target}_TESTS)\n"
    "  set_tests_properties(\"\${t}\" PROPERTIES LABELS \"${ARG_TIER};${ARG_CHAPTER}\")\n"
    "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
endfunction()

# gorae_add_tutorial_test(<chapter> PAGE <README.md> DAEMON <target>)
#
# Runs every "$ ..." line of the page's console blocks against a live daemon
# and compares the output (tests/tutorial/run_tutorial.py).
function(gorae_add_tutorial_test chapter)
  cmake_parse_arguments(ARG "" "PAGE;DAEMON" "" ${ARGN})
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  add_test(NAME ${chapter}.tutorial
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/tutorial/run_tutorial.py
            --page ${ARG_PAGE}
            --daemon $<TARGET_FILE:${ARG_DAEMON}>
            --bin-dir ${PROJECT_BINARY_DIR}/bin)
  set_tests_properties(${chapter}.tutorial PROPERTIES
    LABELS "tutorial;${chapter}" TIMEOUT 300)
endfunction()
