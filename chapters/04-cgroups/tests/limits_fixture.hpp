#pragma once
// goraed-ch04 with its own --cgroup-parent (a unique name under every
// hierarchy), so a test can see exactly the cgroups its containers made and
// check that none is left; the parent itself is removed at the end.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "docker_cli_fixture.hpp"
#include "isolation_fixture.hpp"

namespace gorae::testing {

/// A cgroup parent only this test uses; its directories go at the end.
class TestCgroupParent {
 public:
  TestCgroupParent() : name_("/gorae-test-" + std::to_string(std::random_device()())) {}
  ~TestCgroupParent() {
    for (const auto& dir : dirs()) ::rmdir(dir.c_str());
  }
  TestCgroupParent(const TestCgroupParent&) = delete;
  TestCgroupParent& operator=(const TestCgroupParent&) = delete;

  const std::string& name() const { return name_; }

  static bool unified() { return std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers"); }
  static bool available() {
    return unified() || std::filesystem::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  }

  /// The parent's directory in each hierarchy that has one.
  std::vector<std::string> dirs() const {
    std::vector<std::string> found;
    std::error_code ec;
    if (unified()) {
      if (std::filesystem::is_directory("/sys/fs/cgroup" + name_, ec)) found.push_back("/sys/fs/cgroup" + name_);
      return found;
    }
    for (const auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup", ec))
      if (std::filesystem::is_directory(entry.path() / name_.substr(1), ec))
        found.push_back((entry.path() / name_.substr(1)).string());
    return found;
  }

  /// Every container cgroup left under the parent, in any hierarchy.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> left;
    std::error_code ec;
    for (const auto& dir : dirs())
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.is_directory(ec)) left.push_back(entry.path().string());
    return left;
  }

 private:
  std::string name_;
};

#define REQUIRE_CGROUPS()                                                                     \
  do {                                                                                        \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, mounts, cgroups";          \
    if (!TestCgroupParent::available())                                                       \
      GTEST_SKIP() << "no cgroup v1 memory hierarchy and no cgroup v2 at /sys/fs/cgroup";      \
  } while (0)

/// The API, against goraed-ch04 with a test cgroup parent.
class LimitsFixture : public IsolationFixture {
 protected:
  void SetUp() override {
    REQUIRE_CGROUPS();
    extra_daemon_args_ = {"--cgroup-parent", parent_.name()};
    IsolationFixture::SetUp();
  }
  std::vector<std::string> leftover_cgroups() const { return parent_.leftovers(); }

  TestCgroupParent parent_;  // its destructor runs after TearDown stopped the daemon
};

/// The docker CLI, against goraed-ch04 with a test cgroup parent.
class DockerLimitsFixture : public DockerCliTest {
 protected:
  void SetUp() override {
    REQUIRE_CGROUPS();
    extra_daemon_args_ = {"--cgroup-parent", parent_.name()};
    DockerCliTest::SetUp();
  }

  TestCgroupParent parent_;
};

}  // namespace gorae::testing
