# All dependencies come from Debian packages (scripts/install-deps).
# Boost 1.81 (libboost1.81-dev): 1.74 lacks Beast's message_generator.
find_package(Boost 1.81 REQUIRED CONFIG)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(tl-expected REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)
find_package(Threads REQUIRED)
if(GORAE_BUILD_TESTS)
  find_package(GTest REQUIRED CONFIG)
endif()
