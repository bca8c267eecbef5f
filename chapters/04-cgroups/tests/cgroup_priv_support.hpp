#pragma once
// For the root tests on the host's real cgroup hierarchies: a child that
// waits until it has been moved into the cgroup, and a test cgroup that is
// removed whatever the test's outcome.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "gorae/cgroups/manager.hpp"

namespace gorae::testing {

inline std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::string out = text.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

/// A forked child that runs `body` only after release(), so that everything
/// it does (exec, fork, allocate) happens inside the cgroup it was put in.
/// Killed and reaped on destruction if still there.
class BlockedChild {
 public:
  explicit BlockedChild(const std::function<void()>& body) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[1]);
      char go;
      while (::read(fds[0], &go, 1) < 0 && errno == EINTR) {
      }
      body();
      ::_exit(0);
    }
    ::close(fds[0]);
    go_ = fds[1];
  }
  ~BlockedChild() {
    if (go_ >= 0) ::close(go_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  BlockedChild(const BlockedChild&) = delete;
  BlockedChild& operator=(const BlockedChild&) = delete;

  pid_t pid() const { return pid_; }
  void release() {
    if (go_ < 0) return;
    (void)!::write(go_, "g", 1);
    ::close(go_);
    go_ = -1;
  }
  /// The wait status, or nullopt if it has not exited within `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1;
};

inline void exec_sleep() {
  ::execl("/bin/sleep", "sleep", "1000", static_cast<char*>(nullptr));
  ::_exit(127);
}

/// "/gorae-test-<random>", destroyed through the manager at the end and, if
/// that fails, rmdir'ed directly (children first) under every given root.
class ScopedTestCgroup {
 public:
  ScopedTestCgroup(cgroups::Manager& manager, std::vector<std::string> hierarchy_roots)
      : manager_(manager), roots_(std::move(hierarchy_roots)) {
    std::random_device random;
    path_ = "/gorae-test-" + std::to_string(random()) + std::to_string(random() % 1000);
  }
  ~ScopedTestCgroup() {
    auto destroyed = manager_.destroy(path_);
    if (destroyed) return;
    ADD_FAILURE() << "cleanup: " << destroyed.error().what();
    // Without the manager's help: every process in there is one a test put
    // there, so kill them all, then rmdir children first.
    for (const auto& root : roots_) {
      std::vector<std::string> dirs = {root + path_};
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(root + path_, ec);
           it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_directory(ec)) dirs.push_back(it->path().string());
      std::sort(dirs.rbegin(), dirs.rend());  // deeper paths sort after their parents
      for (const auto& dir : dirs) {
        std::istringstream pids(read_text(dir + "/cgroup.procs"));
        for (pid_t pid; pids >> pid;) ::kill(pid, SIGKILL);
      }
      for (const auto& dir : dirs) {
        for (int attempt = 0; attempt < 200 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++attempt)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  ScopedTestCgroup(const ScopedTestCgroup&) = delete;
  ScopedTestCgroup& operator=(const ScopedTestCgroup&) = delete;

  const std::string& path() const { return path_; }

 private:
  cgroups::Manager& manager_;
  std::vector<std::string> roots_;
  std::string path_;
};

/// The cgroup of `pid` in the hierarchy holding `controller` (v1), or the
/// unified one (controller ""), from /proc/PID/cgroup.
inline std::string cgroup_of(pid_t pid, const std::string& controller) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  for (std::string line; std::getline(in, line);) {
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::stringstream names(controllers);
    bool match = controller.empty() && controllers.empty() && line.compare(0, 2, "0:") == 0;
    for (std::string name; !match && std::getline(names, name, ',');) match = name == controller;
    if (match) return line.substr(second + 1);
  }
  return "";
}

}  // namespace gorae::testing
