// The Linux runtime on its own (root tier): bundles written here, from the
// spec the daemon would write, then changed to ask for what the API cannot:
// joining namespaces by path, a user namespace, broken specs.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "gorae/engine/isolation.hpp"
#include "gorae/runtime/linux_runtime.hpp"
#include "gorae/runtime/process_support.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::runtime {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kBusyboxRootfs = std::string(GORAE_BUNDLED_IMAGES) + "/busybox/latest/rootfs";

struct Output {
  int exit_code = -1;
  std::string out, err;
};

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
  return text;
}

class LinuxRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, mounts";
    if (!fs::is_directory(kBusyboxRootfs)) GTEST_SKIP() << "no busybox image at " << kBusyboxRootfs;
    rootfs_ = dir_.file("rootfs");
    fs::copy(kBusyboxRootfs, rootfs_, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  void TearDown() override {
    for (pid_t pid : running_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  /// The document goraed-ch03 writes for `busybox <args>` with no options.
  json daemon_spec(const std::vector<std::string>& args) {
    BundleSpec base;
    base.root_path = rootfs_;
    base.hostname = "runtime-test";
    base.process.args = args;
    base.process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    json spec = bundle_document(base);
    engine::Container container;
    container.host_config = "{}";
    for (const auto& contribute : engine::isolation_contributors())
      EXPECT_TRUE(contribute(container, spec).has_value());
    return spec;
  }

  std::string write(const json& spec, const std::string& name = "bundle") {
    std::string bundle = dir_.file(name);
    fs::create_directories(bundle);
    std::ofstream(bundle + "/config.json") << spec.dump(2);
    return bundle;
  }

  Result<Started> start(const json& spec, const std::string& name = "bundle") {
    return runtime_->start(name, write(spec, name), false);
  }

  Output run(const json& spec) {
    Output output;
    auto started = start(spec);
    EXPECT_TRUE(started.has_value()) << (started ? "" : started.error().what());
    if (!started) return output;
    output.out = read_all(started->stdio.stdout_fd.get());
    output.err = read_all(started->stdio.stderr_fd.get());
    auto status = runtime_->reap(started->pid);
    output.exit_code = status ? status->code : -1;
    return output;
  }

  /// Starts a container that sleeps, for others to join; killed in TearDown.
  pid_t sleeper() {
    auto started = start(daemon_spec({"sleep", "60"}), "sleeper");
    EXPECT_TRUE(started.has_value()) << (started ? "" : started.error().what());
    if (!started) return -1;
    running_.push_back(started->pid);
    return started->pid;
  }

  std::unique_ptr<Runtime> runtime_ = make_linux_runtime();
  testing::TempDir dir_;
  std::string rootfs_;
  std::vector<pid_t> running_;
};

TEST_F(LinuxRuntimeTest, RunsTheDaemonsSpec) {
  auto output = run(daemon_spec({"sh", "-c", "hostname; echo $$; ls /proc | grep -c '^[0-9]'"}));
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(output.out, "runtime-test\n1\n3\n") << "sh, ls and grep are all there is";
}

TEST_F(LinuxRuntimeTest, UnknownNamespaceTypeIsNamed) {
  json spec = daemon_spec({"true"});
  spec["linux"]["namespaces"].push_back({{"type", "pdi"}});
  auto started = start(spec);
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(std::string(started.error().what()).find("linux.namespaces[6].type: unknown namespace type \"pdi\""),
            std::string::npos)
      << started.error().what();
}

TEST_F(LinuxRuntimeTest, MissingRootfsIsNamed) {
  json spec = daemon_spec({"true"});
  spec["root"]["path"] = dir_.file("no-such-rootfs");
  auto started = start(spec);
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(std::string(started.error().what()).find("root.path"), std::string::npos)
      << started.error().what();
  EXPECT_NE(std::string(started.error().what()).find("no such file or directory"), std::string::npos)
      << started.error().what();
}

TEST_F(LinuxRuntimeTest, AFailingMountNamesTheMountAndLeavesNoChild) {
  json spec = daemon_spec({"true"});
  spec["mounts"].push_back({{"destination", "/mnt"}, {"type", "no-such-fs"}, {"source", "none"}});
  auto started = start(spec);
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(std::string(started.error().what()).find("error mounting \"none\" to rootfs at \"/mnt\""),
            std::string::npos)
      << started.error().what();
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child is left";
  EXPECT_EQ(errno, ECHILD);
}

// Docker's bind options: the "ro" and the propagation are for the new mount,
// not for the directory it covers (a remount through the old fd failed).
TEST_F(LinuxRuntimeTest, ReadOnlyBindsCannotBeWrittenAndWritableOnesCan) {
  fs::create_directories(dir_.file("host-ro"));
  fs::create_directories(dir_.file("host-rw"));
  std::ofstream(dir_.file("host-ro/seen")) << "from the host\n";
  json spec = daemon_spec({"sh", "-c", "cat /ro/seen; touch /ro/new 2>&1; touch /rw/new && echo wrote; "
                                       "grep -E ' /r[ow] ' /proc/mounts | cut -d' ' -f2,4 | cut -d, -f1"});
  spec["mounts"].push_back({{"destination", "/ro"}, {"type", "bind"}, {"source", dir_.file("host-ro")},
                            {"options", {"rbind", "ro", "rprivate"}}});
  spec["mounts"].push_back({{"destination", "/rw"}, {"type", "bind"}, {"source", dir_.file("host-rw")},
                            {"options", {"rbind", "rprivate"}}});
  auto output = run(spec);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(output.out, "from the host\ntouch: /ro/new: Read-only file system\nwrote\n/ro ro\n/rw rw\n");
  EXPECT_FALSE(fs::exists(dir_.file("host-ro/new")));
  EXPECT_TRUE(fs::exists(dir_.file("host-rw/new")));
}

TEST_F(LinuxRuntimeTest, AnInvalidSeccompProfileIsRefusedBeforeAnythingRuns) {
  json spec = daemon_spec({"true"});
  spec["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_SOMETIMES"}};
  auto started = start(spec);
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(std::string(started.error().what()).find("linux.seccomp"), std::string::npos)
      << started.error().what();
}

TEST_F(LinuxRuntimeTest, JoinsNamespacesByPath) {
  pid_t first = sleeper();
  ASSERT_GT(first, 0);
  json spec = daemon_spec({"sh", "-c", "hostname; ps -o comm | grep -c sleep"});
  spec.erase("hostname");  // the joined UTS namespace already has one
  std::string ns = "/proc/" + std::to_string(first) + "/ns/";
  for (auto& entry : spec["linux"]["namespaces"]) {
    std::string type = entry["type"];
    if (type == "uts") entry["path"] = ns + "uts";
    if (type == "pid") entry["path"] = ns + "pid";
  }
  auto output = run(spec);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(output.out, "runtime-test\n1\n") << "the sleeper's name and its sleep";
}

TEST_F(LinuxRuntimeTest, UserNamespaceWithMappings) {
  // The namespace's root is host uid 100000: it must be able to reach the rootfs.
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  json spec = daemon_spec({"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"});
  spec["linux"]["namespaces"].push_back({{"type", "user"}});
  spec["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  spec["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  auto output = run(spec);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_TRUE(std::regex_search(output.out, std::regex(R"(^\s*0\s+100000\s+65536\n\s*0\s+100000\s+65536\n0\n$)")))
      << output.out;
}

}  // namespace
}  // namespace gorae::runtime
