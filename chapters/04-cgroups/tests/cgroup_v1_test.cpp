// V1Manager against fake v1 trees: every file it writes, in order, and what
// it reads back. cgroup_fake_tree.hpp plays the kernel's part.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
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

constexpr std::int64_t MiB = 1024 * 1024;

TEST(CgroupV1ManagerTest, CreateMakesTheCgroupInEveryManagedHierarchy) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  EXPECT_EQ(manager->version(), 1);
  ASSERT_TRUE(manager->create("/gorae/abc")) << "create";
  for (const char* hierarchy : {"memory", "pids", "cpu", "cpuacct", "cpuset", "freezer"})
    EXPECT_TRUE(tree.exists(std::string(hierarchy) + "/gorae/abc/cgroup.procs")) << hierarchy;
  EXPECT_FALSE(tree.exists("blkio/gorae")) << "blkio is not ours to manage";
  EXPECT_FALSE(tree.exists("systemd/gorae"));
}

TEST(CgroupV1ManagerTest, CreateCopiesCpusetFromTheParentAtEveryLevel) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/gorae/abc"));
  EXPECT_EQ(tree.read("cpuset/gorae/cpuset.cpus"), "0-1");
  EXPECT_EQ(tree.read("cpuset/gorae/cpuset.mems"), "0");
  EXPECT_EQ(tree.read("cpuset/gorae/abc/cpuset.cpus"), "0-1");
  EXPECT_THAT(tree.writes(), ElementsAre("cpuset/gorae/cpuset.cpus=0-1", "cpuset/gorae/cpuset.mems=0",
                                         "cpuset/gorae/abc/cpuset.cpus=0-1",
                                         "cpuset/gorae/abc/cpuset.mems=0"));

  // A parent narrowed by someone else passes on its own set; a filled one is left alone.
  tree.write("cpuset/gorae/cpuset.cpus", "1\n");
  tree.clear();
  ASSERT_TRUE(manager->create("/gorae/def"));
  EXPECT_EQ(tree.read("cpuset/gorae/def/cpuset.cpus"), "1");
  EXPECT_THAT(tree.writes(), ElementsAre("cpuset/gorae/def/cpuset.cpus=1", "cpuset/gorae/def/cpuset.mems=0"));
}

TEST(CgroupV1ManagerTest, PathsThatCouldEscapeOrWipeAHierarchyAreRefused) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  for (const char* path : {"", "gorae/abc", "/gorae/../../etc", "/./x", "/", "//"}) {
    auto created = manager->create(path);
    ASSERT_FALSE(created) << path;
    EXPECT_EQ(created.error().kind(), Errc::invalid_argument) << path;
    EXPECT_FALSE(manager->destroy(path)) << path;
  }
  EXPECT_TRUE(tree.calls().empty());
  EXPECT_TRUE(tree.exists("memory/cgroup.procs"));
}

TEST(CgroupV1ManagerTest, ApplyWritesEveryFieldToItsFile) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.clear();
  Resources r;
  r.memory_limit = 64 * MiB;
  r.memory_swap = 128 * MiB;
  r.memory_reservation = 32 * MiB;
  r.pids_limit = 16;
  r.cpu_shares = 512;
  r.cpu_period = 100000;
  r.cpu_quota = 50000;
  r.cpuset_cpus = "1";
  r.cpuset_mems = "0";
  ASSERT_TRUE(manager->apply("/c", r));
  // From unlimited down to 64 MiB: memory first, or the kernel would see memsw < memory.
  EXPECT_THAT(tree.writes(),
              ElementsAre("memory/c/memory.limit_in_bytes=67108864",
                          "memory/c/memory.memsw.limit_in_bytes=134217728",
                          "memory/c/memory.soft_limit_in_bytes=33554432", "pids/c/pids.max=16",
                          "cpu/c/cpu.shares=512", "cpu/c/cpu.cfs_period_us=100000",
                          "cpu/c/cpu.cfs_quota_us=50000", "cpuset/c/cpuset.cpus=1", "cpuset/c/cpuset.mems=0"));
  EXPECT_EQ(tree.read("memory/c/memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(tree.read("cpu/c/cpu.cfs_quota_us"), "50000");
}

TEST(CgroupV1ManagerTest, RaisingWritesMemswFirstLoweringWritesMemoryFirst) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.write("memory/c/memory.limit_in_bytes", "67108864\n");
  tree.write("memory/c/memory.memsw.limit_in_bytes", "134217728\n");
  tree.clear();
  Resources up;
  up.memory_limit = 256 * MiB;
  up.memory_swap = 512 * MiB;
  ASSERT_TRUE(manager->apply("/c", up));
  EXPECT_THAT(tree.writes(), ElementsAre("memory/c/memory.memsw.limit_in_bytes=536870912",
                                         "memory/c/memory.limit_in_bytes=268435456"));
  tree.clear();
  Resources down;
  down.memory_limit = 32 * MiB;
  down.memory_swap = 48 * MiB;
  ASSERT_TRUE(manager->apply("/c", down));
  EXPECT_THAT(tree.writes(), ElementsAre("memory/c/memory.limit_in_bytes=33554432",
                                         "memory/c/memory.memsw.limit_in_bytes=50331648"));
}

TEST(CgroupV1ManagerTest, UnlimitedMemoryWithoutASwapWordLiftsSwapFirst) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.clear();
  Resources r;
  r.memory_limit = -1;
  ASSERT_TRUE(manager->apply("/c", r));
  EXPECT_THAT(tree.writes(), ElementsAre("memory/c/memory.memsw.limit_in_bytes=-1",
                                         "memory/c/memory.limit_in_bytes=-1"));
}

TEST(CgroupV1ManagerTest, SwapLimitWithoutSwapAccountingIsUnavailable) {
  FakeTreeOptions options;
  options.swap_accounting = false;
  FakeCgroupTree tree(options);
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.clear();
  Resources r;
  r.memory_limit = 64 * MiB;
  r.memory_swap = 128 * MiB;
  auto applied = manager->apply("/c", r);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind(), Errc::unavailable);
  EXPECT_THAT(applied.error().what(), HasSubstr("does not support swap limit capabilities"));
  EXPECT_TRUE(tree.writes().empty()) << "nothing half-applied";

  r.memory_swap = -1;  // unlimited swap is what the host has anyway
  ASSERT_TRUE(manager->apply("/c", r));
  EXPECT_THAT(tree.writes(), ElementsAre("memory/c/memory.limit_in_bytes=67108864"));
}

TEST(CgroupV1ManagerTest, PidsLimitZeroOrNegativeMeansMax) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  for (std::int64_t limit : {0, -1}) {
    tree.write("pids/c/pids.max", "5\n");
    Resources r;
    r.pids_limit = limit;
    ASSERT_TRUE(manager->apply("/c", r));
    EXPECT_EQ(tree.read("pids/c/pids.max"), "max") << limit;
  }
}

TEST(CgroupV1ManagerTest, LimitForAMissingHierarchyIsUnavailable) {
  FakeTreeOptions options;
  options.pids = false;
  FakeCgroupTree tree(options);
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  EXPECT_THAT(manager->controllers(), ElementsAre("memory", "cpu", "cpuacct", "cpuset", "freezer"));
  Resources r;
  r.pids_limit = 10;
  auto applied = manager->apply("/c", r);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind(), Errc::unavailable);
  EXPECT_THAT(applied.error().what(), HasSubstr("pids cgroup hierarchy"));
}

TEST(CgroupV1ManagerTest, WriteErrorNamesTheFileAndTheValue) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  Resources r;
  r.cpu_shares = 256;
  auto applied = manager->apply("/never-created", r);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind(), Errc::not_found);
  EXPECT_THAT(applied.error().what(),
              HasSubstr("write \"256\" to " + tree.path("cpu/never-created/cpu.shares")));
}

TEST(CgroupV1ManagerTest, AddProcessWritesEachHierarchyOnceWhenCpuAndCpuacctShareOne) {
  FakeTreeOptions options;
  options.comount_cpu = true;
  FakeCgroupTree tree(options);
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  EXPECT_TRUE(tree.exists("cpu,cpuacct/c/cpu.shares"));
  EXPECT_TRUE(tree.exists("cpu,cpuacct/c/cpuacct.usage"));
  tree.clear();
  ASSERT_TRUE(manager->add_process("/c", 4242));
  EXPECT_THAT(tree.writes(), ElementsAre("memory/c/cgroup.procs=4242", "pids/c/cgroup.procs=4242",
                                         "cpu/c/cgroup.procs=4242", "cpuset/c/cgroup.procs=4242",
                                         "freezer/c/cgroup.procs=4242"));
  EXPECT_EQ(tree.read("cpu,cpuacct/c/cgroup.procs"), "4242");
}

}  // namespace
}  // namespace gorae::cgroups
