// The real docker CLI talks to goraed: it negotiates the API down to 1.41,
// shows gorae as the server, and reads /info through its Go templates. Skipped
// where no docker CLI is installed.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "gorae/testing/support.hpp"

namespace {

using namespace gorae::testing;

std::string trimmed(std::string text) {
  text.erase(text.find_last_not_of(" \n") + 1);
  return text;
}

// The docker CLI's path, or empty when it is not installed.
std::string docker_cli() {
  if (::access("/usr/local/bin/docker", X_OK) == 0) return "/usr/local/bin/docker";
  return trimmed(run_command("command -v docker").output);
}

// A goraed on <dir>/api.sock, and a docker CLI that reads no user config and
// no DOCKER_* settings from the environment (DOCKER_API_VERSION would skip
// the negotiation this file checks).
class DockerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docker_ = docker_cli();
    if (docker_.empty() || docker_.find('/') == std::string::npos)
      GTEST_SKIP() << "docker CLI not installed: neither /usr/local/bin/docker nor docker on PATH";
    std::filesystem::create_directory(dir_.file("docker-config"));
    daemon_.emplace(std::vector<std::string>{GORAED_PATH, "-H", "unix://" + dir_.file("api.sock"),
                                             "--data-root", dir_.file("data"), "--exec-root",
                                             dir_.file("exec"), "--pidfile", dir_.file("goraed.pid")},
                    std::vector<std::string>{}, dir_.file("goraed.log"));
    ASSERT_TRUE(wait_for_ping(dir_.file("api.sock")));
  }

  CommandResult docker(const std::string& args) {
    return run_command("env -u DOCKER_HOST -u DOCKER_CONTEXT -u DOCKER_API_VERSION "
                       "-u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH DOCKER_CONFIG=" +
                       dir_.file("docker-config") + " " + docker_ + " -H unix://" +
                       dir_.file("api.sock") + " " + args);
  }

  TempDir dir_;
  std::string docker_;
  std::optional<Subprocess> daemon_;
};

TEST_F(DockerCliTest, VersionNegotiatesDownTo141) {
  auto result = docker("version");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string& out = result.output;
  EXPECT_NE(out.find("\nServer: gorae\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  API version:      1.41 (minimum version 1.24)\n"), std::string::npos)
      << out;
  // docker 28 speaks 1.50 and steps down to what the daemon offers.
  EXPECT_NE(out.find(" API version:       1.41 (downgraded from "), std::string::npos) << out;
}

TEST_F(DockerCliTest, InfoTemplateReadsServerFields) {
  // "goraed version 0.1.0, build ..." -> "0.1.0"
  std::string banner = run_command(std::string(GORAED_PATH) + " --version").output;
  auto start = banner.find("version ");
  ASSERT_NE(start, std::string::npos) << banner;
  start += 8;
  std::string version = banner.substr(start, banner.find(',', start) - start);
  std::string cpus = trimmed(run_command("nproc").output);

  auto result = docker("info --format '{{.ServerVersion}} {{.NCPU}} {{.OSType}}'");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(trimmed(result.output), version + " " + cpus + " linux");
}

TEST_F(DockerCliTest, InfoSucceeds) {
  auto result = docker("info");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("Docker Root Dir: " + dir_.file("data")), std::string::npos)
      << result.output;
}

}  // namespace
