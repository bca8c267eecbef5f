#include "gorae/doctor/doctor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "gorae/testing/support.hpp"

namespace gorae::doctor {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fake /proc, /sys and /etc in a temporary directory, filled as a healthy
// cgroup v2 host as root; each test breaks one thing.
class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path();
    host_.proc = (root_ / "proc").string();
    host_.sys = (root_ / "sys").string();
    host_.etc = (root_ / "etc").string();
    host_.have_program = [this](const std::string& name) { return programs_.count(name) > 0; };

    write("proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
    for (const char* ns : {"mnt", "uts", "ipc", "pid", "net", "cgroup", "user"}) set_namespace(ns);
    write("proc/sys/user/max_user_namespaces", "63229\n");
    write("proc/self/mounts",
          "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
          "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n");
    write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    write("proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t60\t1\n");
    write("proc/filesystems", "nodev\tsysfs\nnodev\tproc\nnodev\toverlay\n\text4\n");
    set_status("0", "000001ffffffffff", "000001ffffffffff");
    write("proc/sys/kernel/cap_last_cap", "40\n");
    write("proc/sys/net/ipv4/ip_forward", "1\n");
  }

  void write(const std::string& relative, const std::string& text) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  void remove(const std::string& relative) { fs::remove(root_ / relative); }

  // Like the real /proc/self/ns: a symlink whose target is no path.
  void set_namespace(const std::string& name) {
    fs::create_directories(root_ / "proc/self/ns");
    fs::create_symlink(name + ":[4026531840]", root_ / "proc/self/ns" / name);
  }

  void set_status(const std::string& uid, const std::string& eff, const std::string& bnd) {
    write("proc/self/status", "Name:\tgorae\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid +
                                  "\nGid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\nCapPrm:\t" + eff +
                                  "\nCapEff:\t" + eff + "\nCapBnd:\t" + bnd +
                                  "\nCapAmb:\t0000000000000000\n");
  }

  // Runs one of chapter 01's registered checks by name.
  Finding check(const std::string& name) const {
    Registry registry;
    add_host_checks(registry);
    for (const Check& c : registry.checks())
      if (c.name == name) return c.run(host_);
    ADD_FAILURE() << "no check named " << name;
    return {};
  }

  int run_all(std::string& output) const {
    Registry registry;
    add_host_checks(registry);
    std::ostringstream out;
    const int code = run(registry, host_, out);
    output = out.str();
    return code;
  }

  gorae::testing::TempDir tmp_;
  fs::path root_;
  Host host_;
  std::set<std::string> programs_{"iptables", "nft"};
};

// ---- the registry and the runner --------------------------------------------

TEST_F(DoctorTest, RegistersChapterOneChecksInOrder) {
  Registry registry;
  add_host_checks(registry);
  std::vector<std::string> names;
  for (const Check& c : registry.checks()) names.push_back(c.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"kernel", "namespaces", "userns", "cgroups", "overlayfs",
                                      "capabilities", "firewall", "ip_forward"}));
}

TEST_F(DoctorTest, HealthyHostPassesEveryCheck) {
  std::string output;
  EXPECT_EQ(run_all(output), 0) << output;
  EXPECT_THAT(output, HasSubstr("doctor: 8 ok, 0 warnings, 0 missing\n"));
  EXPECT_EQ(output.find("[warn]"), std::string::npos) << output;
  EXPECT_EQ(output.find("fix:"), std::string::npos) << output;
}

TEST(DoctorRunTest, PrintsOneLinePerCheckFixAndSummary) {
  Registry registry;
  registry.add({"kernel", true, [](const Host&) {
                  return Finding{Outcome::ok, "6.1.0 (need >= 4.18)", ""};
                }});
  registry.add({"ip_forward", false, [](const Host&) {
                  return Finding{Outcome::warn, "net.ipv4.ip_forward is 0",
                                 "sysctl -w net.ipv4.ip_forward=1"};
                }});
  registry.add({"overlayfs", true, [](const Host&) {
                  return Finding{Outcome::missing, "overlay is not in /proc/filesystems",
                                 "modprobe overlay"};
                }});
  std::ostringstream out;
  EXPECT_EQ(run(registry, Host{}, out), 1);
  EXPECT_EQ(out.str(),
            "[ ok ]    kernel        6.1.0 (need >= 4.18)\n"
            "[warn]    ip_forward    net.ipv4.ip_forward is 0\n"
            "          fix: sysctl -w net.ipv4.ip_forward=1\n"
            "[MISS]    overlayfs     overlay is not in /proc/filesystems\n"
            "          fix: modprobe overlay\n"
            "doctor: 1 ok, 1 warning, 1 missing\n");
}

TEST(DoctorRunTest, WarningsAloneExitZero) {
  Registry registry;
  registry.add({"a", true, [](const Host&) { return Finding{Outcome::warn, "meh", "do x"}; }});
  std::ostringstream out;
  EXPECT_EQ(run(registry, Host{}, out), 0);
}

TEST(DoctorRunTest, OptionalMissingIsShownAsWarningAndExitsZero) {
  Registry registry;
  registry.add({"firewall", false, [](const Host&) {
                  return Finding{Outcome::missing, "none", "apt-get install iptables"};
                }});
  std::ostringstream out;
  EXPECT_EQ(run(registry, Host{}, out), 0);
  EXPECT_THAT(out.str(), HasSubstr("[warn]    firewall"));
  EXPECT_THAT(out.str(), HasSubstr("doctor: 0 ok, 1 warning, 0 missing"));
}

TEST(DoctorRunTest, ThrowingCheckIsReportedNotFatal) {
  Registry registry;
  registry.add({"broken", true, [](const Host&) -> Finding { throw std::runtime_error("boom"); }});
  registry.add({"fine", true, [](const Host&) { return Finding{Outcome::ok, "yes", ""}; }});
  std::ostringstream out;
  EXPECT_EQ(run(registry, Host{}, out), 1);
  EXPECT_THAT(out.str(), HasSubstr("[MISS]    broken        check failed: boom"));
  EXPECT_THAT(out.str(), HasSubstr("[ ok ]    fine"));
}

TEST(DoctorRunTest, LongNamesWidenTheColumn) {
  Registry registry;
  registry.add({"a_rather_long_check", true, [](const Host&) {
                  return Finding{Outcome::ok, "x", ""};
                }});
  registry.add({"b", true, [](const Host&) { return Finding{Outcome::ok, "y", ""}; }});
  std::ostringstream out;
  run(registry, Host{}, out);
  EXPECT_THAT(out.str(), HasSubstr("a_rather_long_check  x\n"));
  EXPECT_THAT(out.str(), HasSubstr("[ ok ]    b                    y\n"));
}

TEST(DoctorRegistryTest, LaterCheckWithSameNameReplacesEarlier) {
  Registry registry;
  registry.add({"kernel", true, [](const Host&) { return Finding{Outcome::missing, "old", ""}; }});
  registry.add({"other", true, [](const Host&) { return Finding{}; }});
  registry.add({"kernel", false, [](const Host&) { return Finding{Outcome::ok, "new", ""}; }});
  ASSERT_EQ(registry.checks().size(), 2U);
  EXPECT_EQ(registry.checks()[0].name, "kernel");
  EXPECT_FALSE(registry.checks()[0].required);
  EXPECT_EQ(registry.checks()[0].run(Host{}).summary, "new");
}

TEST(DoctorPathTest, FindsProgramsInPathAndSbin) {
  EXPECT_TRUE(find_in_path("sh"));
  EXPECT_TRUE(find_in_path("/bin/sh"));
  EXPECT_FALSE(find_in_path("gorae-no-such-program"));
  EXPECT_FALSE(find_in_path(""));
}

TEST(DoctorHostTest, RunsAgainstThisHost) {
  // Whatever this machine lacks, every check answers and the summary prints.
  Registry registry;
  add_host_checks(registry);
  std::ostringstream out;
  const int code = run(registry, Host{}, out);
  EXPECT_TRUE(code == 0 || code == 1);
  EXPECT_THAT(out.str(), HasSubstr("doctor: "));
  EXPECT_EQ(out.str().find("check failed"), std::string::npos) << out.str();
}

// ---- kernel ------------------------------------------------------------------

TEST_F(DoctorTest, AcceptsRecentKernel) {
  const Finding f = check("kernel");
  EXPECT_EQ(f.outcome, Outcome::ok);
  EXPECT_EQ(f.summary, "6.1.0-13-amd64 (need >= 4.18)");
}

TEST_F(DoctorTest, WarnsAboutKernelBelow54) {
  write("proc/sys/kernel/osrelease", "5.3.18-lp152.19-default\n");
  const Finding f = check("kernel");
  EXPECT_EQ(f.outcome, Outcome::warn);
  EXPECT_THAT(f.fix, HasSubstr("5.4"));
}

TEST_F(DoctorTest, ReportsMissingForKernelBelow418) {
  write("proc/sys/kernel/osrelease", "4.9.0-8-amd64\n");
  EXPECT_EQ(check("kernel").outcome, Outcome::missing);
  write("proc/sys/kernel/osrelease", "4.18.0-513.el8.x86_64\n");
  EXPECT_EQ(check("kernel").outcome, Outcome::warn);
}

TEST_F(DoctorTest, ReportsUnreadableKernelRelease) {
  write("proc/sys/kernel/osrelease", "banana\n");
  EXPECT_EQ(check("kernel").outcome, Outcome::missing);
  remove("proc/sys/kernel/osrelease");
  EXPECT_EQ(check("kernel").outcome, Outcome::missing);
}

// ---- namespaces and user namespaces --------------------------------------------

TEST_F(DoctorTest, FindsAllNamespaces) {
  const Finding f = check("namespaces");
  EXPECT_EQ(f.outcome, Outcome::ok);
  EXPECT_EQ(f.summary, "mnt uts ipc pid net cgroup user");
}

TEST_F(DoctorTest, ReportsMissingUserNamespace) {
  remove("proc/self/ns/user");
  remove("proc/self/ns/net");
  const Finding f = check("namespaces");
  EXPECT_EQ(f.outcome, Outcome::missing);
  EXPECT_THAT(f.summary, HasSubstr("no net, user namespace"));
  EXPECT_THAT(f.fix, HasSubstr("CONFIG_NET_NS=y CONFIG_USER_NS=y"));
}

TEST_F(DoctorTest, AllowsUserNamespaces) {
  const Finding f = check("userns");
  EXPECT_EQ(f.outcome, Outcome::ok);
  EXPECT_EQ(f.summary, "user.max_user_namespaces = 63229");
}

TEST_F(DoctorTest, WarnsWhenMaxUserNamespacesIsZero) {
  write("proc/sys/user/max_user_namespaces", "0\n");
  const Finding f = check("userns");
  EXPECT_EQ(f.outcome, Outcome::warn);
  EXPECT_EQ(f.fix, "sysctl -w user.max_user_namespaces=15000");
}

TEST_F(DoctorTest, WarnsWhenUnprivilegedUsernsCloneIsOff) {
  write("proc/sys/kernel/unprivileged_userns_clone", "0\n");
  EXPECT_EQ(check("userns").fix, "sysctl -w kernel.unprivileged_userns_clone=1");
  write("proc/sys/kernel/unprivileged_userns_clone", "1\n");
  EXPECT_EQ(check("userns").outcome, Outcome::ok);
}

TEST_F(DoctorTest, WarnsWhenAppArmorRestrictsUserns) {
  write("proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n");
  EXPECT_EQ(check("userns").outcome, Outcome::warn);
}

TEST_F(DoctorTest, WarnsWhenMaxUserNamespacesIsAbsent) {
  remove("proc/sys/user/max_user_namespaces");
  EXPECT_EQ(check("userns").outcome, Outcome::warn);
}

// ---- cgroups --------------------------------------------------------------------

TEST_F(DoctorTest, AcceptsCgroupV2WithControllers) {
  const Finding f = check("cgroups");
  EXPECT_EQ(f.outcome, Outcome::ok);
  EXPECT_EQ(f.summary, "v2 at /sys/fs/cgroup: memory pids cpu cpuset");
}

TEST_F(DoctorTest, ReportsMissingPidsControllerOnV2) {
  write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory\n");
  const Finding f = check("cgroups");
  EXPECT_EQ(f.outcome, Outcome::missing);
  EXPECT_THAT(f.summary, HasSubstr("no pids controller"));
  EXPECT_THAT(f.fix, HasSubstr("kernel command line"));
}

TEST_F(DoctorTest, WarnsWithoutCpuset) {
  write("sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");
  const Finding f = check("cgroups");
  EXPECT_EQ(f.outcome, Outcome::warn);
  EXPECT_THAT(f.summary, HasSubstr("no cpuset controller"));
}

TEST_F(DoctorTest, AcceptsHybridThroughV1Controllers) {
  write("proc/self/mounts",
        "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
        "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
        "cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0\n"
        "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
        "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n"
        "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n");
  write("proc/cgroups",
        "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
        "cpuset\t3\t1\t1\ncpu\t1\t1\t1\nmemory\t4\t20\t1\nhugetlb\t0\t1\t1\npids\t8\t1\t1\n");
  write("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
  const Finding f = check("cgroups");
  EXPECT_EQ(f.outcome, Outcome::ok) << f.summary;
  EXPECT_EQ(f.summary,
            "hybrid (v1 controllers; cgroup2 at /sys/fs/cgroup/unified): memory pids cpu cpuset");
}

TEST_F(DoctorTest, ReportsDisabledMemoryControllerOnV1) {
  write("proc/self/mounts",
        "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
        "cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0\n"
        "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n");
  write("proc/cgroups",
        "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
        "cpuset\t3\t1\t1\ncpu\t1\t1\t1\nmemory\t0\t1\t0\npids\t8\t1\t1\n");
  const Finding f = check("cgroups");
  EXPECT_EQ(f.outcome, Outcome::missing);
  EXPECT_THAT(f.summary, HasSubstr("v1: no memory controller"));
  EXPECT_THAT(f.fix, HasSubstr("mount -t cgroup -o memory cgroup /sys/fs/cgroup/memory"));
  EXPECT_THAT(f.fix, HasSubstr("cgroup_enable=memory"));
}

TEST_F(DoctorTest, ReportsNoCgroupFilesystem) {
  write("proc/self/mounts", "proc /proc proc rw 0 0\n");
  const Finding f = check("cgroups");
  EXPECT_EQ(f.outcome, Outcome::missing);
  EXPECT_EQ(f.fix, "mount -t cgroup2 none /sys/fs/cgroup");
}

// ---- overlayfs ------------------------------------------------------------------

TEST_F(DoctorTest, FindsOverlay) {
  EXPECT_EQ(check("overlayfs").outcome, Outcome::ok);
}

TEST_F(DoctorTest, ReportsMissingOverlay) {
  write("proc/filesystems", "nodev\tsysfs\nnodev\tproc\nnodev\toverlayfs_not\n\text4\n");
  const Finding f = check("overlayfs");
  EXPECT_EQ(f.outcome, Outcome::missing);
  EXPECT_EQ(f.summary, "overlay is not in " + host_.proc + "/filesystems");
  EXPECT_EQ(f.fix, "modprobe overlay");
}

// ---- capabilities ---------------------------------------------------------------

TEST_F(DoctorTest, AcceptsRootWithFullCapabilities) {
  const Finding f = check("capabilities");
  EXPECT_EQ(f.outcome, Outcome::ok);
  EXPECT_EQ(f.summary, "root; all 41 capabilities effective and in the bounding set");
}

TEST_F(DoctorTest, WarnsAboutCapabilityMissingFromBoundingSet) {
  // This machine's root: bit 24, CAP_SYS_RESOURCE, is not in the bounding set.
  set_status("0", "000001fffeffffff", "000001fffeffffff");
  const Finding f = check("capabilities");
  EXPECT_EQ(f.outcome, Outcome::warn);
  EXPECT_THAT(f.summary, HasSubstr("lacks CAP_SYS_RESOURCE"));
  EXPECT_THAT(f.summary, HasSubstr("--privileged will grant only what the daemon holds"));
}

TEST_F(DoctorTest, OnlyCountsCapabilitiesTheKernelKnows) {
  // A 5.4 kernel ends at CAP_AUDIT_READ (37); bits 38-40 are not missing.
  write("proc/sys/kernel/cap_last_cap", "37\n");
  set_status("0", "0000003fffffffff", "0000003fffffffff");
  EXPECT_EQ(check("capabilities").summary,
            "root; all 38 capabilities effective and in the bounding set");
}

TEST_F(DoctorTest, ReportsMissingEffectiveSysAdmin) {
  set_status("0", "000001ffffdfffff", "000001ffffffffff");  // bit 21 cleared
  const Finding f = check("capabilities");
  EXPECT_EQ(f.outcome, Outcome::missing);
  EXPECT_THAT(f.summary, HasSubstr("effective set lacks CAP_SYS_ADMIN"));
}

TEST_F(DoctorTest, ReportsNonRootUser) {
  set_status("1000", "0000000000000000", "000001ffffffffff");
  const Finding f = check("capabilities");
  EXPECT_EQ(f.outcome, Outcome::missing);
  EXPECT_THAT(f.summary, HasSubstr("uid 1000"));
  EXPECT_EQ(f.fix, "run as root (sudo)");
}

TEST_F(DoctorTest, ReportsUnparsableStatus) {
  write("proc/self/status", "Uid:\t0\t0\t0\t0\nCapEff:\tzz\n");
  EXPECT_EQ(check("capabilities").outcome, Outcome::missing);
}

// ---- firewall and ip_forward ------------------------------------------------------

TEST_F(DoctorTest, FindsIptablesOrNft) {
  EXPECT_EQ(check("firewall").summary, "iptables, nft found");
  programs_ = {"nft"};
  EXPECT_EQ(check("firewall").outcome, Outcome::ok);
}

TEST_F(DoctorTest, WarnsWithoutFirewallTool) {
  programs_.clear();
  const Finding f = check("firewall");
  EXPECT_EQ(f.outcome, Outcome::warn);
  EXPECT_EQ(f.fix, "apt-get install iptables");
  std::string output;
  EXPECT_EQ(run_all(output), 0) << output;  // warn only: the host can still run
}

TEST_F(DoctorTest, AcceptsIpForwardOn) {
  EXPECT_EQ(check("ip_forward").outcome, Outcome::ok);
}

TEST_F(DoctorTest, WarnsWhenIpForwardIsOff) {
  write("proc/sys/net/ipv4/ip_forward", "0\n");
  const Finding f = check("ip_forward");
  EXPECT_EQ(f.outcome, Outcome::warn);
  EXPECT_EQ(f.summary,
            "net.ipv4.ip_forward is 0; containers will not reach the network (chapter 06)");
  EXPECT_EQ(f.fix, "sysctl -w net.ipv4.ip_forward=1");
  remove("proc/sys/net/ipv4/ip_forward");
  EXPECT_EQ(check("ip_forward").outcome, Outcome::warn);
}

// ---- the exit code ------------------------------------------------------------------

TEST_F(DoctorTest, MissingRequiredCheckExitsOne) {
  remove("proc/filesystems");
  std::string output;
  EXPECT_EQ(run_all(output), 1);
  EXPECT_THAT(output, HasSubstr("doctor: 7 ok, 0 warnings, 1 missing\n"));
}

TEST_F(DoctorTest, WarningsOnlyExitZero) {
  write("proc/sys/net/ipv4/ip_forward", "0\n");
  set_status("0", "000001fffeffffff", "000001fffeffffff");
  std::string output;
  EXPECT_EQ(run_all(output), 0);
  EXPECT_THAT(output, HasSubstr("doctor: 6 ok, 2 warnings, 0 missing\n"));
}

}  // namespace
}  // namespace gorae::doctor
