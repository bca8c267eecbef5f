#pragma once
// The real docker CLI pointed at the fixture's daemon (chapter 02's, or a
// later chapter's through GORAE_FIXTURE_DAEMON), with no user config. Tests
// are skipped where no docker CLI is installed.

#include <unistd.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "api_fixture.hpp"

namespace gorae::testing {

inline std::string trimmed(std::string text) {
  text.erase(text.find_last_not_of(" \r\n") + 1);
  return text;
}

// The docker CLI's path, or empty when it is not installed.
inline std::string docker_cli() {
  if (::access("/usr/local/bin/docker", X_OK) == 0) return "/usr/local/bin/docker";
  std::string found = trimmed(run_command("command -v docker").output);
  return found.find('/') == 0 ? found : "";
}

// Single-quotes a word for sh.
inline std::string shell_quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct DockerResult {
  int exit_code = -1;
  std::string out;  // stdout alone (dockerd adds warnings on stderr)
  std::string err;
};

class DockerCliTest : public DaemonFixture {
 protected:
  void SetUp() override {
    docker_ = docker_cli();
    if (docker_.empty())
      GTEST_SKIP() << "docker CLI not installed: neither /usr/local/bin/docker nor docker on PATH";
    DaemonFixture::SetUp();
    if (HasFatalFailure()) return;
    // The CLI reads no user config and no DOCKER_* setting but the host:
    // DOCKER_API_VERSION would skip the version negotiation, a context
    // would point elsewhere.
    env_ = "env -u DOCKER_API_VERSION -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH "
           "DOCKER_HOST=" + shell_quoted(host_) + " DOCKER_CONFIG=" + shell_quoted(config_.path()) + " ";
    for (const auto& entry : json_of(call("GET", "/containers/json?all=1")))
      before_.insert(entry["Id"].get<std::string>());
    ready_ = true;
  }
  // What the CLI created (--rm that did not happen, named containers, a
  // failed test's leftovers) is force-removed; containers that were there
  // before the test are not touched.
  void TearDown() override {
    if (ready_) {
      for (const auto& entry : json_of(call("GET", "/containers/json?all=1"))) {
        std::string id = entry["Id"];
        if (!before_.count(id)) call("DELETE", "/containers/" + id + "?force=1");
      }
    }
    DaemonFixture::TearDown();
  }

  /// Runs `docker ARGS` (ARGS is shell text) with stdin from /dev/null, or
  /// from `input` when given. A CLI that hangs (a wait the daemon never
  /// answers) is killed after 30 s and reports 137; SIGKILL, because
  /// `docker run` passes SIGTERM on to the container and keeps waiting.
  DockerResult docker(const std::string& args, const std::optional<std::string>& input = {}) {
    std::string err_file = config_.file("stderr");
    std::string command = input ? "printf %s " + shell_quoted(*input) + " | " : "";
    command += "timeout -s KILL 30 " + env_ + docker_ + " " + args +
               (input ? "" : " </dev/null") + " 2>" + shell_quoted(err_file);
    auto result = run_command("{ " + command + "; }");
    std::ifstream file(err_file);
    std::stringstream err;
    err << file.rdbuf();
    return {result.exit_code, result.output, err.str()};
  }

  /// `docker ARGS` that must succeed; its trimmed stdout.
  std::string docker_ok(const std::string& args) {
    auto result = docker(args);
    EXPECT_EQ(result.exit_code, 0) << "docker " << args << "\n" << result.out << result.err;
    return trimmed(result.out);
  }

  /// Every container ID the daemon lists (docker ps -aq --no-trunc).
  std::set<std::string> all_ids() {
    std::set<std::string> ids;
    std::istringstream lines(docker_ok("ps -aq --no-trunc"));
    for (std::string line; std::getline(lines, line);)
      if (!line.empty()) ids.insert(line);
    return ids;
  }
  std::set<std::string> new_ids() {
    std::set<std::string> ids;
    for (const auto& id : all_ids())
      if (!before_.count(id)) ids.insert(id);
    return ids;
  }

  std::string docker_;
  std::string env_;
  TempDir config_;  // DOCKER_CONFIG, and the place for stderr

 private:
  bool ready_ = false;
  std::set<std::string> before_;
};

}  // namespace gorae::testing
