# Version, commit and build time for /version. Only build_info.cpp depends on
# them, so a new commit recompiles one small file.
execute_process(COMMAND git rev-parse --short=7 HEAD
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  OUTPUT_VARIABLE GORAE_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT GORAE_GIT_COMMIT)
  set(GORAE_GIT_COMMIT "unknown")
endif()
string(TIMESTAMP GORAE_BUILD_TIME "%Y-%m-%dT%H:%M:%S.000000000+00:00" UTC)
set(GORAE_BUILD_INFO_CPP ${PROJECT_BINARY_DIR}/generated/build_info.cpp)
configure_file(${PROJECT_SOURCE_DIR}/cmake/build_info.cpp.in ${GORAE_BUILD_INFO_CPP} @ONLY)
