// V2Manager against fake unified trees: subtree_control along the path, the
// conversions from the OCI's v1 units, stats, and destroy.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/sysinfo.h>

#include "cgroup_fake_tree.hpp"
#include "gorae/cgroups/manager.hpp"

namespace gorae::cgroups {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeCgroupTree;
using testing::FakeTreeOptions;

constexpr std::int64_t MiB = 1024 * 1024;

FakeTreeOptions v2(std::string root_controllers = "cpuset cpu io memory hugetlb pids rdma misc") {
  FakeTreeOptions options;
  options.v2 = true;
  options.v2_root_controllers = std::move(root_controllers);
  return options;
}

TEST(CgroupV2ManagerTest, CreateEnablesOurControllersInEveryAncestor) {
  FakeCgroupTree tree(v2());
  auto manager = make_v2_manager(tree.options());
  EXPECT_EQ(manager->version(), 2);
  EXPECT_THAT(manager->controllers(), ElementsAre("cpu", "cpuset", "memory", "pids"));
  ASSERT_TRUE(manager->create("/gorae/abc"));
  EXPECT_THAT(tree.writes(), ElementsAre("cgroup.subtree_control=+cpu +cpuset +memory +pids",
                                         "gorae/cgroup.subtree_control=+cpu +cpuset +memory +pids"));
  EXPECT_EQ(tree.read("gorae/abc/cgroup.controllers"), "cpu cpuset memory pids\n");
  EXPECT_EQ(tree.read("gorae/abc/cgroup.subtree_control"), "") << "the leaf holds processes";
  EXPECT_TRUE(tree.exists("gorae/abc/memory.max"));
}

TEST(CgroupV2ManagerTest, CreateEnablesOnlyWhatTheParentOffers) {
  FakeCgroupTree tree(v2("memory pids"));
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  EXPECT_THAT(tree.writes(), ElementsAre("cgroup.subtree_control=+memory +pids"));

  // A hybrid host's cgroup2 (hugetlb only): nothing to enable, still a cgroup.
  FakeCgroupTree hybrid(v2("hugetlb"));
  auto bare = make_v2_manager(hybrid.options());
  EXPECT_TRUE(bare->controllers().empty());
  ASSERT_TRUE(bare->create("/c"));
  EXPECT_TRUE(hybrid.writes().empty());
  EXPECT_TRUE(hybrid.exists("c/cgroup.procs"));
}

TEST(CgroupV2ManagerTest, ApplyConvertsToV2Files) {
  FakeCgroupTree tree(v2());
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.clear();
  Resources r;
  r.memory_limit = 64 * MiB;
  r.memory_swap = 96 * MiB;
  r.memory_reservation = 32 * MiB;
  r.pids_limit = 16;
  r.cpu_shares = 512;
  r.cpu_period = 100000;
  r.cpu_quota = 50000;
  r.cpuset_cpus = "1";
  r.cpuset_mems = "0";
  ASSERT_TRUE(manager->apply("/c", r));
  EXPECT_THAT(tree.writes(),
              ElementsAre("c/memory.swap.max=33554432", "c/memory.max=67108864", "c/memory.low=33554432",
                          "c/pids.max=16", "c/cpu.weight=20", "c/cpu.max=50000 100000", "c/cpuset.cpus=1",
                          "c/cpuset.mems=0"));
}

TEST(CgroupV2ManagerTest, UnlimitedValuesAreWrittenAsMax) {
  FakeCgroupTree tree(v2());
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.clear();
  Resources r;
  r.memory_limit = -1;
  r.memory_reservation = -1;
  r.pids_limit = -1;
  r.cpu_quota = -1;
  r.cpu_period = 250000;
  ASSERT_TRUE(manager->apply("/c", r));
  EXPECT_THAT(tree.writes(), ElementsAre("c/memory.swap.max=max", "c/memory.max=max", "c/memory.low=max",
                                         "c/pids.max=max", "c/cpu.max=max 250000"));
}

TEST(CgroupV2ManagerTest, SwapWithoutAccountingOrWithoutMemoryLimitFails) {
  FakeTreeOptions options = v2();
  options.swap_accounting = false;
  FakeCgroupTree tree(options);
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.clear();
  Resources r;
  r.memory_limit = 64 * MiB;
  r.memory_swap = 128 * MiB;
  auto applied = manager->apply("/c", r);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind(), Errc::unavailable);
  EXPECT_THAT(applied.error().what(), HasSubstr("does not support swap limit capabilities"));
  r.memory_swap = -1;
  ASSERT_TRUE(manager->apply("/c", r));
  EXPECT_THAT(tree.writes(), ElementsAre("c/memory.max=67108864"));

  Resources swap_only;
  swap_only.memory_swap = 128 * MiB;
  applied = manager->apply("/c", swap_only);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind(), Errc::invalid_argument);
}

TEST(CgroupV2ManagerTest, ALimitNeedsItsControllerEnabled) {
  FakeCgroupTree tree(v2("memory"));
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  Resources r;
  r.pids_limit = 10;
  auto applied = manager->apply("/c", r);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind(), Errc::unavailable);
  EXPECT_THAT(applied.error().what(), HasSubstr("the pids controller is not enabled"));
  EXPECT_THAT(applied.error().what(), HasSubstr("\"memory\""));
}

TEST(CgroupV2ManagerTest, AddProcessWritesCgroupProcs) {
  FakeCgroupTree tree(v2());
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.clear();
  ASSERT_TRUE(manager->add_process("/c", 4242));
  EXPECT_THAT(tree.writes(), ElementsAre("c/cgroup.procs=4242"));
}

TEST(CgroupV2ManagerTest, StatsConvertMicrosecondsToNanoseconds) {
  FakeCgroupTree tree(v2());
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.write("c/cpu.stat",
             "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 9\nnr_throttled 4\n"
             "throttled_usec 250\nnr_bursts 0\nburst_usec 0\n");
  tree.write("c/memory.current", "4096000\n");
  tree.write("c/memory.peak", "8192000\n");
  tree.write("c/memory.max", "67108864\n");
  tree.write("c/memory.stat", "anon 4096\nfile 8192\n");
  tree.write("c/memory.events", "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\n");
  tree.write("c/pids.current", "3\n");
  tree.write("c/pids.max", "16\n");
  auto stats = manager->stats("/c");
  ASSERT_TRUE(stats) << stats.error().what();
  EXPECT_EQ(stats->cpu_total_ns, 1500000u);
  EXPECT_EQ(stats->cpu_user_ns, 1000000u);
  EXPECT_EQ(stats->cpu_system_ns, 500000u);
  EXPECT_TRUE(stats->per_cpu_ns.empty());
  EXPECT_EQ(stats->periods, 9u);
  EXPECT_EQ(stats->throttled_periods, 4u);
  EXPECT_EQ(stats->throttled_time_ns, 250000u);
  EXPECT_EQ(stats->memory_usage, 4096000u);
  EXPECT_EQ(stats->memory_max_usage, 8192000u);
  struct sysinfo info {};
  ::sysinfo(&info);
  const std::uint64_t host = static_cast<std::uint64_t>(info.totalram) * info.mem_unit;
  EXPECT_EQ(stats->memory_limit, std::min<std::uint64_t>(67108864u, host));
  EXPECT_EQ(stats->memory_stat.at("file"), 8192u);
  EXPECT_EQ(stats->oom_kills, 1u);
  EXPECT_EQ(stats->pids_current, 3u);
  EXPECT_EQ(stats->pids_limit, 16u);
  EXPECT_EQ(manager->oom_kills("/c").value_or(99), 1u);

  tree.write("c/memory.max", "max\n");
  tree.write("c/pids.max", "max\n");
  stats = manager->stats("/c");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->memory_limit, host);
  EXPECT_EQ(stats->pids_limit, 0u);
  EXPECT_EQ(manager->stats("/nope").error().kind(), Errc::not_found);
}

TEST(CgroupV2ManagerTest, DestroyWritesCgroupKillAndRemovesChildrenFirst) {
  FakeCgroupTree tree(v2());
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/gorae/abc/nested"));
  tree.clear();
  ASSERT_TRUE(manager->destroy("/gorae/abc"));
  EXPECT_THAT(tree.writes(), ElementsAre("gorae/abc/cgroup.kill=1"));
  EXPECT_THAT(tree.calls(), ElementsAre("rmdir gorae/abc/nested", "rmdir gorae/abc"));
  EXPECT_TRUE(tree.exists("gorae"));
  EXPECT_TRUE(manager->destroy("/gorae/abc")) << "already gone";
}

TEST(CgroupV2ManagerTest, DestroyWithoutCgroupKillSignalsEveryPid) {
  FakeTreeOptions options = v2();
  options.cgroup_kill = false;
  FakeCgroupTree tree(options);
  auto manager = make_v2_manager(tree.options());
  ASSERT_TRUE(manager->create("/c/sub"));
  ASSERT_TRUE(manager->add_process("/c/sub", 4242));
  tree.clear();
  ASSERT_TRUE(manager->destroy("/c"));
  EXPECT_THAT(tree.calls(), ElementsAre("kill 4242 9", "rmdir c/sub", "rmdir c"));
}

TEST(CgroupV2ManagerTest, DestroyGivesUpWhenAProcessNeverLeaves) {
  FakeTreeOptions options = v2();
  options.pids_die = false;
  FakeCgroupTree tree(options);
  auto manager = make_v2_manager(tree.options(std::chrono::milliseconds(50)));
  ASSERT_TRUE(manager->create("/c"));
  ASSERT_TRUE(manager->add_process("/c", 4242));
  auto destroyed = manager->destroy("/c");
  ASSERT_FALSE(destroyed);
  EXPECT_THAT(destroyed.error().what(), HasSubstr("rmdir " + tree.path("c")));
  EXPECT_THAT(destroyed.error().what(), HasSubstr("4242"));
  EXPECT_TRUE(tree.exists("c"));
}

}  // namespace
}  // namespace gorae::cgroups
