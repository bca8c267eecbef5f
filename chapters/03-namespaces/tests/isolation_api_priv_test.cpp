// What a busybox container sees, asked through the API of goraed-ch03 (root
// tier). Each test states one leak that chapter 02's chroot had and checks
// it is closed; each would fail if the namespace or mechanism were missing.

#include <sys/prctl.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <fstream>
#include <regex>
#include <sstream>

#include "gorae/engine/isolation.hpp"
#include "isolation_fixture.hpp"

namespace gorae::testing {
namespace {

using nlohmann::json;

class IsolationTest : public IsolationFixture {};

// Docker's 14 default capabilities as /proc/PID/status prints them.
constexpr const char* kDefaultCaps = "00000000a80425fb";

std::string status_field(const std::string& status, const std::string& field) {
  std::smatch match;
  std::regex line("(^|\n)" + field + ":\\s*(\\S+)");
  return std::regex_search(status, match, line) ? match[2].str() : "(missing)";
}

std::string own_status_field(const std::string& field) {
  std::ifstream file("/proc/self/status");
  std::stringstream text;
  text << file.rdbuf();
  return status_field(text.str(), field);
}

std::string host_hostname() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

TEST_F(IsolationTest, HostnameIsTheContainersOwn) {
  auto named = run({"hostname"}, json::object(), {{"Hostname", "box"}});
  EXPECT_EQ(named.out, "box\n");
  auto defaulted = run({"hostname"});
  EXPECT_TRUE(std::regex_match(defaulted.out, std::regex("[0-9a-f]{12}\n"))) << defaulted.out;
  EXPECT_NE(defaulted.out, host_hostname() + "\n");
  auto shared = run({"hostname"}, {{"UTSMode", "host"}});
  EXPECT_EQ(shared.out, host_hostname() + "\n") << "UTSMode host shares the host's name";
}

TEST_F(IsolationTest, ProcessesAreOnlyTheContainersAndTheFirstIsPid1) {
  auto result = run({"sh", "-c", "sleep 10 & ps -o pid,comm; echo self=$$"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("self=1\n"), std::string::npos) << result.out;
  std::istringstream lines(result.out);
  std::string line;
  int processes = 0;
  while (std::getline(lines, line))
    if (std::regex_match(line, std::regex(R"(\s*\d+\s+\S+)"))) ++processes;
  EXPECT_EQ(processes, 3) << "sh, sleep and ps only:\n" << result.out;
  auto host = run({"sh", "-c", "ps -o pid | wc -l"}, {{"PidMode", "host"}});
  EXPECT_GT(std::stoi(host.out), 10) << "PidMode host sees the host's processes";
}

TEST_F(IsolationTest, TheHostsFilesAreOutOfReach) {
  // The test's own executable exists on the host; a chroot could still reach
  // it through /proc/1/root, the host's init's root. After pivot_root and a
  // pid namespace, neither way leads out.
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  auto result = run({"sh", "-c", "test -e " + self + " && echo on-the-host; test -e /proc/1/root" + self +
                                     " && echo through-proc; echo done"});
  EXPECT_EQ(result.out, "done\n");
}

TEST_F(IsolationTest, OnlyLoopbackInTheNetworkNamespace) {
  auto result = run({"sh", "-c", "cut -d: -f1 /proc/net/dev | tail -n +3; ip link"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(^\s*lo\n1: lo: <LOOPBACK,UP,LOWER_UP>)")))
      << result.out;
  EXPECT_EQ(result.out.find("2: "), std::string::npos) << "a second interface:\n" << result.out;
}

TEST_F(IsolationTest, NamespacesDifferFromTheHosts) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sleep", "30"}}});
  ASSERT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  int pid = json_of(call("GET", "/containers/" + id + "/json"))["State"].value("Pid", 0);
  ASSERT_GT(pid, 0);
  for (const char* ns : {"pid", "mnt", "uts", "ipc", "net", "cgroup"}) {
    auto theirs = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + ns);
    auto ours = std::filesystem::read_symlink(std::string("/proc/self/ns/") + ns);
    EXPECT_NE(theirs, ours) << ns;
  }
  EXPECT_EQ(std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/user"),
            std::filesystem::read_symlink("/proc/self/ns/user"))
      << "user namespaces are not the default";
  call("POST", "/containers/" + id + "/kill");
}

TEST_F(IsolationTest, DockersDefaultCapabilities) {
  auto result = run({"grep", "Cap", "/proc/self/status"});
  EXPECT_EQ(status_field(result.out, "CapInh"), "0000000000000000");
  EXPECT_EQ(status_field(result.out, "CapPrm"), kDefaultCaps);
  EXPECT_EQ(status_field(result.out, "CapEff"), kDefaultCaps);
  EXPECT_EQ(status_field(result.out, "CapBnd"), kDefaultCaps);
  EXPECT_EQ(status_field(result.out, "CapAmb"), "0000000000000000");

  auto net_admin = run({"grep", "CapEff", "/proc/self/status"}, {{"CapAdd", {"NET_ADMIN"}}});
  EXPECT_EQ(status_field(net_admin.out, "CapEff"), "00000000a80435fb");
  auto dropped = run({"grep", "CapEff", "/proc/self/status"}, {{"CapDrop", {"ALL"}}, {"CapAdd", {"cap_chown"}}});
  EXPECT_EQ(status_field(dropped.out, "CapEff"), "0000000000000001");
}

TEST_F(IsolationTest, PrivilegedGetsEveryCapabilityTheDaemonHolds) {
  auto result = run({"grep", "Cap", "/proc/self/status"}, {{"Privileged", true}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The daemon runs with the test's bounding set; on these machines it lacks
  // CAP_SYS_RESOURCE, and "all" must mean what is there to give.
  EXPECT_EQ(status_field(result.out, "CapBnd"), own_status_field("CapBnd"));
  EXPECT_EQ(status_field(result.out, "CapEff"), own_status_field("CapBnd"));
  auto seccomp = run({"grep", "Seccomp:", "/proc/self/status"}, {{"Privileged", true}});
  EXPECT_EQ(status_field(seccomp.out, "Seccomp"), "0") << "privileged runs unconfined";
  auto sys = run({"sh", "-c", "grep ' /sys ' /proc/mounts"}, {{"Privileged", true}});
  EXPECT_NE(sys.out.find(" rw,"), std::string::npos) << sys.out;
}

TEST_F(IsolationTest, SeccompFiltersByDefaultAndNotWhenUnconfined) {
  auto filtered = run({"grep", "Seccomp:", "/proc/self/status"});
  EXPECT_EQ(status_field(filtered.out, "Seccomp"), "2");
  auto unconfined = run({"grep", "Seccomp:", "/proc/self/status"},
                        {{"SecurityOpt", {"seccomp=unconfined"}}});
  EXPECT_EQ(status_field(unconfined.out, "Seccomp"), "0");

  // Creating a user namespace needs no capability: only the filter stops it.
  auto denied = run({"unshare", "-U", "true"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(denied.err.find("Operation not permitted"), std::string::npos) << denied.err;
  auto allowed = run({"unshare", "-U", "true"}, {{"SecurityOpt", {"seccomp=unconfined"}}});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
}

TEST_F(IsolationTest, NoNewPrivilegesFromSecurityOpt) {
  auto result = run({"grep", "NoNewPrivs", "/proc/self/status"}, {{"SecurityOpt", {"no-new-privileges"}}});
  EXPECT_EQ(status_field(result.out, "NoNewPrivs"), "1");
  auto plain = run({"grep", "NoNewPrivs", "/proc/self/status"});
  EXPECT_EQ(status_field(plain.out, "NoNewPrivs"), "0");
}

TEST_F(IsolationTest, MountingIsRefused) {
  auto result = run({"mount", "-t", "tmpfs", "none", "/mnt"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("denied"), std::string::npos) << result.err;
}

TEST_F(IsolationTest, KernelFilesAreMaskedOrReadOnly) {
  // Which of Docker's masked paths exist depends on the kernel's config;
  // each one that exists on the host must be hidden in the container.
  std::string files, directories;
  for (const auto& path : engine::default_masked_paths()) {
    if (std::filesystem::is_regular_file(path)) files += " " + path;
    else if (std::filesystem::is_directory(path)) directories += " " + path;
  }
  ASSERT_NE(files, "") << "no masked file exists on this host";
  auto masked = run({"sh", "-c", "for f in" + files + "; do stat -c %t:%T $f; wc -c < $f; done; for d in" +
                                     directories + "; do ls -A $d | wc -l; done"});
  std::string expected;
  for (std::size_t at = files.find(' '); at != std::string::npos; at = files.find(' ', at + 1))
    expected += "1:3\n0\n";  // /dev/null lies over each file
  for (std::size_t at = directories.find(' '); at != std::string::npos; at = directories.find(' ', at + 1))
    expected += "0\n";  // an empty tmpfs over each directory
  EXPECT_EQ(masked.out, expected) << "files:" << files << "\ndirectories:" << directories << "\n" << masked.err;

  auto hostname = run({"sh", "-c", "echo nope > /proc/sys/kernel/hostname"});
  EXPECT_NE(hostname.exit_code, 0);
  EXPECT_NE(hostname.err.find("Read-only file system"), std::string::npos) << hostname.err;
  if (std::filesystem::exists("/proc/sysrq-trigger")) {
    auto sysrq = run({"sh", "-c", "echo h > /proc/sysrq-trigger"});
    EXPECT_NE(sysrq.exit_code, 0);
    EXPECT_NE(sysrq.err.find("Read-only file system"), std::string::npos) << sysrq.err;
  } else {
    std::cout << "[   NOTE   ] this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ=n): "
                 "its read-only check is skipped\n";
  }
  auto sys = run({"sh", "-c", "grep ' /sys ' /proc/mounts; mkdir /sys/kernel/gorae"});
  EXPECT_NE(sys.exit_code, 0);
  EXPECT_NE(sys.out.find(" ro,"), std::string::npos) << sys.out;
  EXPECT_NE(sys.err.find("Read-only file system"), std::string::npos) << sys.err;
}

TEST_F(IsolationTest, ReadOnlyRootfs) {
  auto result = run({"touch", "/file"}, {{"ReadonlyRootfs", true}});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("Read-only file system"), std::string::npos) << result.err;
  auto writable = run({"touch", "/file"});
  EXPECT_EQ(writable.exit_code, 0) << writable.err;
}

TEST_F(IsolationTest, DevHoldsTheUsualNodesAndATerminalIsTheContainersOwn) {
  auto dev = run({"ls", "/dev"});
  for (const char* name : {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts",
                           "shm", "mqueue", "fd", "stdin", "stdout", "stderr"})
    EXPECT_TRUE(std::regex_search(dev.out, std::regex(std::string("(^|\n)") + name + "\n")))
        << name << " missing in:\n" << dev.out;
  auto tty = run({"tty"}, json::object(), {{"Tty", true}});
  EXPECT_EQ(tty.exit_code, 0);
  EXPECT_NE(tty.out.find("/dev/pts/0"), std::string::npos) << tty.out;
}

TEST_F(IsolationTest, UlimitsApply) {
  auto result = run({"sh", "-c", "ulimit -n; ulimit -Hn"},
                    {{"Ulimits", {{{"Name", "nofile"}, {"Soft", 1024}, {"Hard", 2048}}}}});
  EXPECT_EQ(result.out, "1024\n2048\n");
}

TEST_F(IsolationTest, RequestsThatCannotBeHonouredAre400AtCreate) {
  struct Case {
    json host_config;
    std::string message;
  };
  std::vector<Case> cases = {
      {{{"CapAdd", {"NOT_A_CAP"}}}, "CAP_NOT_A_CAP"},
      {{{"SecurityOpt", {"seccomp={not json"}}}, "seccomp"},
      {{{"SecurityOpt", {"bogus"}}}, "bogus"},
      {{{"PidMode", "sideways"}}, "sideways"},
      {{{"Ulimits", {{{"Name", "nofile"}, {"Soft", 10}, {"Hard", 5}}}}}, "soft limit"},
  };
  for (const auto& c : cases) {
    auto response = call("POST", "/containers/create",
                         json{{"Image", "busybox"}, {"Cmd", {"true"}}, {"HostConfig", c.host_config}}.dump());
    EXPECT_EQ(response.status, 400) << c.host_config.dump() << " → " << response.body;
    EXPECT_NE(json_of(response).value("message", "").find(c.message), std::string::npos)
        << response.body;
  }
  auto listed = json_of(call("GET", "/containers/json?all=1"));
  EXPECT_EQ(listed.size(), 0u) << "a refused create left a container:\n" << listed.dump();
  EXPECT_FALSE(std::filesystem::exists(data_dir() + "/containers") &&
               !std::filesystem::is_empty(data_dir() + "/containers"))
      << "a refused create left a directory";
}

TEST_F(IsolationTest, AFailedStartSaysWhyAndLeavesNothingBehind) {
  auto [created, started] = start_failure(
      {{"Image", "busybox"}, {"Cmd", {"true"}}, {"WorkingDir", "/etc/passwd"}});
  EXPECT_EQ(started.status, 400) << started.body;
  EXPECT_NE(json_of(started).value("message", "").find("chdir to cwd (\"/etc/passwd\")"), std::string::npos)
      << started.body;
  auto [created2, unknown_user] = start_failure(
      {{"Image", "busybox"}, {"Cmd", {"true"}}, {"User", "nobody-here"}});
  EXPECT_EQ(created2.status, 400) << created2.body;
  EXPECT_NE(json_of(created2).value("message", "").find("unable to find user nobody-here"),
            std::string::npos)
      << created2.body;
  EXPECT_EQ(host_mounts_mentioning(data_dir()), "") << "mounts left on the host";
  EXPECT_EQ(children_of(daemon_pid()), std::vector<std::string>()) << "a process is left behind";
}

TEST_F(IsolationTest, NothingIsLeftOnTheHostAfterContainersRun) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(run({"true"}).exit_code, 0);
  EXPECT_EQ(host_mounts_mentioning(data_dir()), "");
  EXPECT_EQ(host_mounts_mentioning("/proc/self/fd"), "");
}

}  // namespace
}  // namespace gorae::testing
