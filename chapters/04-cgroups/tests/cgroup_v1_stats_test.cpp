// V1Manager::stats() and oom_kills() read counters the kernel keeps; here
// the test writes them into a fake tree and checks each conversion.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "cgroup_fake_tree.hpp"
#include "gorae/cgroups/manager.hpp"

namespace gorae::cgroups {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeCgroupTree;
using testing::FakeTreeOptions;

std::uint64_t host_ram() {
  struct sysinfo info {};
  ::sysinfo(&info);
  return static_cast<std::uint64_t>(info.totalram) * info.mem_unit;
}

TEST(CgroupV1StatsTest, ReadsEveryCounter) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.write("cpuacct/c/cpuacct.usage", "123456789\n");
  tree.write("cpuacct/c/cpuacct.usage_user", "100000000\n");
  tree.write("cpuacct/c/cpuacct.usage_sys", "23456789\n");
  tree.write("cpuacct/c/cpuacct.usage_percpu", "100000000 23456789 \n");
  tree.write("cpu/c/cpu.stat", "nr_periods 40\nnr_throttled 7\nthrottled_time 8000000\n");
  tree.write("memory/c/memory.usage_in_bytes", "4096000\n");
  tree.write("memory/c/memory.max_usage_in_bytes", "8192000\n");
  tree.write("memory/c/memory.limit_in_bytes", "67108864\n");
  tree.write("memory/c/memory.stat", "cache 4096\nrss 8192\ntotal_inactive_file 0\n");
  tree.write("memory/c/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  tree.write("pids/c/pids.current", "3\n");
  tree.write("pids/c/pids.max", "16\n");

  auto stats = manager->stats("/c");
  ASSERT_TRUE(stats) << stats.error().what();
  EXPECT_EQ(stats->cpu_total_ns, 123456789u);
  EXPECT_EQ(stats->cpu_user_ns, 100000000u);
  EXPECT_EQ(stats->cpu_system_ns, 23456789u);
  EXPECT_THAT(stats->per_cpu_ns, ElementsAre(100000000u, 23456789u));
  EXPECT_EQ(stats->periods, 40u);
  EXPECT_EQ(stats->throttled_periods, 7u);
  EXPECT_EQ(stats->throttled_time_ns, 8000000u);
  EXPECT_EQ(stats->memory_usage, 4096000u);
  EXPECT_EQ(stats->memory_max_usage, 8192000u);
  EXPECT_EQ(stats->memory_limit, std::min<std::uint64_t>(67108864u, host_ram()));
  EXPECT_EQ(stats->memory_stat.at("cache"), 4096u);
  EXPECT_EQ(stats->memory_stat.at("rss"), 8192u);
  EXPECT_EQ(stats->memory_stat.size(), 3u);
  EXPECT_EQ(stats->pids_current, 3u);
  EXPECT_EQ(stats->pids_limit, 16u);
  EXPECT_EQ(stats->oom_kills, 2u);
}

TEST(CgroupV1StatsTest, UnlimitedReadsAsHostMemoryAndNoPidsLimit) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  auto stats = manager->stats("/c");
  ASSERT_TRUE(stats) << stats.error().what();
  EXPECT_EQ(stats->memory_limit, host_ram()) << "9223372036854771712 is no limit to show";
  EXPECT_EQ(stats->pids_limit, 0u) << "pids.max \"max\"";
}

TEST(CgroupV1StatsTest, OlderKernelsSplitUserAndSystemOnlyInTicks) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  std::filesystem::remove(tree.path("cpuacct/c/cpuacct.usage_user"));
  std::filesystem::remove(tree.path("cpuacct/c/cpuacct.usage_sys"));
  tree.write("cpuacct/c/cpuacct.stat", "user 5\nsystem 7\n");
  auto stats = manager->stats("/c");
  ASSERT_TRUE(stats) << stats.error().what();
  const std::uint64_t tick_ns = 1000000000u / static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
  EXPECT_EQ(stats->cpu_user_ns, 5 * tick_ns);
  EXPECT_EQ(stats->cpu_system_ns, 7 * tick_ns);
}

TEST(CgroupV1StatsTest, MissingHierarchyCountsAsZero) {
  FakeTreeOptions options;
  options.pids = false;
  FakeCgroupTree tree(options);
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  auto stats = manager->stats("/c");
  ASSERT_TRUE(stats) << stats.error().what();
  EXPECT_EQ(stats->pids_current, 0u);
}

TEST(CgroupV1StatsTest, StatsOfAMissingCgroupIsNotFound) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  auto stats = manager->stats("/nope");
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().kind(), Errc::not_found);
}

TEST(CgroupV1StatsTest, OomKillsComesFromOomControl) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  EXPECT_EQ(manager->oom_kills("/c").value_or(99), 0u);
  tree.write("memory/c/memory.oom_control", "oom_kill_disable 0\nunder_oom 1\noom_kill 5\n");
  EXPECT_EQ(manager->oom_kills("/c").value_or(99), 5u);
}

TEST(CgroupV1StatsTest, KernelsWithoutTheOomKillCounterSayUnavailable) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.write("memory/c/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
  auto kills = manager->oom_kills("/c");
  ASSERT_FALSE(kills);
  EXPECT_EQ(kills.error().kind(), Errc::unavailable);
  EXPECT_THAT(kills.error().what(), HasSubstr("4.13"));
  auto stats = manager->stats("/c");
  ASSERT_TRUE(stats) << "stats still answer, with 0";
  EXPECT_EQ(stats->oom_kills, 0u);
}

}  // namespace
}  // namespace gorae::cgroups
