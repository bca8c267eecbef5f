// The cross-check: the config.json goraed-ch03 writes runs unchanged under
// runc (Debian's), and the container sees the same world under both. If our
// spec used a field wrongly, runc would refuse it or show something else.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "isolation_fixture.hpp"

namespace gorae::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string runc_path() {
  for (const char* path : {"/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc"})
    if (::access(path, X_OK) == 0) return path;
  return "";
}

// What the container reports about itself; nothing that differs from run to
// run (pids other than 1, the container ID) or between runtimes by design.
// One stream (2>&1 inside), so the order of the lines is the program's.
constexpr const char* kProbe =
    "exec 2>&1; hostname; echo pid=$$; "
    "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|Seccomp|NoNewPrivs):' /proc/self/status; "
    "cut -d: -f1 /proc/net/dev | tail -n +3; ls /dev; "
    "stat -c '%n %t:%T' /proc/kcore /proc/keys; "
    "grep -E ' /(proc/sys|proc/sysrq-trigger|sys|dev/pts|dev/shm|dev/mqueue) ' /proc/mounts | "
    "cut -d' ' -f2,3 | sort; "
    "unshare -U true; mount -t tmpfs none /mnt; touch /etc/probe && echo rootfs-writable";

class RuncCrossCheck : public IsolationFixture {};

TEST_F(RuncCrossCheck, TheSameBundleRunsTheSameUnderRunc) {
  std::string runc = runc_path();
  if (runc.empty()) GTEST_SKIP() << "runc is not installed (apt-get install runc): no cross-check";
  ASSERT_TRUE(against_gorae());

  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", kProbe}}, {"Hostname", "probe"}});
  ASSERT_FALSE(id.empty());
  // runc gets a copy of the bundle: its own state must not touch ours.
  TempDir runc_dir;
  std::string bundle = runc_dir.file("bundle");
  fs::create_directories(bundle);
  fs::copy_file(exec_dir() + "/containers/" + id + "/config.json", bundle + "/config.json");
  std::string name = "gorae-xcheck-" + std::to_string(std::random_device()());
  auto under_runc = run_command("cd " + bundle + " && " + runc + " --root " + runc_dir.file("state") +
                                " run --bundle " + bundle + " " + name + " </dev/null 2>&1");
  run_command(runc + " --root " + runc_dir.file("state") + " delete --force " + name + " 2>/dev/null");
  // The probe's touch wrote to the rootfs: undo it before gorae runs.
  fs::remove(data_dir() + "/containers/" + id + "/rootfs/etc/probe");

  EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  EXPECT_EQ(json_of(call("POST", "/containers/" + id + "/wait")).value("StatusCode", -1), 0);
  auto logs = call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1").body;
  RunResult gorae_run;
  demux(logs, gorae_run);
  const std::string& under_gorae = gorae_run.both;
  EXPECT_EQ(under_runc.output, under_gorae) << "runc exit " << under_runc.exit_code;
  EXPECT_NE(under_gorae.find("Seccomp:\t2"), std::string::npos) << under_gorae;
}

}  // namespace
}  // namespace gorae::testing
