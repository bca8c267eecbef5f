#pragma once
// A daemon to talk to: goraed-ch02 (or a later chapter's) on a temporary socket, or, when
// GORAE_TEST_HOST=unix:///path is set, that daemon (Debian's dockerd with
// hello-world and busybox imported: tests/differential/run-against-dockerd).
// The same tests passing against dockerd prove they encode Docker's
// behaviour, not just ours.

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gorae/http/client.hpp"
#include "gorae/http/host_uri.hpp"
#include "gorae/testing/support.hpp"

// A later chapter's tests define it as their chapter's daemon.
#ifndef GORAE_FIXTURE_DAEMON
#define GORAE_FIXTURE_DAEMON GORAED_CH02_PATH
#endif

namespace gorae::testing {

// Every process whose parent is `parent`, as "pid (comm) state" for the
// failure message; zombies included (a finished container nobody reaped).
inline std::vector<std::string> children_of(pid_t parent) {
  std::vector<std::string> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream file(entry.path() / "stat");
    std::string stat;
    if (!std::getline(file, stat)) continue;  // it ended meanwhile
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = '?';
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) children.push_back(stat.substr(0, close + 1) + " " + state);
  }
  return children;
}

class DaemonFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* host = std::getenv("GORAE_TEST_HOST"); host && *host) {
      host_ = host;
      return;
    }
    dir_.emplace();
    host_ = "unix://" + dir_->file("gorae.sock");
    start_daemon();
  }
  void TearDown() override {
    std::vector<std::string> created;
    {
      std::lock_guard lock(created_mutex_);
      created.swap(created_);
    }
    bool reachable = !dir_ || daemon_;  // ours died in a failed (re)start
    if (reachable)
      for (const auto& id : created) call("DELETE", "/containers/" + id + "?force=1");
    if (daemon_) {
      auto status = daemon_->signal_and_wait(SIGTERM, std::chrono::seconds(15));
      EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
          << "the daemon did not stop cleanly (wait status "
          << (status ? std::to_string(*status) : "none: still running after 15 s")
          << "); its log:\n" << daemon_log();
    }
  }

  bool against_gorae() const { return daemon_.has_value(); }
  /// The goraed-ch02 under test (only when against_gorae()).
  pid_t daemon_pid() const { return daemon_->pid(); }
  /// Its --data-root (only when against_gorae()).
  std::string data_dir() const { return dir_->file("data"); }
  /// Its --exec-root, where the bundles are (only when against_gorae()).
  std::string exec_dir() const { return dir_->file("exec"); }

  /// SIGKILLs goraed-ch02 (no chance to clean up) and starts a new one on the
  /// same socket, data root, exec root and pidfile (only when against_gorae()).
  void kill_and_restart_daemon() {
    auto status = daemon_->signal_and_wait(SIGKILL, std::chrono::seconds(10));
    ASSERT_TRUE(status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
        << "the daemon did not die of SIGKILL";
    daemon_.reset();
    start_daemon();
  }

  http::Client connect() {
    auto client = http::Client::connect(*http::parse_host_uri(host_));
    if (!client) throw std::runtime_error(client.error().what());
    return std::move(*client);
  }
  http::ClientResponse call(const std::string& method, const std::string& target,
                            const std::string& body = {}) {
    auto response = connect().request(method, "/v1.41" + target, body);
    if (!response) throw std::runtime_error(response.error().what());
    return std::move(*response);
  }
  static nlohmann::json json_of(const http::ClientResponse& response) {
    return nlohmann::json::parse(response.body, nullptr, false);
  }
  /// Creates a container (removed in TearDown) and returns its ID. Safe to
  /// call from several threads.
  std::string create(const nlohmann::json& body, const std::string& query = "") {
    auto response = call("POST", "/containers/create" + query, body.dump());
    EXPECT_EQ(response.status, 201) << response.body;
    auto id = json_of(response).value("Id", "");
    if (!id.empty()) {
      std::lock_guard lock(created_mutex_);
      created_.push_back(id);
    }
    return id;
  }
  /// Runs to completion and returns the exit code.
  int run_to_exit(const std::string& id) {
    EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
    return json_of(call("POST", "/containers/" + id + "/wait")).value("StatusCode", -1);
  }

  std::string host_;
  /// More flags for our daemon (a later chapter's): set before SetUp.
  std::vector<std::string> extra_daemon_args_;

 private:
  void start_daemon() {
    std::vector<std::string> args{GORAE_FIXTURE_DAEMON, "-H", host_, "--data-root",
                                  dir_->file("data"), "--exec-root", dir_->file("exec"),
                                  "--pidfile", dir_->file("goraed.pid")};
    args.insert(args.end(), extra_daemon_args_.begin(), extra_daemon_args_.end());
    daemon_.emplace(args,
                    std::vector<std::string>{}, dir_->file("daemon.log"));
    // A daemon that exits (bad flags, a binary being rebuilt: exec fails
    // with 127) is reported at once with its log, not after the 20 s.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!wait_for_ping(dir_->file("gorae.sock"), std::chrono::milliseconds(250))) {
      if (auto status = daemon_->wait(std::chrono::milliseconds(0))) {
        daemon_.reset();
        FAIL() << "the daemon exited during startup (wait status " << *status
               << "); its log:\n" << daemon_log();
      }
      if (std::chrono::steady_clock::now() > deadline)
        FAIL() << "the daemon did not answer within 20 s; its log:\n" << daemon_log();
    }
  }
  std::string daemon_log() const {
    std::ifstream file(dir_->file("daemon.log"));
    return std::string(std::istreambuf_iterator<char>(file), {});
  }

  std::optional<TempDir> dir_;
  std::optional<Subprocess> daemon_;
  std::mutex created_mutex_;
  std::vector<std::string> created_;
};

}  // namespace gorae::testing
