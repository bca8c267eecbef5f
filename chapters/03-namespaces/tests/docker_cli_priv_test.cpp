// The real docker CLI against goraed-ch03: the isolation options as a Docker
// user types them. Skipped where no docker CLI is installed.

#include <gtest/gtest.h>

#include "docker_cli_fixture.hpp"

namespace gorae::testing {
namespace {

class DockerIsolationTest : public DockerCliTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, mounts";
    DockerCliTest::SetUp();
  }
};

TEST_F(DockerIsolationTest, Hostname) {
  EXPECT_EQ(docker_ok("run --rm --hostname box busybox hostname"), "box");
  auto id_named = docker_ok("run --rm busybox hostname");
  EXPECT_EQ(id_named.size(), 12u) << id_named;
}

TEST_F(DockerIsolationTest, CapAdd) {
  EXPECT_EQ(docker_ok("run --rm busybox grep CapEff /proc/self/status"), "CapEff:\t00000000a80425fb");
  EXPECT_EQ(docker_ok("run --rm --cap-add NET_ADMIN busybox grep CapEff /proc/self/status"),
            "CapEff:\t00000000a80435fb");
  auto bad = docker("run --rm --cap-add NOPE busybox true");
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_NE(bad.err.find("unknown capability: \"CAP_NOPE\""), std::string::npos) << bad.err;
}

TEST_F(DockerIsolationTest, SeccompUnconfined) {
  EXPECT_EQ(docker_ok("run --rm busybox grep Seccomp: /proc/self/status"), "Seccomp:\t2");
  EXPECT_EQ(docker_ok("run --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status"),
            "Seccomp:\t0");
}

TEST_F(DockerIsolationTest, SeccompProfileFromAFile) {
  // The CLI reads the file and sends its JSON; this profile denies mkdir.
  std::string profile = config_.file("profile.json");
  std::ofstream(profile) << R"({"defaultAction":"SCMP_ACT_ALLOW",
    "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]})";
  auto denied = docker("run --rm --security-opt seccomp=" + profile + " busybox mkdir /x");
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(denied.err.find("Operation not permitted"), std::string::npos) << denied.err;
}

TEST_F(DockerIsolationTest, Privileged) {
  std::ifstream status("/proc/self/status");
  std::string line, bounding;
  while (std::getline(status, line))
    if (line.rfind("CapBnd:", 0) == 0) bounding = line.substr(line.find('\t') + 1);
  EXPECT_EQ(docker_ok("run --rm --privileged busybox grep CapEff /proc/self/status"), "CapEff:\t" + bounding);
}

TEST_F(DockerIsolationTest, ReadOnly) {
  auto result = docker("run --rm --read-only busybox touch /x");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("Read-only file system"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace gorae::testing
