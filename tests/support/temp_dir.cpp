#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "gorae/testing/support.hpp"

namespace gorae::testing {

TempDir::TempDir() {
  char pattern[] = "/tmp/gorae-test-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace gorae::testing
