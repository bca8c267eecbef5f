// Limits that hold, on this machine's cgroups (root tier): each test runs a
// container that tries to take more than it was given, and would pass its
// check only if the limit were really applied.

#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "limits_fixture.hpp"

namespace gorae::testing {
namespace {

using nlohmann::json;

class LimitsTest : public LimitsFixture {};

constexpr std::int64_t kMiB = 1024 * 1024;

TEST_F(LimitsTest, MemoryLimitEndsInTheOomKiller) {
  // tail -c keeps the last N bytes in memory: 128 MiB against a 32 MiB limit.
  std::string id = create({{"Image", "busybox"},
                           {"Cmd", {"sh", "-c", "head -c 134217728 /dev/zero | tail -c 134217728 > /dev/null"}},
                           {"HostConfig", {{"Memory", 32 * kMiB}}}});
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(run_to_exit(id), 137);
  auto state = json_of(call("GET", "/containers/" + id + "/json"))["State"];
  EXPECT_EQ(state["OOMKilled"], true) << state.dump();
  EXPECT_EQ(state["ExitCode"], 137);
}

TEST_F(LimitsTest, WithoutALimitTheSameProgramRuns) {
  // The control for the test above: the program itself is fine.
  auto result = run({"sh", "-c", "head -c 134217728 /dev/zero | tail -c 134217728 > /dev/null; echo ok"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "ok\n");
}

TEST_F(LimitsTest, PidsLimitStopsAForkLoopButNotTheContainer) {
  // The inner shell gives up at its first failed fork; the container's own
  // shell (PID 1) goes on and exits normally. It counts its processes with a
  // glob: with every pid taken, even $(...) could not fork.
  auto result = run({"sh", "-c", "sh -c 'for i in $(seq 1 64); do sleep 2 & done'; "
                                 "set -- /proc/[0-9]*; echo running=$#; echo survived"},
                    {{"PidsLimit", 32}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("Resource temporarily unavailable"), std::string::npos)
      << "fork should fail with EAGAIN:\n" << result.err;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(result.out, match, std::regex("running=(\\d+)"))) << result.out;
  EXPECT_LE(std::stoi(match[1]), 32) << "more processes than pids.max allows";
  EXPECT_GT(std::stoi(match[1]), 16) << "the loop should have got close to the limit";
  EXPECT_NE(result.out.find("survived"), std::string::npos);
  EXPECT_EQ(leftover_cgroups(), std::vector<std::string>()) << "the cgroup outlived the container";
}

TEST_F(LimitsTest, HalfACpuIsHalfACpu) {
  // A busy loop for 3 s; the shell's cutime+cstime counts the CPU time its
  // waited-for children used, in clock ticks.
  auto result = run({"sh", "-c", "timeout 3 sh -c 'while :; do :; done'; cat /proc/$$/stat"},
                    {{"NanoCpus", 500000000}});
  std::istringstream fields(result.out.substr(result.out.rfind(')') + 2));
  std::vector<std::string> stat{std::istream_iterator<std::string>(fields), {}};
  ASSERT_GE(stat.size(), 15u) << result.out << result.err;
  double ticks = std::stod(stat[13]) + std::stod(stat[14]);  // cutime, cstime (fields 16, 17)
  double seconds = ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  EXPECT_LE(seconds, 0.6 * 3) << "CPU seconds used in 3 s of wall time";
  EXPECT_GE(seconds, 0.3 * 3) << "the loop barely ran: the measurement itself is off";
}

TEST_F(LimitsTest, TheLimitsAreInTheKernelsFiles) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sleep", "30"}},
                           {"HostConfig", {{"Memory", 64 * kMiB}, {"PidsLimit", 50}, {"CpuShares", 512},
                                           {"NanoCpus", 1500000000}}}});
  ASSERT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  auto read = [&](const std::string& controller, const std::string& file) {
    std::ifstream in("/sys/fs/cgroup/" + controller + parent_.name() + "/" + id + "/" + file);
    std::string value;
    std::getline(in, value);
    return value;
  };
  if (TestCgroupParent::unified()) {
    EXPECT_EQ(read("", "memory.max"), std::to_string(64 * kMiB));
    EXPECT_EQ(read("", "pids.max"), "50");
    EXPECT_EQ(read("", "cpu.max"), "150000 100000");
  } else {
    EXPECT_EQ(read("memory", "memory.limit_in_bytes"), std::to_string(64 * kMiB));
    EXPECT_EQ(read("memory", "memory.memsw.limit_in_bytes"), std::to_string(128 * kMiB));
    EXPECT_EQ(read("pids", "pids.max"), "50");
    EXPECT_EQ(read("cpu", "cpu.shares"), "512");
    EXPECT_EQ(read("cpu", "cpu.cfs_quota_us"), "150000");
    int pid = json_of(call("GET", "/containers/" + id + "/json"))["State"].value("Pid", 0);
    std::ifstream procs("/sys/fs/cgroup/memory" + parent_.name() + "/" + id + "/cgroup.procs");
    std::string first;
    std::getline(procs, first);
    EXPECT_EQ(first, std::to_string(pid)) << "the container's first process is in its cgroup";
  }
  call("POST", "/containers/" + id + "/kill");
}

TEST_F(LimitsTest, BadLimitsAre400WithDockersWords) {
  struct Case {
    json host_config;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{{"Memory", 1024}}, "Minimum memory limit allowed is 6MB"},
           {{{"Memory", 64 * kMiB}, {"MemorySwap", 32 * kMiB}}, "Minimum memoryswap limit should be larger"},
           {{{"NanoCpus", 1000000000}, {"CpuPeriod", 100000}}, "Nano CPUs and CPU Period cannot both be set"},
           {{{"NanoCpus", 1000000000000}}, "Range of CPUs is from 0.01 to"}}) {
    auto response = call("POST", "/containers/create",
                         json{{"Image", "busybox"}, {"HostConfig", c.host_config}}.dump());
    EXPECT_EQ(response.status, 400) << c.host_config.dump();
    EXPECT_NE(json_of(response).value("message", "").find(c.message), std::string::npos) << response.body;
  }
}

TEST_F(LimitsTest, FiftyContainersLeaveNoCgroupBehind) {
  for (int i = 0; i < 50; ++i) {
    auto result = run({"true"}, {{"Memory", 16 * kMiB}, {"PidsLimit", 10}});
    ASSERT_EQ(result.exit_code, 0) << "run " << i << ": " << result.err;
  }
  EXPECT_EQ(leftover_cgroups(), std::vector<std::string>());
}

class DockerLimitsTest : public DockerLimitsFixture {};

TEST_F(DockerLimitsTest, RunWithAMemoryLimitIsOomKilled) {
  auto result = docker("run --name hog -m 32m busybox sh -c "
                       "'head -c 134217728 /dev/zero | tail -c 134217728 > /dev/null'");
  EXPECT_EQ(result.exit_code, 137) << result.err;
  EXPECT_EQ(docker_ok("inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' hog"), "true 137");
  EXPECT_NE(docker_ok("ps -a --filter name=hog --format '{{.Status}}'").find("Exited (137)"), std::string::npos);
}

TEST_F(DockerLimitsTest, RunWithPidsAndCpuLimits) {
  auto result = docker("run --rm --pids-limit 10 --cpus 0.5 --cpu-shares 256 busybox sh -c "
                       "'sh -c \"for i in \\$(seq 1 20); do sleep 1 & done\" 2>/dev/null; set -- /proc/[0-9]*; echo $#'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_LE(std::stoi(result.out), 10) << result.out;
}

}  // namespace
}  // namespace gorae::testing
