// gorae's own CLI (final/gorae) against goraed-ch02: run, run -d, -i, -t,
// ps, logs, inspect, stop, rm, create, start -a, wait, with the output and
// exit codes the docker CLI gives (docker_cli_priv_test.cpp checks the same
// daemon with the real docker CLI).
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "api_fixture.hpp"

namespace gorae::testing {
namespace {

std::string shell_quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string trimmed(std::string text) {
  text.erase(text.find_last_not_of(" \r\n") + 1);
  return text;
}

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout alone
  std::string err;
};

class CliTest : public DaemonFixture {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (the daemon chroots and setuids)";
    DaemonFixture::SetUp();
    if (HasFatalFailure()) return;
    gorae_ = std::string("timeout -s KILL 60 ") + GORAE_CLI_PATH + " -H " + shell_quoted(host_);
    for (const auto& entry : json_of(call("GET", "/containers/json?all=1")))
      before_.insert(entry["Id"].get<std::string>());
    ready_ = true;
  }
  void TearDown() override {
    if (ready_)
      for (const auto& entry : json_of(call("GET", "/containers/json?all=1")))
        if (!before_.count(entry["Id"].get<std::string>()))
          call("DELETE", "/containers/" + entry["Id"].get<std::string>() + "?force=1");
    DaemonFixture::TearDown();
  }

  /// `gorae ARGS` (shell text), stdin from /dev/null or `input`.
  CliResult gorae(const std::string& args, const std::optional<std::string>& input = {}) {
    std::string err_file = scratch_.file("stderr");
    std::string command = input ? "printf %s " + shell_quoted(*input) + " | " : "";
    command += gorae_ + " " + args + (input ? "" : " </dev/null") + " 2>" + shell_quoted(err_file);
    auto result = run_command("{ " + command + "; }");
    std::ifstream file(err_file);
    std::stringstream err;
    err << file.rdbuf();
    return {result.exit_code, result.output, err.str()};
  }
  std::string gorae_ok(const std::string& args) {
    auto result = gorae(args);
    EXPECT_EQ(result.exit_code, 0) << "gorae " << args << "\n" << result.out << result.err;
    return trimmed(result.out);
  }
  /// A shell script run by util-linux script(1) on a fresh pty; `$GORAE` in
  /// it is the CLI with -H. Returns the pty's output.
  CommandResult under_script(const std::string& script_text) {
    // Word-split by the script's shell: the socket path has no spaces.
    // --foreground: in a process group of its own (timeout's default), gorae
    // reading the terminal would be stopped by SIGTTIN and miss SIGWINCH.
    std::string cli =
        std::string("timeout --foreground -s KILL 60 ") + GORAE_CLI_PATH + " -H " + host_;
    std::string text = "GORAE=" + shell_quoted(cli) + "; " + script_text;
    return run_command("script -qec " + shell_quoted(text) + " /dev/null </dev/null");
  }

  std::string gorae_;
  TempDir scratch_;

 private:
  bool ready_ = false;
  std::set<std::string> before_;
};

bool has_script() { return ::access("/usr/bin/script", X_OK) == 0; }

TEST_F(CliTest, RunHelloWorldPrintsTheGreeting) {
  auto result = gorae("run hello-world");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("Hello from gorae!"), std::string::npos) << result.out;
  EXPECT_EQ(result.err, "");
}

TEST_F(CliTest, RunExitsWithTheContainersStatusAndSplitsTheStreams) {
  // -c belongs to sh, not to gorae: options end at the image.
  auto result = gorae("run busybox sh -c 'echo out; echo err >&2; exit 7'");
  EXPECT_EQ(result.exit_code, 7) << result.err;
  EXPECT_EQ(result.out, "out\n");  // stdcopy frames demultiplexed, not raw
  EXPECT_EQ(result.err, "err\n");
}

TEST_F(CliTest, RunInteractiveFeedsStdinAndRemovesTheContainer) {
  auto result = gorae("run -i --rm busybox cat", "hi\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "hi\n");
  EXPECT_EQ(gorae_ok("ps -aq"), "") << "--rm left a container";
  EXPECT_EQ(gorae_ok("ps -a"),
            "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES");
}

TEST_F(CliTest, DetachedContainerLifecycle) {
  std::string id = gorae_ok("run -d --name sleeper busybox sh -c 'echo started; exec sleep 30'");
  ASSERT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{64}"))) << id;

  std::string listed = gorae_ok("ps");
  std::regex up_row(id.substr(0, 12) +
                    R"(   busybox   "sh -c 'echo started…"   \S.* ago   Up .*   sleeper)");
  EXPECT_TRUE(std::regex_search(listed, up_row)) << listed;

  std::string logs;
  for (int i = 0; i < 100 && (logs = gorae_ok("logs sleeper")) != "started"; ++i) ::usleep(50000);
  EXPECT_EQ(logs, "started");

  auto inspected = nlohmann::json::parse(gorae_ok("inspect sleeper"), nullptr, false);
  ASSERT_TRUE(inspected.is_array() && inspected.size() == 1) << inspected;
  EXPECT_EQ(inspected[0].value("Id", ""), id);
  EXPECT_EQ(gorae_ok("inspect sleeper").rfind("[\n    {\n        \"", 0), 0u) << "4-space indent";

  EXPECT_EQ(gorae_ok("stop -t 1 sleeper"), "sleeper");
  std::string all = gorae_ok("ps -a");
  EXPECT_TRUE(std::regex_search(all, std::regex(R"(Exited \((143|137)\) .* ago +sleeper)"))) << all;
  EXPECT_EQ(gorae_ok("ps -q"), "") << "nothing runs any more";

  EXPECT_EQ(gorae_ok("rm sleeper"), "sleeper");
  EXPECT_EQ(gorae_ok("ps -aq"), "");
  auto gone = gorae("rm sleeper");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, "Error response from daemon: No such container: sleeper\n");
}

TEST_F(CliTest, CreateThenStartAttachedAndWait) {
  std::string id = gorae_ok("create --name job busybox sh -c 'echo out; echo err >&2; exit 3'");
  ASSERT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{64}"))) << id;
  auto started = gorae("start -a job");
  EXPECT_EQ(started.exit_code, 3);
  EXPECT_EQ(started.out, "out\n");
  EXPECT_EQ(started.err, "err\n");
  EXPECT_EQ(gorae_ok("wait job"), "3");

  EXPECT_EQ(gorae_ok("start job"), "job");  // without -a: the name, at once
  EXPECT_EQ(gorae_ok("wait job"), "3");
  EXPECT_EQ(gorae_ok("logs job"), "out\nout");
}

TEST_F(CliTest, WaitPrintsEachStatusAndFailsOnMissingContainers) {
  std::string id = gorae_ok("run -d busybox sh -c 'sleep 0.5; exit 5'");
  EXPECT_EQ(gorae_ok("wait " + id.substr(0, 12)), "5");
  auto mixed = gorae("wait nosuch " + id);
  EXPECT_EQ(mixed.exit_code, 1);
  EXPECT_EQ(mixed.out, "5\n");
  EXPECT_EQ(mixed.err, "Error response from daemon: No such container: nosuch\n");
}

TEST_F(CliTest, RunOfAMissingCommandExits127) {
  auto result = gorae("run busybox nosuchcmd");
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_EQ(result.err,
            "gorae: Error response from daemon: exec: \"nosuchcmd\": executable file not found "
            "in $PATH\n\nRun 'gorae run --help' for more information\n");

  // Detached, the ID comes first, as docker prints it before starting.
  auto detached = gorae("run -d busybox nosuchcmd");
  EXPECT_EQ(detached.exit_code, 127);
  EXPECT_TRUE(std::regex_match(detached.out, std::regex("[0-9a-f]{64}\n"))) << detached.out;

  // With --rm, nothing is left behind (and nothing hangs on wait?condition=removed).
  std::string before = gorae_ok("ps -aq");
  auto removed = gorae("run --rm busybox nosuchcmd");
  EXPECT_EQ(removed.exit_code, 127) << removed.err;
  EXPECT_EQ(gorae_ok("ps -aq"), before);
}

TEST_F(CliTest, RunOfAMissingImageExits125) {
  auto result = gorae("run nosuchimage");
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_EQ(result.err.rfind("Unable to find image 'nosuchimage:latest' locally\n"
                             "gorae: Error response from daemon: ",
                             0),
            0u)
      << result.err;
  EXPECT_EQ(gorae_ok("ps -aq"), "");
}

TEST_F(CliTest, RunForwardsSignalsWithoutATty) {
  std::string out = scratch_.file("out");
  auto result = run_command(
      // timeout passes the TERM on to gorae, and ends the test if it is lost.
      "timeout -s KILL 20 " + std::string(GORAE_CLI_PATH) + " -H " + shell_quoted(host_) +
      " run busybox sh -c 'trap \"echo got-term; exit 9\" TERM; echo ready; "
               "while :; do sleep 0.1; done' >" + out + " </dev/null & pid=$!; "
      "for i in $(seq 100); do grep -q ready " + out + " && break; sleep 0.1; done; "
      "kill -TERM $pid; wait $pid; echo rc=$?; cat " + out);
  EXPECT_NE(result.output.find("rc=9\nready\ngot-term\n"), std::string::npos) << result.output;
}

TEST_F(CliTest, RunTtyGivesTheContainerATerminalOfOurSize) {
  if (!has_script()) GTEST_SKIP() << "script(1) missing: apt-get install bsdutils";
  // Not the pty's name via tty(1): chapter 02's rootfs has no /dev/pts.
  auto result = under_script(
      "stty rows 30 cols 100; $GORAE run -t --rm busybox sh -c "
      "'test -t 0 && test -t 1 && stty size'");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("30 100\r"), std::string::npos) << result.output;
}

TEST_F(CliTest, RunTtyFollowsTheTerminalSize) {
  if (!has_script()) GTEST_SKIP() << "script(1) missing: apt-get install bsdutils";
  auto result = under_script(
      "stty rows 30 cols 100; $GORAE run -t --rm busybox sh -c 'sleep 2; stty size' & "
      "sleep 1; stty rows 40 cols 120; wait $!");  // the kernel sends SIGWINCH
  EXPECT_NE(result.output.find("40 120\r"), std::string::npos) << result.output;
}

TEST_F(CliTest, RunInteractiveTtyMakesTheTerminalRawAndRestoresIt) {
  if (!has_script()) GTEST_SKIP() << "script(1) missing: apt-get install bsdutils";
  auto result = under_script("$GORAE run -it --rm busybox echo x; echo rc=$?; stty -a");
  // Raw: the container's pty wrote x\r\n and our terminal added no \r.
  // (script(1) may type a NUL at its EOF, echoed as ^@ once we restored.)
  EXPECT_EQ(result.output.rfind("x\r\n", 0), 0u) << result.output;
  EXPECT_NE(result.output.find("rc=0"), std::string::npos) << result.output;
  // Restored: canonical mode and echo are back on.
  EXPECT_TRUE(std::regex_search(result.output, std::regex(R"((^|\s)icanon\s)"))) << result.output;
  EXPECT_TRUE(std::regex_search(result.output, std::regex(R"((^|\s)echo\s)"))) << result.output;
}

// An interactive shell on a terminal: script(1) gives gorae a pty and types
// our lines into it; the shell's exit status becomes gorae's.
TEST_F(CliTest, RunInteractiveShellTypedIntoAPty) {
  if (!has_script()) GTEST_SKIP() << "script(1) missing: apt-get install bsdutils";
  std::string cli = std::string("timeout --foreground -s KILL 60 ") + GORAE_CLI_PATH + " -H " +
                    host_ + " run -it --rm busybox sh";
  // The sleep keeps script's stdin open until the shell has read the line.
  auto result = run_command("(sleep 1; printf 'echo typed-$((40+2)); exit 3\\n'; sleep 2) | "
                            "script -qec " + shell_quoted(cli) + " /dev/null");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_NE(result.output.find("typed-42"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace gorae::testing
