// The gorae CLI against a real goraed: it picks its host from -H, then
// $GORAE_HOST, then $DOCKER_HOST; it says plainly when nothing listens; its
// `version` and `info` show what the daemon and the host report; and
// `gorae doctor` exits non-zero exactly when it reports a missing requirement.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "gorae/testing/support.hpp"

namespace {

using namespace gorae::testing;

std::string trimmed(std::string text) {
  text.erase(text.find_last_not_of(" \n") + 1);
  return text;
}

// Runs the gorae CLI with `env` (VAR=value ...) as its only host settings.
CommandResult gorae(const std::string& env, const std::string& args) {
  return run_command("env -u GORAE_HOST -u DOCKER_HOST " + env + " " + GORAE_CLI_PATH + " " +
                     args);
}

std::string cannot_connect(const std::string& host) {
  return "Cannot connect to the gorae daemon at " + host + ". Is the daemon running?";
}

// A goraed serving on <dir>/live.sock for the length of a test.
struct LiveDaemon {
  TempDir dir;
  std::string host = "unix://" + dir.file("live.sock");
  std::string dead = "unix://" + dir.file("dead.sock");
  Subprocess process{{GORAED_PATH, "-H", host, "--data-root", dir.file("data"), "--exec-root",
                      dir.file("exec"), "--pidfile", dir.file("goraed.pid")},
                     {},
                     dir.file("goraed.log")};
  bool ready() { return wait_for_ping(dir.file("live.sock")); }
};

TEST(CliTest, SaysSoWhenNoDaemonListens) {
  TempDir dir;
  std::string host = "unix://" + dir.file("nothing.sock");
  auto version = gorae("", "-H " + host + " version");
  EXPECT_EQ(version.exit_code, 1);
  // The client half is printed before the connection fails.
  auto client = version.output.find("Client:\n Version:");
  auto failure = version.output.find(cannot_connect(host));
  EXPECT_NE(client, std::string::npos) << version.output;
  EXPECT_NE(failure, std::string::npos) << version.output;
  EXPECT_LT(client, failure) << version.output;

  auto info = gorae("", "-H " + host + " info");
  EXPECT_EQ(info.exit_code, 1);
  EXPECT_EQ(trimmed(info.output), cannot_connect(host));
}

TEST(CliTest, PicksTheHostFlagThenGoraeHostThenDockerHost) {
  LiveDaemon daemon;
  ASSERT_TRUE(daemon.ready());
  std::string live = daemon.host, dead = daemon.dead;
  struct Case {
    std::string env, flag, used;
  };
  const std::vector<Case> cases = {
      {"GORAE_HOST=" + live + " DOCKER_HOST=" + dead, "", live},
      {"GORAE_HOST=" + dead + " DOCKER_HOST=" + live, "", dead},
      {"DOCKER_HOST=" + live, "", live},
      {"DOCKER_HOST=" + dead, "", dead},
      {"GORAE_HOST=" + dead + " DOCKER_HOST=" + dead, "-H " + live, live},
      {"GORAE_HOST=" + live + " DOCKER_HOST=" + live, "-H " + dead, dead},
  };
  for (const auto& c : cases) {
    auto result = gorae(c.env, c.flag + " info");
    SCOPED_TRACE(c.env + " " + c.flag);
    if (c.used == live) {
      EXPECT_EQ(result.exit_code, 0) << result.output;
      EXPECT_NE(result.output.find("Docker Root Dir: " + daemon.dir.file("data")),
                std::string::npos)
          << result.output;
    } else {
      EXPECT_EQ(result.exit_code, 1);
      EXPECT_EQ(trimmed(result.output), cannot_connect(dead));
    }
  }
}

TEST(CliTest, FallsBackToTheDefaultSocket) {
  if (std::filesystem::exists("/run/gorae.sock"))
    GTEST_SKIP() << "/run/gorae.sock exists: a daemon may be answering there";
  auto result = gorae("", "info");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(trimmed(result.output), cannot_connect("unix:///run/gorae.sock"));
}

TEST(CliTest, VersionShowsTheServerAndItsKernel) {
  LiveDaemon daemon;
  ASSERT_TRUE(daemon.ready());
  auto result = gorae("", "-H " + daemon.host + " version");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string& out = result.output;
  EXPECT_NE(out.find("\nServer: gorae\n Engine:\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  API version:      1.41 (minimum version 1.24)\n"), std::string::npos)
      << out;
  std::string kernel = trimmed(run_command("uname -r").output);
  EXPECT_NE(out.find("  Kernel Version:   " + kernel + "\n"), std::string::npos) << out;
}

TEST(CliTest, InfoShowsTheHostAndTheDataRoot) {
  LiveDaemon daemon;
  ASSERT_TRUE(daemon.ready());
  auto result = gorae("", "-H " + daemon.host + " info");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string& out = result.output;
  std::string cpus = trimmed(run_command("nproc").output);
  std::string kernel = trimmed(run_command("uname -r").output);
  EXPECT_NE(out.find("\n CPUs: " + cpus + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\n Kernel Version: " + kernel + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\n Docker Root Dir: " + daemon.dir.file("data") + "\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("\n Cgroup Driver: cgroupfs\n"), std::string::npos) << out;
}

// Counts the lines of `text` that start with `prefix`.
int lines_starting(const std::string& text, const std::string& prefix) {
  int count = 0;
  for (std::size_t at = 0; at < text.size(); at = text.find('\n', at) + 1) {
    if (text.compare(at, prefix.size(), prefix) == 0) ++count;
    if (text.find('\n', at) == std::string::npos) break;
  }
  return count;
}

// The summary counts the tagged lines, and the exit status is non-zero
// exactly when a required check is missing.
void expect_consistent_doctor(const CommandResult& result) {
  const std::string& out = result.output;
  std::smatch summary;
  ASSERT_TRUE(std::regex_search(
      out, summary, std::regex(R"(\ndoctor: (\d+) ok, (\d+) warnings?, (\d+) missing\n)")))
      << out;
  int missing = lines_starting(out, "[MISS]");
  EXPECT_EQ(lines_starting(out, "[ ok ]"), std::stoi(summary[1])) << out;
  EXPECT_EQ(lines_starting(out, "[warn]"), std::stoi(summary[2])) << out;
  EXPECT_EQ(missing, std::stoi(summary[3])) << out;
  EXPECT_EQ(result.exit_code, missing > 0 ? 1 : 0) << out;
}

TEST(CliTest, DoctorExitStatusMatchesItsReport) {
  expect_consistent_doctor(gorae("", "doctor"));
}

// A healthy host would never exercise the failing path: hide overlayfs from
// the doctor in a private mount namespace (the runner's mounts are untouched).
TEST(CliTest, DoctorFailsWhenARequiredCheckIsMissing) {
  if (run_command("unshare -m true").exit_code != 0)
    GTEST_SKIP() << "cannot create a mount namespace (needs root)";
  auto result = run_command("unshare -m sh -c 'mount --bind /dev/null /proc/filesystems && "
                            "exec " GORAE_CLI_PATH " doctor'");
  EXPECT_NE(result.output.find("[MISS]    overlayfs"), std::string::npos) << result.output;
  expect_consistent_doctor(result);
}

}  // namespace
