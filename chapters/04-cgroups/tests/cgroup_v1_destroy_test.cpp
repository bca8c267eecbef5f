// V1Manager::destroy() on fake trees: the fake kernel refuses rmdir while a
// pid or a child cgroup remains, exactly what destroy() has to get past.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "cgroup_fake_tree.hpp"
#include "gorae/cgroups/manager.hpp"

namespace gorae::cgroups {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using testing::FakeCgroupTree;
using testing::FakeTreeOptions;

const char* const kManaged[] = {"memory", "pids", "cpu", "cpuacct", "cpuset", "freezer"};

TEST(CgroupV1DestroyTest, RemovesEveryHierarchysDirectoryChildrenFirst) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/gorae/abc/nested"));
  tree.clear();
  ASSERT_TRUE(manager->destroy("/gorae/abc"));
  for (const char* hierarchy : kManaged) {
    EXPECT_FALSE(tree.exists(std::string(hierarchy) + "/gorae/abc")) << hierarchy;
    EXPECT_TRUE(tree.exists(std::string(hierarchy) + "/gorae")) << "the parent stays";
  }
  EXPECT_THAT(tree.calls(), ElementsAre("rmdir memory/gorae/abc/nested", "rmdir memory/gorae/abc",
                                        "rmdir pids/gorae/abc/nested", "rmdir pids/gorae/abc",
                                        "rmdir cpu/gorae/abc/nested", "rmdir cpu/gorae/abc",
                                        "rmdir cpuacct/gorae/abc/nested", "rmdir cpuacct/gorae/abc",
                                        "rmdir cpuset/gorae/abc/nested", "rmdir cpuset/gorae/abc",
                                        "rmdir freezer/gorae/abc/nested", "rmdir freezer/gorae/abc"));
  EXPECT_TRUE(tree.writes().empty()) << "no process: no freezing";
}

TEST(CgroupV1DestroyTest, FreezesKillsEveryPidThenThaws) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  ASSERT_TRUE(manager->create("/c/sub"));
  ASSERT_TRUE(manager->add_process("/c", 4242));
  ASSERT_TRUE(manager->add_process("/c/sub", 4343));
  tree.clear();
  ASSERT_TRUE(manager->destroy("/c"));
  EXPECT_THAT(tree.writes(), ElementsAre("freezer/c/freezer.state=FROZEN", "freezer/c/freezer.state=THAWED"));
  // Children first, each while frozen; the rmdirs only after the pids are gone.
  EXPECT_THAT(tree.calls(), IsSupersetOf({"kill 4343 9 freezer=FROZEN", "kill 4242 9 freezer=FROZEN"}));
  EXPECT_EQ(tree.calls().at(0), "kill 4343 9 freezer=FROZEN");
  EXPECT_EQ(tree.calls().at(1), "kill 4242 9 freezer=FROZEN");
  EXPECT_EQ(tree.calls().size(), 2u + 2 * std::size(kManaged));
  for (const char* hierarchy : kManaged) EXPECT_FALSE(tree.exists(std::string(hierarchy) + "/c"));
}

TEST(CgroupV1DestroyTest, WithoutAFreezerKillsWithoutFreezing) {
  FakeTreeOptions options;
  options.freezer = false;
  FakeCgroupTree tree(options);
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  ASSERT_TRUE(manager->add_process("/c", 4242));
  tree.clear();
  ASSERT_TRUE(manager->destroy("/c"));
  EXPECT_TRUE(tree.writes().empty());
  EXPECT_EQ(tree.calls().at(0), "kill 4242 9");
  EXPECT_FALSE(tree.exists("memory/c"));
}

TEST(CgroupV1DestroyTest, GivesUpWhenAProcessNeverLeaves) {
  FakeTreeOptions options;
  options.pids_die = false;
  FakeCgroupTree tree(options);
  auto manager = make_v1_manager(tree.options(std::chrono::milliseconds(50)));
  ASSERT_TRUE(manager->create("/c"));
  ASSERT_TRUE(manager->add_process("/c", 4242));
  auto start = std::chrono::steady_clock::now();
  auto destroyed = manager->destroy("/c");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(destroyed);
  EXPECT_EQ(destroyed.error().kind(), Errc::conflict);
  EXPECT_THAT(destroyed.error().what(), HasSubstr("processes still inside: 4242"));
  EXPECT_LT(took, std::chrono::seconds(2)) << "bounded by empty_timeout";
  EXPECT_THAT(tree.calls(), Contains("kill 4242 9 freezer=THAWED")) << "it retried the kill while waiting";
  EXPECT_TRUE(tree.exists("memory/c"));
}

TEST(CgroupV1DestroyTest, AnAlreadyGoneCgroupIsNotAnError) {
  FakeCgroupTree tree;
  auto manager = make_v1_manager(tree.options());
  EXPECT_TRUE(manager->destroy("/never"));
  ASSERT_TRUE(manager->create("/c"));
  ASSERT_TRUE(manager->destroy("/c"));
  EXPECT_TRUE(manager->destroy("/c"));
}

TEST(CgroupV1DestroyTest, CoMountedCpuAndCpuacctAreRemovedOnce) {
  FakeTreeOptions options;
  options.comount_cpu = true;
  FakeCgroupTree tree(options);
  auto manager = make_v1_manager(tree.options());
  ASSERT_TRUE(manager->create("/c"));
  tree.clear();
  ASSERT_TRUE(manager->destroy("/c"));
  EXPECT_THAT(tree.calls(), ElementsAre("rmdir memory/c", "rmdir pids/c", "rmdir cpu/c", "rmdir cpuset/c",
                                        "rmdir freezer/c"));
  EXPECT_FALSE(tree.exists("cpu,cpuacct/c"));
}

}  // namespace
}  // namespace gorae::cgroups
