// detect_layout() and open_manager() on trees built to look like each layout.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gorae/cgroups/manager.hpp"
#include "gorae/doctor/cgroup_layout.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::cgroups {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A directory the way the kernel shows a cgroup: at least cgroup.procs.
void cgroup_dir(const TempDir& root, const std::string& name) {
  fs::create_directories(root.file(name));
  std::ofstream(root.file(name + "/cgroup.procs")) << "";
}

void file(const TempDir& root, const std::string& name, const std::string& text) {
  std::ofstream(root.file(name)) << text;
}

TEST(CgroupDetectTest, CgroupControllersAtTheRootIsUnified) {
  TempDir root;
  file(root, "cgroup.controllers", "cpuset cpu io memory pids\n");
  file(root, "cgroup.procs", "1\n");
  ASSERT_EQ(detect_layout(root.path()).value(), Layout::unified);
}

TEST(CgroupDetectTest, ControllerDirectoriesAreLegacy) {
  TempDir root;
  for (const char* name : {"memory", "pids", "cpu", "cpuset", "freezer", "systemd"}) cgroup_dir(root, name);
  ASSERT_EQ(detect_layout(root.path()).value(), Layout::legacy);
}

TEST(CgroupDetectTest, ControllerDirectoriesWithACgroup2AtUnifiedAreHybrid) {
  TempDir root;
  for (const char* name : {"memory", "pids", "cpu", "systemd"}) cgroup_dir(root, name);
  cgroup_dir(root, "unified");
  file(root, "unified/cgroup.controllers", "hugetlb\n");
  ASSERT_EQ(detect_layout(root.path()).value(), Layout::hybrid);
}

TEST(CgroupDetectTest, CoMountedCpuCpuacctAloneIsLegacy) {
  TempDir root;
  cgroup_dir(root, "cpu,cpuacct");
  ASSERT_EQ(detect_layout(root.path()).value(), Layout::legacy);
}

TEST(CgroupDetectTest, NoControllerHierarchyIsUnavailable) {
  TempDir root;
  auto empty = detect_layout(root.path());
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind(), Errc::unavailable);

  cgroup_dir(root, "systemd");                 // named hierarchy, no controller
  fs::create_directories(root.file("memory"));  // a mount point with nothing mounted
  cgroup_dir(root, "unified");
  EXPECT_FALSE(detect_layout(root.path())) << "cgroup.controllers missing under unified/";
  EXPECT_FALSE(detect_layout(root.file("missing")));
}

TEST(CgroupDetectTest, LayoutsHaveNames) {
  EXPECT_STREQ(to_string(Layout::legacy), "legacy");
  EXPECT_STREQ(to_string(Layout::hybrid), "hybrid");
  EXPECT_STREQ(to_string(Layout::unified), "unified");
}

TEST(CgroupDetectTest, OpenManagerPicksV2OnlyForUnified) {
  TempDir unified;
  file(unified, "cgroup.controllers", "memory\n");
  auto v2 = open_manager(unified.path());
  ASSERT_TRUE(v2);
  EXPECT_EQ((*v2)->version(), 2);

  TempDir hybrid;
  cgroup_dir(hybrid, "memory");
  cgroup_dir(hybrid, "unified");
  file(hybrid, "unified/cgroup.controllers", "memory pids\n");
  auto v1 = open_manager(hybrid.path());
  ASSERT_TRUE(v1);
  EXPECT_EQ((*v1)->version(), 1) << "a hybrid host is driven through its v1 hierarchies";

  TempDir none;
  auto missing = open_manager(none.path());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), Errc::unavailable);
}

// The file probe and chapter 01's /proc/self/mounts reading must agree on the
// host the tests run on (no root needed to read either).
TEST(CgroupDetectTest, AgreesWithTheDoctorOnThisHost) {
  std::ifstream in("/proc/self/mounts");
  std::stringstream mounts;
  mounts << in.rdbuf();
  auto doctor = doctor::detect_cgroup_layout(mounts.str());
  if (doctor == doctor::CgroupLayout::none) GTEST_SKIP() << "no cgroup filesystem mounted here";
  if (doctor == doctor::CgroupLayout::hybrid && doctor::cgroup2_mount_point(mounts.str()) != "/sys/fs/cgroup/unified")
    GTEST_SKIP() << "cgroup2 is mounted at " << doctor::cgroup2_mount_point(mounts.str())
                 << ", which the file probe does not look for";
  auto layout = detect_layout();
  ASSERT_TRUE(layout) << layout.error().what();
  EXPECT_STREQ(to_string(*layout), doctor == doctor::CgroupLayout::v1       ? "legacy"
                                   : doctor == doctor::CgroupLayout::hybrid ? "hybrid"
                                                                            : "unified");
}

}  // namespace
}  // namespace gorae::cgroups
