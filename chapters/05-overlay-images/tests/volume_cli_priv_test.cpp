// Volumes from the command line: the real docker CLI (skipped where it is not
// installed) and gorae's, against goraed-ch05 (or dockerd: GORAE_TEST_HOST).
#include <gtest/gtest.h>

#if defined(GORAE_FIXTURE_DAEMON) && defined(GORAE_CLI_PATH)

#include <filesystem>
#include <fstream>
#include <random>

#include "docker_cli_fixture.hpp"

namespace gorae::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string unique(const std::string& tag) {
  static std::mt19937_64 random{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random()));
  return "gorae-test-vol-" + tag + "-" + suffix;
}

// The containers a test made go first (with their anonymous volumes), then
// the volumes it named, pass or fail.
class VolumeDockerCliTest : public DockerCliTest {
 protected:
  void TearDown() override {
    if (!docker_.empty() && !HasFatalFailure()) {
      for (const auto& id : new_ids()) call("DELETE", "/containers/" + id + "?force=1&v=1");
      for (const auto& name : volumes_) call("DELETE", "/volumes/" + name + "?force=1");
    }
    DockerCliTest::TearDown();
  }
  std::string volume_name(const std::string& tag) {
    volumes_.push_back(unique(tag));
    return volumes_.back();
  }
  std::vector<std::string> volumes_;
};

TEST_F(VolumeDockerCliTest, CreateListInspectRemove) {
  std::string name = volume_name("cli");
  EXPECT_EQ(docker_ok("volume create --label gorae.test=1 " + name), name);
  std::string table = docker_ok("volume ls");
  EXPECT_EQ(table.rfind("DRIVER    VOLUME NAME\n", 0), 0u) << table;
  EXPECT_NE(table.find("\nlocal     " + name), std::string::npos) << table;
  EXPECT_EQ(docker_ok("volume ls -q --filter name=" + name + " --filter label=gorae.test=1"), name);
  EXPECT_EQ(docker_ok("volume inspect -f '{{.Driver}} {{.Scope}} {{.Labels}}' " + name), "local local map[gorae.test:1]");
  json shown = json::parse(docker_ok("volume inspect " + name), nullptr, false);
  ASSERT_TRUE(shown.is_array() && shown.size() == 1) << shown;
  EXPECT_EQ(shown[0]["Name"], name);
  EXPECT_EQ(docker_ok("volume rm " + name), name);
  auto gone = docker("volume inspect " + name);
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("no such volume"), std::string::npos) << gone.err;
}

TEST_F(VolumeDockerCliTest, RunWithANamedVolumeKeepsItsDataAndAVolumeInUseStays) {
  std::string name = volume_name("run");
  EXPECT_EQ(docker_ok("run --rm -v " + name + ":/data busybox sh -c 'echo from the first > /data/f'"), "");
  EXPECT_EQ(docker_ok("run --rm -v " + name + ":/data busybox cat /data/f"), "from the first");
  std::string id = docker_ok("create -v " + name + ":/data busybox true");
  auto refused = docker("volume rm " + name);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("volume is in use - [" + id + "]"), std::string::npos) << refused.err;
}

TEST_F(VolumeDockerCliTest, MountTypeBindReadonlyCannotBeWritten) {
  TempDir host;
  std::ofstream(host.file("f")) << "host\n";
  auto result = docker("run --rm --mount type=bind,source=" + host.path() + ",target=/h,readonly busybox "
                       "sh -c 'cat /h/f; touch /h/g'");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "host\n");
  EXPECT_NE(result.err.find("Read-only file system"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(host.file("g")));
  auto missing = docker("run --rm --mount type=bind,source=" + host.file("nothere") + ",target=/h busybox true");
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_NE(missing.err.find("bind source path does not exist: " + host.file("nothere")), std::string::npos)
      << missing.err;
}

TEST_F(VolumeDockerCliTest, RmDashVTakesTheAnonymousVolume) {
  std::string id = docker_ok("create -v /anon busybox true");
  std::string anonymous = docker_ok("inspect -f '{{range .Mounts}}{{.Name}}{{end}}' " + id);
  ASSERT_EQ(anonymous.size(), 64u) << anonymous;
  volumes_.push_back(anonymous);
  EXPECT_EQ(docker_ok("volume inspect -f '{{.Name}}' " + anonymous), anonymous);
  EXPECT_EQ(docker_ok("rm -v " + id), id);
  EXPECT_EQ(docker("volume inspect " + anonymous).exit_code, 1);
}

// gorae's own CLI, the same conversations.
class VolumeGoraeCliTest : public VolumeDockerCliTest {
 protected:
  void SetUp() override {
    DaemonFixture::SetUp();  // needs no docker CLI
    docker_ = GORAE_CLI_PATH;
    env_ = "env DOCKER_HOST=" + shell_quoted(host_) + " ";
  }
};

TEST_F(VolumeGoraeCliTest, VolumeCommandsAndRunDashV) {
  std::string name = volume_name("gorae");
  EXPECT_EQ(docker_ok("volume create " + name), name);
  std::string table = docker_ok("volume ls --filter name=" + name);
  EXPECT_EQ(table, "DRIVER    VOLUME NAME\nlocal     " + name);
  EXPECT_EQ(docker_ok("run --rm -v " + name + ":/data busybox sh -c 'echo x > /data/f'"), "");
  EXPECT_EQ(docker_ok("run --rm --mount type=volume,src=" + name + ",dst=/d,readonly busybox cat /d/f"), "x");
  json shown = json::parse(docker_ok("volume inspect " + name), nullptr, false);
  EXPECT_EQ(shown.at(0)["Name"], name);
  auto missing = docker("volume rm " + name + " gorae-test-vol-nothere");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(trimmed(missing.out), name);
  EXPECT_NE(missing.err.find("get gorae-test-vol-nothere: no such volume"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace gorae::testing

#endif
