// The real docker CLI against chapter 02: run, run -d, ps, logs, inspect,
// stop, rm, create, start -a, wait, run -i and run -t, with the exit codes
// and error text a Docker user knows. Skipped where no docker CLI is
// installed; run against dockerd by tests/differential/run-against-dockerd.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "docker_cli_fixture.hpp"

namespace gorae::testing {
namespace {

bool is_container_id(const std::string& text) {
  return std::regex_match(text, std::regex("[0-9a-f]{64}"));
}

// Polls `done` for up to `timeout`; true as soon as it holds.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

TEST_F(DockerCliTest, RunRmHelloWorld) {
  auto result = docker("run --rm hello-world");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("Hello from"), std::string::npos) << result.out;
  EXPECT_EQ(new_ids(), std::set<std::string>{}) << "--rm left a container";
}

TEST_F(DockerCliTest, DetachedContainerLifecycle) {
  std::string id = docker_ok("run -d busybox sh -c 'echo ready; sleep 30'");
  ASSERT_TRUE(is_container_id(id)) << id;

  std::string listed = docker_ok("ps");
  std::string row;
  std::istringstream rows(listed);
  for (std::string line; std::getline(rows, line);)
    if (line.rfind(id.substr(0, 12), 0) == 0) row = line;
  EXPECT_NE(row.find("busybox"), std::string::npos) << listed;
  EXPECT_NE(row.find(" Up "), std::string::npos) << listed;

  // The shell may not have echoed yet when run -d returns.
  std::string logs;
  EXPECT_TRUE(eventually([&] { return (logs = docker_ok("logs " + id)) == "ready"; },
                         std::chrono::seconds(5)))
      << logs;
  EXPECT_EQ(docker_ok("inspect -f '{{.State.Running}}' " + id), "true");

  EXPECT_EQ(docker_ok("stop -t 1 " + id), id);
  EXPECT_EQ(docker_ok("inspect -f '{{.State.Status}} {{.State.Running}}' " + id), "exited false");
  // sh as PID 1 of a pid namespace (Docker) ignores SIGTERM and is killed
  // after the 1 s: 137. Chapter 02 has no pid namespace yet, so sh dies of
  // the SIGTERM itself: 143.
  std::string code = docker_ok("inspect -f '{{.State.ExitCode}}' " + id);
  EXPECT_TRUE(code == "137" || code == "143") << code;
  EXPECT_EQ(docker_ok("logs " + id), "ready") << "the log outlives the process";

  EXPECT_EQ(docker_ok("rm " + id), id);
  EXPECT_EQ(all_ids().count(id), 0u);
  auto gone = docker("inspect " + id);
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("No such"), std::string::npos) << gone.err;
}

TEST_F(DockerCliTest, CreateThenStartAttachedAndWait) {
  std::string id = docker_ok("create busybox echo hi");
  ASSERT_TRUE(is_container_id(id)) << id;
  EXPECT_EQ(docker_ok("inspect -f '{{.State.Status}}' " + id), "created");
  auto started = docker("start -a " + id);
  EXPECT_EQ(started.exit_code, 0) << started.err;
  EXPECT_EQ(started.out, "hi\n");
  EXPECT_EQ(docker_ok("wait " + id), "0");

  std::string failing = docker_ok("create busybox sh -c 'exit 3'");
  EXPECT_EQ(docker_ok("start " + failing), failing);
  EXPECT_EQ(docker_ok("wait " + failing), "3");
}

TEST_F(DockerCliTest, RunPassesTheExitCodeThrough) {
  auto result = docker("run busybox sh -c 'echo out; echo err >&2; exit 7'");
  EXPECT_EQ(result.exit_code, 7) << result.err;
  EXPECT_EQ(result.out, "out\n");
  EXPECT_NE(result.err.find("err\n"), std::string::npos) << result.err;
}

TEST_F(DockerCliTest, PipedStdinReachesTheContainer) {
  auto result = docker("run -i --rm busybox cat", "piped\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "piped\n");
  EXPECT_EQ(new_ids(), std::set<std::string>{});
}

TEST_F(DockerCliTest, DuplicateNameIsAConflict) {
  EXPECT_EQ(docker("run --name dup busybox true").exit_code, 0);
  std::string first = docker_ok("inspect -f '{{.Id}}' dup");
  auto second = docker("run --name dup busybox true");
  EXPECT_EQ(second.exit_code, 125);
  EXPECT_NE(second.err.find("Conflict. The container name \"/dup\" is already in use by "
                            "container \"" + first + "\""),
            std::string::npos)
      << second.err;
  EXPECT_EQ(new_ids(), std::set<std::string>{first});
}

TEST_F(DockerCliTest, MissingExecutableExits127) {
  auto result = docker("run --name missing busybox /nonexistent");
  EXPECT_EQ(result.exit_code, 127);
  // dockerd wraps the same words in containerd's and runc's ("failed to
  // create shim task: OCI runtime create failed: ...: unknown").
  EXPECT_NE(result.err.find("exec: \"/nonexistent\": stat /nonexistent: no such file or directory"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(docker_ok("inspect -f '{{.State.Status}} {{.State.ExitCode}}' missing"),
            "created 127");
}

// Docker removes an AutoRemove container whose start failed. The CLI waits
// for condition=removed, so without that removal `docker run --rm` with a
// bad command never returns.
TEST_F(DockerCliTest, RunRmWhoseStartFailsRemovesTheContainer) {
  auto result = docker("run --rm busybox /nonexistent");
  EXPECT_EQ(result.exit_code, 127) << "137 means the CLI hung and was killed\n" << result.err;
  EXPECT_NE(result.err.find("exec: \"/nonexistent\": stat /nonexistent: no such file or directory"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(new_ids(), std::set<std::string>{}) << "the failed --rm container is still there";
}

// The daemon creates a missing working directory (runc alone would fail to
// chdir into it).
TEST_F(DockerCliTest, MissingWorkdirIsCreated) {
  auto result = docker("run --name workdir -w /made/by/the/daemon busybox pwd");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "/made/by/the/daemon\n");
}

TEST_F(DockerCliTest, ForceRemoveRunningContainer) {
  std::string id = docker_ok("run -d busybox sleep 30");
  ASSERT_TRUE(is_container_id(id)) << id;
  pid_t pid = std::stoi(docker_ok("inspect -f '{{.State.Pid}}' " + id));
  ASSERT_GT(pid, 1);
  auto refused = docker("rm " + id);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("cannot remove a running container"), std::string::npos)
      << refused.err;
  EXPECT_EQ(docker_ok("rm -f " + id), id);
  EXPECT_EQ(all_ids().count(id), 0u);
  EXPECT_TRUE(eventually([&] { return process_gone(pid); }, std::chrono::seconds(2)))
      << "the container's process " << pid << " survived rm -f";
}

// docker run -t inside a terminal (script(1) makes one, sized 33x77): the
// container's pty has the client's size.
TEST_F(DockerCliTest, TtyHasTheClientsSize) {
  if (::access("/usr/bin/script", X_OK) != 0)
    GTEST_SKIP() << "script(1) not installed (util-linux): no terminal to run docker -t in";
  // The first `stty size` shows the size the container started with; the
  // loop waits for the resize a client sends after start. docker 28 puts the
  // size in HostConfig.ConsoleSize at create, which dockerd honours only
  // from API 1.42 (20.10 speaks 1.41) and gorae always: against gorae the
  // very first answer must be right.
  std::string wrapper = config_.file("tty.sh");
  std::ofstream(wrapper) << "stty rows 33 cols 77\n"
                         << env_ << docker_
                         << " run -t --rm busybox sh -c 'echo \"first=$(stty size 2>&1)\"; "
                            "i=0; while [ $i -lt 50 ]; do s=$(stty size 2>/dev/null); "
                            "[ \"$s\" = \"33 77\" ] && break; sleep 0.1; i=$((i+1)); done; "
                            "echo \"final=$s\"'\n";
  auto result = run_command("script -qec 'sh " + wrapper + "' /dev/null </dev/null");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // Each line crosses two ptys, each turning "\n" into "\r\n": "\r\r\n".
  EXPECT_TRUE(std::regex_search(result.output, std::regex("final=33 77\r*\n"))) << result.output;
  if (against_gorae()) {
    EXPECT_TRUE(std::regex_search(result.output, std::regex("first=33 77\r*\n")))
        << result.output;
  }
  EXPECT_EQ(new_ids(), std::set<std::string>{});
}

}  // namespace
}  // namespace gorae::testing
