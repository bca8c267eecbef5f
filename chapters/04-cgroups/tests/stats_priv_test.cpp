// GET /stats and POST /update against goraed-ch04 on this machine's cgroups
// (root tier): the numbers must be the cgroup's and the host's own, an
// update must reach the kernel, and the docker CLI and gorae's own CLI must
// print and change them as they do with dockerd.

#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "gorae/cli/cgroup_commands.hpp"
#include "limits_fixture.hpp"
#include <CLI/CLI.hpp>

namespace gorae::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr std::int64_t kMiB = 1024 * 1024;

std::string first_line(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return line;
}

std::uint64_t proc_stat_ns() {
  std::istringstream fields(first_line("/proc/stat"));
  std::string label;
  fields >> label;
  std::uint64_t sum = 0, value = 0;
  for (int i = 0; i < 7 && fields >> value; ++i) sum += value;
  return sum * 10000000ULL;
}

class StatsTest : public LimitsFixture {
 protected:
  /// A running busybox `sleep 1000` with `host_config`.
  std::string sleeper(const json& host_config = json::object()) {
    std::string id = create({{"Image", "busybox"}, {"Cmd", {"sleep", "1000"}}, {"HostConfig", host_config}});
    if (!id.empty()) {
      EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
    }
    return id;
  }
  /// A file of the container's cgroup: `v1` under the controller's
  /// hierarchy, or `v2` in the unified one.
  std::string cgroup_file(const std::string& id, const std::string& controller,
                          const std::string& v1, const std::string& v2) const {
    if (TestCgroupParent::unified())
      return first_line("/sys/fs/cgroup" + parent_.name() + "/" + id + "/" + v2);
    return first_line("/sys/fs/cgroup/" + controller + parent_.name() + "/" + id + "/" + v1);
  }
  std::string memory_limit_file(const std::string& id) const {
    return cgroup_file(id, "memory", "memory.limit_in_bytes", "memory.max");
  }
  json stats(const std::string& ref, const std::string& query) {
    auto response = call("GET", "/containers/" + ref + "/stats?" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    return json_of(response);
  }
  http::ClientResponse update(const std::string& ref, const json& body) {
    return call("POST", "/containers/" + ref + "/update", body.dump());
  }
};

TEST_F(StatsTest, NumbersAreTheCgroupsAndTheHosts) {
  std::string id = sleeper({{"Memory", 64 * kMiB}});
  ASSERT_FALSE(id.empty());
  std::uint64_t host_before = proc_stat_ns();
  json doc = stats(id, "stream=0&one-shot=1");
  std::uint64_t host_after = proc_stat_ns();

  auto name = json_of(call("GET", "/containers/" + id + "/json"))["Name"];
  EXPECT_EQ(doc["name"], name);
  EXPECT_EQ(doc["id"], id);
  const json& memory = doc["memory_stats"];
  EXPECT_EQ(memory["limit"], 64 * kMiB);
  EXPECT_EQ(memory_limit_file(id), std::to_string(64 * kMiB));
  EXPECT_GT(memory["usage"].get<std::int64_t>(), 0);
  EXPECT_LE(memory["usage"].get<std::int64_t>(), 64 * kMiB);
  EXPECT_GE(doc["pids_stats"]["current"].get<int>(), 1);
  EXPECT_EQ(doc["pids_stats"]["current"].get<int>(),
            std::stoi(cgroup_file(id, "pids", "pids.current", "pids.current")));

  const json& cpu = doc["cpu_stats"];
  EXPECT_GT(cpu["cpu_usage"]["total_usage"].get<std::uint64_t>(), 0u);
  EXPECT_GE(cpu["system_cpu_usage"].get<std::uint64_t>(), host_before);
  EXPECT_LE(cpu["system_cpu_usage"].get<std::uint64_t>(), host_after);
  cpu_set_t set;
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(cpu["online_cpus"], CPU_COUNT(&set));
  // One-shot: one reading, nothing before it.
  EXPECT_EQ(doc["preread"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(doc["precpu_stats"]["cpu_usage"]["total_usage"], 0);
  EXPECT_FALSE(doc["precpu_stats"].contains("system_cpu_usage"));
}

TEST_F(StatsTest, WithoutOneShotTwoReadingsASecondApart) {
  std::string id = sleeper();
  ASSERT_FALSE(id.empty());
  auto start = Clock::now();
  json doc = stats(id.substr(0, 12), "stream=0");
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_NE(doc["preread"], "0001-01-01T00:00:00Z");
  EXPECT_LT(doc["preread"].get<std::string>(), doc["read"].get<std::string>());
  std::uint64_t before = doc["precpu_stats"]["system_cpu_usage"];
  std::uint64_t after = doc["cpu_stats"]["system_cpu_usage"];
  // A second of every CPU's time, give or take the scheduling of the reads.
  double cpus = doc["cpu_stats"]["online_cpus"];
  EXPECT_NEAR(static_cast<double>(after - before), cpus * 1e9, cpus * 0.3e9);
  EXPECT_GE(doc["cpu_stats"]["cpu_usage"]["total_usage"], doc["precpu_stats"]["cpu_usage"]["total_usage"]);
}

// The JSON lines of a streamed answer as they arrive, read straight from
// the socket (http::Client::read_some waits for 16 KiB of body).
class LineReader {
 public:
  explicit LineReader(const std::string& socket_path)
      : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socket_path.copy(address.sun_path, sizeof address.sun_path - 1);
    if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fd_.reset();
  }
  void send(const std::string& request) {
    ASSERT_EQ(::write(fd_.get(), request.data(), request.size()), static_cast<ssize_t>(request.size()));
  }
  /// The next line that starts with '{' (chunk sizes are on lines of their
  /// own), or "" after `timeout`.
  std::string next_json_line(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (true) {
      for (auto end = buffer_.find('\n'); end != std::string::npos; end = buffer_.find('\n')) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        if (line.rfind("{", 0) == 0) return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd ready{fd_.get(), POLLIN, 0};
      char piece[4096];
      if (left.count() <= 0 || ::poll(&ready, 1, static_cast<int>(left.count())) <= 0) return "";
      ssize_t got = ::read(fd_.get(), piece, sizeof piece);
      if (got <= 0) return "";
      buffer_.append(piece, static_cast<std::size_t>(got));
    }
  }

 private:
  base::UniqueFd fd_;
  std::string buffer_;
};

TEST_F(StatsTest, StreamSendsALineASecondEachAfterTheLast) {
  std::string id = sleeper();
  ASSERT_FALSE(id.empty());
  LineReader stream(host_.substr(std::string("unix://").size()));
  auto start = Clock::now();
  stream.send("GET /v1.41/containers/" + id + "/stats HTTP/1.1\r\nHost: docker\r\n\r\n");
  std::string first = stream.next_json_line(std::chrono::seconds(5));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(900)) << "the first line waits for nothing";
  std::string second = stream.next_json_line(std::chrono::seconds(5));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(900));
  ASSERT_FALSE(first.empty() || second.empty());
  json a = json::parse(first), b = json::parse(second);
  EXPECT_EQ(a["preread"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(b["preread"], a["read"]);
  EXPECT_EQ(b["precpu_stats"], a["cpu_stats"]);
}

TEST_F(StatsTest, AContainerNotRunningGetsTheZeroDocumentAtOnce) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"true"}}});
  ASSERT_FALSE(id.empty());
  auto start = Clock::now();
  json doc = stats(id, "stream=0");
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(doc["read"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(doc["memory_stats"], json::object());
  EXPECT_EQ(doc["pids_stats"], json::object());
  EXPECT_EQ(doc["id"], id);
}

TEST_F(StatsTest, ErrorsAreDockerds) {
  auto missing = call("GET", "/containers/nosuch/stats?stream=0");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json_of(missing)["message"], "No such container: nosuch");
  std::string id = sleeper();
  auto both = call("GET", "/containers/" + id + "/stats?stream=1&one-shot=1");
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(json_of(both)["message"], "cannot have stream=true and one-shot=true");
}

TEST_F(StatsTest, UpdateRaisesTheMemoryLimitOfARunningContainer) {
  std::string id = sleeper({{"Memory", 64 * kMiB}});
  ASSERT_FALSE(id.empty());
  auto response = update(id, {{"Memory", 128 * kMiB}});
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json_of(response), json({{"Warnings", nullptr}}));
  EXPECT_EQ(memory_limit_file(id), std::to_string(128 * kMiB));
  EXPECT_EQ(stats(id, "stream=0&one-shot=1")["memory_stats"]["limit"], 128 * kMiB);
  auto host_config = json_of(call("GET", "/containers/" + id + "/json"))["HostConfig"];
  EXPECT_EQ(host_config["Memory"], 128 * kMiB);
  EXPECT_EQ(host_config["MemorySwap"], 128 * kMiB);  // dockerd's 2 × 64m, kept
}

TEST_F(StatsTest, UpdateSetsAndLiftsAPidsLimit) {
  std::string id = sleeper();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(update(id, {{"PidsLimit", 20}}).status, 200);
  EXPECT_EQ(cgroup_file(id, "pids", "pids.max", "pids.max"), "20");
  EXPECT_EQ(stats(id, "stream=0&one-shot=1")["pids_stats"]["limit"], 20);
  EXPECT_EQ(update(id, {{"PidsLimit", -1}}).status, 200);
  EXPECT_EQ(cgroup_file(id, "pids", "pids.max", "pids.max"), "max");
  EXPECT_EQ(json_of(call("GET", "/containers/" + id + "/json"))["HostConfig"]["PidsLimit"], 0);
}

TEST_F(StatsTest, AnUpdateOfAStoppedContainerHoldsAtItsNextStart) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sleep", "1000"}},
                           {"HostConfig", {{"Memory", 64 * kMiB}}}});
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(update(id, {{"Memory", 96 * kMiB}}).status, 200);
  ASSERT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  EXPECT_EQ(memory_limit_file(id), std::to_string(96 * kMiB));
}

TEST_F(StatsTest, UpdateErrorsAreDockerds) {
  auto message = [&](const std::string& ref, const std::string& body, int status) {
    auto response = call("POST", "/containers/" + ref + "/update", body);
    EXPECT_EQ(response.status, status) << body << " → " << response.body;
    return json_of(response).value("message", "");
  };
  EXPECT_EQ(message("nosuch", R"({"Memory":134217728})", 404), "No such container: nosuch");
  EXPECT_EQ(message("nosuch", "", 500), "EOF");  // the body is read first
  std::string limited = sleeper({{"Memory", 64 * kMiB}});
  std::string free = sleeper();
  EXPECT_EQ(message(limited, R"({"Memory":1000})", 400), "Minimum memory limit allowed is 6MB");
  EXPECT_EQ(message(free, R"({"Memory":134217728})", 409),
            "Cannot update container " + free +
                ": Memory limit should be smaller than already set memoryswap limit, update the "
                "memoryswap at the same time");
  EXPECT_EQ(message(limited, R"({"Memory":"x"})", 500),
            "json: cannot unmarshal string into Go struct field UpdateConfig.Memory of type int64");
  // Nothing half-done: the refused update left the limit alone.
  EXPECT_EQ(memory_limit_file(limited), std::to_string(64 * kMiB));
}

TEST_F(StatsTest, GoraeStatsAndUpdatePrintWhatDockerPrints) {
  std::string id = sleeper({{"Memory", 64 * kMiB}});
  ASSERT_FALSE(id.empty());
  std::string name = json_of(call("GET", "/containers/" + id + "/json"))["Name"].get<std::string>().substr(1);
  auto gorae = [&](const std::string& line) {
    std::ostringstream out, err;
    cli::Context context(out, err);
    context.host_flag = host_;
    CLI::App app;
    cli::install_cgroup_commands(app, context);
    int code = 0;
    try {
      app.parse(line);
    } catch (const cli::Failure& failure) {
      code = failure.exit_code();
      err << failure.what();
    }
    return std::make_tuple(code, out.str(), err.str());
  };
  auto [code, out, err] = gorae("stats --no-stream " + name);
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(out.rfind("CONTAINER ID   NAME", 0), 0u) << out;
  EXPECT_NE(out.find(id.substr(0, 12) + "   " + name), std::string::npos) << out;
  EXPECT_NE(out.find(" / 64MiB "), std::string::npos) << out;
  EXPECT_NE(out.find("   1\n"), std::string::npos) << "PIDS:\n" << out;

  std::tie(code, out, err) = gorae("update -m 128m " + name);
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(out, name + "\n");
  EXPECT_EQ(memory_limit_file(id), std::to_string(128 * kMiB));

  std::tie(code, out, err) = gorae("update -m 128m nosuch " + name);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out, name + "\n");
  EXPECT_EQ(err, "Error response from daemon: No such container: nosuch");
  std::tie(code, out, err) = gorae("update " + name);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err, "you must provide one or more flags when using this command");
  std::tie(code, out, err) = gorae("update -m 12x " + name);
  EXPECT_EQ(code, 125);
  EXPECT_EQ(err.rfind("invalid argument \"12x\" for \"-m, --memory\" flag: invalid suffix: 'x'", 0), 0u)
      << err;
  std::tie(code, out, err) = gorae("stats --no-stream nosuch");
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err, "Error response from daemon: No such container: nosuch");
}

class DockerStatsTest : public DockerLimitsFixture {};

TEST_F(DockerStatsTest, StatsShowsTheLimitAndUpdateChangesIt) {
  docker_ok("run -d --name watched -m 64m busybox sleep 1000");
  std::string table = docker_ok("stats --no-stream watched");
  std::istringstream lines(table);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_EQ(header.rfind("CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %", 0), 0u) << table;
  EXPECT_NE(row.find("   watched   "), std::string::npos) << table;
  EXPECT_NE(row.find(" / 64MiB "), std::string::npos) << table;
  std::string pids = row.substr(row.find_last_of(' ') + 1);
  EXPECT_GE(std::stoi(pids), 1) << table;

  EXPECT_EQ(docker_ok("update -m 128m watched"), "watched");
  EXPECT_NE(docker_ok("stats --no-stream watched").find(" / 128MiB "), std::string::npos);
  auto refused = docker("update -m 128m --memory-swap 64m watched");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Error response from daemon: Minimum memoryswap limit should be larger "
                             "than memory limit"),
            std::string::npos)
      << refused.err;
}

}  // namespace
}  // namespace gorae::testing
