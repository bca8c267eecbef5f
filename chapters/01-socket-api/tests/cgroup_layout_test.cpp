#include "gorae/doctor/cgroup_layout.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gorae::doctor {
namespace {

using Strings = std::vector<std::string>;

// /proc/self/mounts of the machine this chapter was written on (a Firecracker
// VM): systemd-less hybrid, one v1 hierarchy per controller and a cgroup2
// that holds only hugetlb.
constexpr const char* kThisMachineMounts =
    R"(proc /proc proc rw,relatime 0 0
sysfs /sys sysfs rw,relatime 0 0
devtmpfs /dev devtmpfs rw,relatime,size=12334492k,nr_inodes=3083623,mode=755 0 0
tmpfs /dev/shm tmpfs rw,relatime,size=24684092k 0 0
devpts /dev/pts devpts rw,relatime,mode=600,ptmxmode=000 0 0
/dev/vda / ext4 rw,relatime,discard,resv_strict,resuid=65534,resgid=65534 0 0
model_tools_unavailable /mnt/sandboxing/model_tools_env/v1/python tmpfs ro,nosuid,nodev,relatime,size=4k,mode=755 0 0
devpts /dev/pts devpts rw,relatime,mode=600,ptmxmode=000 0 0
tmpfs /dev/shm tmpfs rw,relatime,size=24684092k 0 0
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/devices cgroup rw,relatime,devices 0 0
cgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0
cgroup /sys/fs/cgroup/blkio cgroup rw,relatime,blkio 0 0
cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
)";

// Its /proc/cgroups: net_cls, perf_event, net_prio and hugetlb sit in no v1
// hierarchy (hierarchy 0), so v1 cannot use them.
constexpr const char* kThisMachineCgroups =
    R"(#subsys_name	hierarchy	num_cgroups	enabled
cpuset	3	1	1
cpu	1	1	1
cpuacct	2	1	1
blkio	7	1	1
memory	4	20	1
devices	5	1	1
freezer	6	1	1
net_cls	0	1	1
perf_event	0	1	1
net_prio	0	1	1
hugetlb	0	1	1
pids	8	1	1
)";

// Debian 12 / Fedora with systemd: the unified hierarchy only.
constexpr const char* kDebian12Mounts =
    R"(sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/sda1 / ext4 rw,relatime,errors=remount-ro 0 0
securityfs /sys/kernel/security securityfs rw,nosuid,nodev,noexec,relatime 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0
pstore /sys/fs/pstore pstore rw,nosuid,nodev,noexec,relatime 0 0
bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0
)";

// Ubuntu 20.04 with systemd's default hybrid setup: cpu and cpuacct share one
// hierarchy, and the unified mount has no controllers of its own.
constexpr const char* kUbuntu2004Mounts =
    R"(/dev/sda2 / ext4 rw,relatime 0 0
tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,name=systemd 0 0
cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0
cgroup /sys/fs/cgroup/pids cgroup rw,nosuid,nodev,noexec,relatime,pids 0 0
cgroup /sys/fs/cgroup/net_cls,net_prio cgroup rw,nosuid,nodev,noexec,relatime,net_cls,net_prio 0 0
)";

// CentOS 7 (kernel 3.10): v1 only, no cgroup2 anywhere.
constexpr const char* kCentos7Mounts =
    R"(tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd 0 0
cgroup /sys/fs/cgroup/cpuset cgroup rw,nosuid,nodev,noexec,relatime,cpuset 0 0
cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpuacct,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0
cgroup /sys/fs/cgroup/pids cgroup rw,nosuid,nodev,noexec,relatime,pids 0 0
)";

TEST(CgroupLayoutTest, ThisMachineIsHybrid) {
  EXPECT_EQ(detect_cgroup_layout(kThisMachineMounts), CgroupLayout::hybrid);
  EXPECT_EQ(cgroup2_mount_point(kThisMachineMounts), "/sys/fs/cgroup/unified");
}

TEST(CgroupLayoutTest, DetectsUnifiedHierarchyAsV2) {
  EXPECT_EQ(detect_cgroup_layout(kDebian12Mounts), CgroupLayout::v2);
  EXPECT_EQ(cgroup2_mount_point(kDebian12Mounts), "/sys/fs/cgroup");
}

TEST(CgroupLayoutTest, DetectsSystemdHybridWithCombinedControllers) {
  EXPECT_EQ(detect_cgroup_layout(kUbuntu2004Mounts), CgroupLayout::hybrid);
  EXPECT_EQ(cgroup2_mount_point(kUbuntu2004Mounts), "/sys/fs/cgroup/unified");
}

TEST(CgroupLayoutTest, DetectsV1WithoutCgroup2) {
  EXPECT_EQ(detect_cgroup_layout(kCentos7Mounts), CgroupLayout::v1);
  EXPECT_EQ(cgroup2_mount_point(kCentos7Mounts), "");
}

TEST(CgroupLayoutTest, DetectsV1WithAllControllersInOneHierarchy) {
  EXPECT_EQ(detect_cgroup_layout(
                "cgroup /sys/fs/cgroup cgroup rw,relatime,cpu,cpuacct,memory,pids 0 0\n"),
            CgroupLayout::v1);
}

TEST(CgroupLayoutTest, ContainerOnV2HostSeesV2) {
  // Inside a Docker container the device is called "cgroup"; the type decides.
  const char* mounts =
      "overlay / overlay rw,relatime,lowerdir=/l,upperdir=/u,workdir=/w 0 0\n"
      "cgroup /sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec,relatime 0 0\n";
  EXPECT_EQ(detect_cgroup_layout(mounts), CgroupLayout::v2);
}

TEST(CgroupLayoutTest, Cgroup2AtRootWinsOverV1Mounts) {
  const std::string mounts = std::string(kCentos7Mounts) +
                             "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n";
  EXPECT_EQ(detect_cgroup_layout(mounts), CgroupLayout::v2);
}

TEST(CgroupLayoutTest, NamedHierarchyAloneIsNotV1) {
  const char* named = "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,xattr,name=systemd 0 0\n";
  EXPECT_EQ(detect_cgroup_layout(named), CgroupLayout::none);
  const std::string with_unified =
      std::string(named) + "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
  EXPECT_EQ(detect_cgroup_layout(with_unified), CgroupLayout::v2);
}

TEST(CgroupLayoutTest, DetectsNoCgroups) {
  EXPECT_EQ(detect_cgroup_layout(""), CgroupLayout::none);
  EXPECT_EQ(detect_cgroup_layout("proc /proc proc rw 0 0\n/dev/vda / ext4 rw 0 0\n"),
            CgroupLayout::none);
}

TEST(CgroupLayoutTest, LaterMountHidesEarlierOnSamePoint) {
  const char* mounts =
      "cgroup2 /sys/fs/cgroup cgroup2 rw,relatime 0 0\n"
      "tmpfs /sys/fs/cgroup tmpfs rw,relatime 0 0\n";
  EXPECT_EQ(detect_cgroup_layout(mounts), CgroupLayout::none);
  EXPECT_EQ(cgroup2_mount_point(mounts), "");
}

TEST(CgroupLayoutTest, DecodesOctalEscapesInMountPoint) {
  const char* mounts = "cgroup2 /mnt/my\\040cgroups cgroup2 rw,relatime 0 0\n";
  EXPECT_EQ(cgroup2_mount_point(mounts), "/mnt/my cgroups");
  EXPECT_EQ(detect_cgroup_layout(mounts), CgroupLayout::v2);
}

TEST(CgroupLayoutTest, IgnoresMalformedLines) {
  const std::string mounts = std::string("garbage\n\n") + kDebian12Mounts;
  EXPECT_EQ(detect_cgroup_layout(mounts), CgroupLayout::v2);
}

TEST(CgroupLayoutTest, V1ControllersAreEnabledAndAttachedOnes) {
  EXPECT_EQ(cgroup_controllers(CgroupLayout::v1, kThisMachineCgroups, ""),
            (Strings{"cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "pids"}));
}

TEST(CgroupLayoutTest, V1SkipsDisabledController) {
  // Booted with cgroup_disable=memory (the Raspberry Pi default).
  const char* cgroups =
      "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
      "cpu\t2\t1\t1\nmemory\t0\t1\t0\npids\t3\t1\t1\n";
  EXPECT_EQ(cgroup_controllers(CgroupLayout::v1, cgroups, ""), (Strings{"cpu", "pids"}));
}

TEST(CgroupLayoutTest, HybridUsesV1Controllers) {
  // Not the unified hierarchy's: dockerd drives a hybrid host through v1.
  EXPECT_EQ(cgroup_controllers(CgroupLayout::hybrid, kThisMachineCgroups, "hugetlb\n").size(), 8U);
}

TEST(CgroupLayoutTest, V2ControllersComeFromCgroupControllers) {
  EXPECT_EQ(cgroup_controllers(CgroupLayout::v2, kThisMachineCgroups,
                               "cpuset cpu io memory hugetlb pids rdma misc\n"),
            (Strings{"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"}));
  EXPECT_TRUE(cgroup_controllers(CgroupLayout::v2, kThisMachineCgroups, "").empty());
}

TEST(CgroupLayoutTest, NoneHasNoControllers) {
  EXPECT_TRUE(cgroup_controllers(CgroupLayout::none, kThisMachineCgroups, "cpu memory").empty());
}

TEST(CgroupLayoutTest, NamesLayouts) {
  EXPECT_STREQ(to_string(CgroupLayout::v1), "v1");
  EXPECT_STREQ(to_string(CgroupLayout::hybrid), "hybrid");
  EXPECT_STREQ(to_string(CgroupLayout::v2), "v2");
  EXPECT_STREQ(to_string(CgroupLayout::none), "none");
}

TEST(CgroupLayoutTest, ReportsDockerCgroupVersion) {
  EXPECT_EQ(docker_cgroup_version(CgroupLayout::v2), "2");
  EXPECT_EQ(docker_cgroup_version(CgroupLayout::hybrid), "1");
  EXPECT_EQ(docker_cgroup_version(CgroupLayout::v1), "1");
  EXPECT_EQ(docker_cgroup_version(CgroupLayout::none), "1");
}

}  // namespace
}  // namespace gorae::doctor
