// docker commit's pause: a real cgroup with a real process, frozen while the
// freeze is held and running again after.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "gorae/cgroups/detect.hpp"
#include "gorae/engine/container_freezer.hpp"

namespace gorae::engine {
namespace {

// A process writing one byte a millisecond into a pipe, in its own cgroup;
// killed, reaped and its cgroup removed at the end, whatever happens.
class Ticker {
 public:
  Ticker(const std::string& cgroup_dir) : dir_(cgroup_dir) {
    if (::mkdir(dir_.c_str(), 0755) != 0) return;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;
    read_ = fds[0];
    pid_ = ::fork();
    if (pid_ == 0) {
      for (;;) {
        (void)::write(fds[1], "t", 1);
        ::usleep(1000);
      }
    }
    ::close(fds[1]);
    std::ofstream(dir_ + "/cgroup.procs") << pid_;
  }
  ~Ticker() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (read_ >= 0) ::close(read_);
    for (int i = 0; i < 100 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  bool ready() const { return pid_ > 0; }
  // Bytes written during the next 100 ms.
  int ticks() {
    char buffer[4096];
    while (::read(read_, buffer, sizeof buffer) > 0) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    int total = 0;
    for (ssize_t n; (n = ::read(read_, buffer, sizeof buffer)) > 0;) total += static_cast<int>(n);
    return total;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int read_ = -1;
};

TEST(ContainerFreezerPrivTest, HoldsTheCgroupFrozenUntilDropped) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a cgroup of its own)";
  auto layout = cgroups::detect_layout();
  if (!layout) GTEST_SKIP() << "no cgroup hierarchy: " << layout.error().what();
  bool v2 = *layout == cgroups::Layout::unified;
  std::string base = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/freezer";
  if (::access(base.c_str(), W_OK) != 0) GTEST_SKIP() << base << " is not writable: no freezer to test";
  std::string path = "/gorae-test-freeze-" + std::to_string(::getpid());
  Ticker ticker(base + path);
  ASSERT_TRUE(ticker.ready()) << "could not make " << base + path;
  ASSERT_GT(ticker.ticks(), 0);
  {
    auto frozen = ScopedFreeze::freeze(path);
    ASSERT_TRUE(frozen) << frozen.error().what();
    EXPECT_EQ(ticker.ticks(), 0) << "a frozen process writes nothing";
  }
  EXPECT_GT(ticker.ticks(), 0) << "thawed when the freeze is dropped";
}

TEST(ContainerFreezerPrivTest, NoCgroupNoFreeze) {
  auto frozen = ScopedFreeze::freeze("/gorae-test-no-such-cgroup");
  ASSERT_FALSE(frozen);
  EXPECT_EQ(frozen.error().kind(), Errc::unavailable);
}

}  // namespace
}  // namespace gorae::engine
