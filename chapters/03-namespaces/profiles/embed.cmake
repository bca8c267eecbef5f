# The default seccomp profile is data with one source, seccomp-default.json
# beside this file (the chapter page shows it). At configure time it becomes a
# C++ raw string in the build tree, so the library carries the profile and reads
# no file at run time. Editing the JSON re-runs the configure step.
# Included from the chapter's CMakeLists.txt after gorae_ch03 is defined.
set(gorae_seccomp_json ${CMAKE_CURRENT_LIST_DIR}/seccomp-default.json)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${gorae_seccomp_json})
file(READ ${gorae_seccomp_json} GORAE_SECCOMP_DEFAULT_JSON)
string(FIND "${GORAE_SECCOMP_DEFAULT_JSON}" ")gorae_json\"" gorae_seccomp_clash)
if(NOT gorae_seccomp_clash EQUAL -1)
  message(FATAL_ERROR "${gorae_seccomp_json} contains the raw-string delimiter )gorae_json\"")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/../src/seccomp_default_profile.cpp.in
               ${CMAKE_CURRENT_BINARY_DIR}/seccomp_default_profile.cpp @ONLY)
target_sources(gorae_ch03 PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/seccomp_default_profile.cpp)
