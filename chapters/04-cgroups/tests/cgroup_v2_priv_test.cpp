// V2Manager on this host's real cgroup2 mount, as root. The limits need a
// cgroup2 that holds memory, pids and cpu (a unified host); the lifecycle
// (create, move a process in, cgroup.kill, rmdir) works on any cgroup2,
// including a hybrid host's controller-less one at /sys/fs/cgroup/unified.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgroup_priv_support.hpp"
#include "gorae/cgroups/manager.hpp"
#include "gorae/doctor/cgroup_layout.hpp"

namespace gorae::cgroups {
namespace {

using testing::BlockedChild;
using testing::read_text;
using testing::ScopedTestCgroup;

constexpr std::int64_t MiB = 1024 * 1024;

class CgroupV2PrivTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: writes under the cgroup2 mount";
    root_ = doctor::cgroup2_mount_point(read_text("/proc/self/mounts"));
    if (root_.empty()) GTEST_SKIP() << "no cgroup2 filesystem is mounted";
    manager_ = make_v2_manager(root_);
  }

  std::string root_;
  std::unique_ptr<Manager> manager_;
};

TEST_F(CgroupV2PrivTest, LimitsMeasuresAndRemovesAProcessesCgroup) {
  const std::string offered = read_text(root_ + "/cgroup.controllers");
  auto controllers = manager_->controllers();
  for (const char* needed : {"memory", "pids", "cpu"})
    if (std::find(controllers.begin(), controllers.end(), needed) == controllers.end())
      GTEST_SKIP() << "no cgroup2 hierarchy with memory, pids and cpu controllers: " << root_
                   << " offers \"" << offered << "\"";
  ScopedTestCgroup cgroup(*manager_, {root_});
  const std::string dir = root_ + cgroup.path();
  ASSERT_TRUE(manager_->create(cgroup.path()));
  EXPECT_THAT(read_text(dir + "/cgroup.controllers"), ::testing::HasSubstr("memory"));

  Resources r;
  r.memory_limit = 64 * MiB;
  r.memory_reservation = 32 * MiB;
  const bool swap = std::filesystem::exists(dir + "/memory.swap.max");
  if (swap) r.memory_swap = 96 * MiB;
  r.pids_limit = 16;
  r.cpu_shares = 512;
  r.cpu_quota = 50000;
  r.cpu_period = 100000;
  auto applied = manager_->apply(cgroup.path(), r);
  ASSERT_TRUE(applied) << applied.error().what();
  EXPECT_EQ(read_text(dir + "/memory.max"), "67108864");
  EXPECT_EQ(read_text(dir + "/memory.low"), "33554432");
  if (swap) {
    EXPECT_EQ(read_text(dir + "/memory.swap.max"), "33554432");
  }
  EXPECT_EQ(read_text(dir + "/pids.max"), "16");
  EXPECT_EQ(read_text(dir + "/cpu.weight"), "20");
  EXPECT_EQ(read_text(dir + "/cpu.max"), "50000 100000");

  BlockedChild child(testing::exec_sleep);
  ASSERT_TRUE(manager_->add_process(cgroup.path(), child.pid()));
  child.release();
  EXPECT_EQ(testing::cgroup_of(child.pid(), ""), cgroup.path());
  auto stats = manager_->stats(cgroup.path());
  ASSERT_TRUE(stats) << stats.error().what();
  EXPECT_EQ(stats->pids_current, 1u);
  EXPECT_EQ(stats->pids_limit, 16u);
  EXPECT_EQ(stats->memory_limit, static_cast<std::uint64_t>(64 * MiB));

  auto destroyed = manager_->destroy(cgroup.path());
  ASSERT_TRUE(destroyed) << destroyed.error().what();
  auto status = child.wait(std::chrono::seconds(5));
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST_F(CgroupV2PrivTest, MovesKillsAndRemovesEvenWithoutControllers) {
  ScopedTestCgroup cgroup(*manager_, {root_});
  const std::string dir = root_ + cgroup.path();
  auto created = manager_->create(cgroup.path());
  ASSERT_TRUE(created) << created.error().what();
  BlockedChild child(testing::exec_sleep);
  auto added = manager_->add_process(cgroup.path(), child.pid());
  ASSERT_TRUE(added) << added.error().what();
  child.release();
  EXPECT_EQ(testing::cgroup_of(child.pid(), ""), cgroup.path());
  EXPECT_EQ(read_text(dir + "/cgroup.procs"), std::to_string(child.pid()));
  auto stats = manager_->stats(cgroup.path());
  ASSERT_TRUE(stats) << "cpu.stat is there without the cpu controller: " << stats.error().what();

  auto destroyed = manager_->destroy(cgroup.path());
  ASSERT_TRUE(destroyed) << destroyed.error().what();
  auto status = child.wait(std::chrono::seconds(5));
  ASSERT_TRUE(status) << "destroy left the child running";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace gorae::cgroups
