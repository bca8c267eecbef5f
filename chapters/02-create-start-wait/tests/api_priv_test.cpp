// The Engine API conversation of chapter 02, spoken over the socket as curl
// or the docker CLI would: statuses, JSON shapes, framing, wait and attach.
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "api_fixture.hpp"

namespace gorae::testing {
namespace {

using nlohmann::json;

class ApiTest : public DaemonFixture {};

// The stdout frame of a short log line: header (stream 1, big-endian
// length) and the line itself.
std::string stdout_frame(const std::string& line) {
  std::string frame("\x01\0\0\0\0\0\0", 8);
  frame[7] = static_cast<char>(line.size());
  return frame + line;
}

std::size_t open_fds(pid_t pid) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++count;
  return count;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// Polls `done` for up to `timeout`; true as soon as it holds.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The source article's conversation: create with Tty, start and wait by a
// six-character prefix, read the raw log.
TEST_F(ApiTest, SeedConversation) {
  auto created = call("POST", "/containers/create", R"({"Image":"hello-world","Tty":true})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto body = json_of(created);
  std::string id = body.value("Id", "");
  ASSERT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{64}"))) << id;
  EXPECT_EQ(body["Warnings"], json::array());
  std::string prefix = id.substr(0, 6);
  EXPECT_EQ(call("POST", "/containers/" + prefix + "/start").status, 204);
  auto waited = call("POST", "/containers/" + prefix + "/wait");
  EXPECT_EQ(waited.status, 200);
  EXPECT_EQ(json_of(waited)["StatusCode"], 0);
  auto logs = call("GET", "/containers/" + prefix + "/logs?stdout=1");
  EXPECT_EQ(logs.status, 200);
  EXPECT_NE(logs.body.find("Hello from"), std::string::npos) << logs.body;
  EXPECT_NE(logs.body.find("\r\n"), std::string::npos) << "a Tty log is raw pty output";
  call("DELETE", "/containers/" + id);
}

TEST_F(ApiTest, LogsAreFramedWithoutTty) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "echo out; echo err >&2"}}});
  EXPECT_EQ(run_to_exit(id), 0);
  auto logs = call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1").body;
  std::string out_frame = std::string("\x01\0\0\0\0\0\0\x04", 8) + "out\n";
  std::string err_frame = std::string("\x02\0\0\0\0\0\0\x04", 8) + "err\n";
  EXPECT_NE(logs.find(out_frame), std::string::npos);
  EXPECT_NE(logs.find(err_frame), std::string::npos);
  auto only_err = call("GET", "/containers/" + id + "/logs?stderr=1").body;
  EXPECT_EQ(only_err, err_frame);
  auto tail = call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1&tail=1").body;
  EXPECT_EQ(tail.size(), 12u);
  auto stamped = call("GET", "/containers/" + id + "/logs?stdout=1&timestamps=1").body;
  EXPECT_TRUE(std::regex_search(stamped, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z out)")))
      << stamped;
  EXPECT_EQ(call("GET", "/containers/" + id + "/logs").status, 400);
}

TEST_F(ApiTest, ExitCodesAndInspect) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "exit 7"}}}, "?name=seven");
  EXPECT_EQ(run_to_exit(id), 7);
  auto inspect = json_of(call("GET", "/containers/seven/json"));
  EXPECT_EQ(inspect["Id"], id);
  EXPECT_EQ(inspect["Name"], "/seven");
  EXPECT_EQ(inspect["State"]["Status"], "exited");
  EXPECT_EQ(inspect["State"]["ExitCode"], 7);
  EXPECT_EQ(inspect["State"]["Running"], false);
  EXPECT_EQ(inspect["Path"], "sh");
  EXPECT_EQ(inspect["Args"], json({"-c", "exit 7"}));
  EXPECT_EQ(inspect["Config"]["Image"], "busybox");
  EXPECT_EQ(inspect["HostConfig"]["LogConfig"]["Type"], "json-file");
  // The leading '/' form. gorae answers it at once; dockerd's router cleans
  // "//seven" and answers 301 to the clean path, which Go's client follows.
  auto slashed = call("GET", "/containers/%2Fseven/json");
  if (!against_gorae() && slashed.status == 301) {
    std::string location;
    for (const auto& [name, value] : slashed.headers)
      if (strcasecmp(name.c_str(), "Location") == 0) location = value;
    EXPECT_EQ(location, "/v1.41/containers/seven/json");
    slashed = call("GET", "/containers/seven/json");
  }
  EXPECT_EQ(slashed.status, 200);
  EXPECT_EQ(json_of(slashed)["Id"], id);
}

TEST_F(ApiTest, StartAndStopThatChangeNothingAre304) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"sleep", "30"}}});
  EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 304);
  EXPECT_EQ(call("POST", "/containers/" + id + "/stop?t=1").status, 204);
  EXPECT_EQ(call("POST", "/containers/" + id + "/stop").status, 304);
  auto inspect = json_of(call("GET", "/containers/" + id + "/json"));
  EXPECT_EQ(inspect["State"]["Status"], "exited");
  int code = inspect["State"]["ExitCode"];
  EXPECT_TRUE(code == 143 || code == 137) << code;
}

TEST_F(ApiTest, ErrorsSpeakDockersLanguage) {
  auto missing = call("POST", "/containers/nosuch/start");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json_of(missing)["message"], "No such container: nosuch");
  auto no_image = call("POST", "/containers/create", R"({"Image":"nosuchimage"})");
  EXPECT_EQ(no_image.status, 404);
  EXPECT_EQ(json_of(no_image)["message"], "No such image: nosuchimage:latest");

  auto id = create({{"Image", "busybox"}, {"Cmd", {"sleep", "30"}}}, "?name=web2");
  auto clash = call("POST", "/containers/create?name=web2", R"({"Image":"busybox"})");
  EXPECT_EQ(clash.status, 409);
  EXPECT_NE(json_of(clash)["message"].get<std::string>().find(
                "The container name \"/web2\" is already in use by container \"" + id + "\""),
            std::string::npos);
  EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  auto busy = call("DELETE", "/containers/" + id);
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(json_of(busy)["message"],
            "You cannot remove a running container " + id +
                ". Stop the container before attempting removal or force remove");
  EXPECT_EQ(call("DELETE", "/containers/" + id + "?force=1").status, 204);
  EXPECT_EQ(call("GET", "/containers/" + id + "/json").status, 404);

  auto stopped = create({{"Image", "busybox"}, {"Cmd", {"true"}}});
  auto kill = call("POST", "/containers/" + stopped + "/kill");
  EXPECT_EQ(kill.status, 409);
  EXPECT_NE(json_of(kill)["message"].get<std::string>().find("is not running"), std::string::npos);
}

TEST_F(ApiTest, UnusableCreateBodiesAsDockerd) {
  auto empty = call("POST", "/containers/create", "{}");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(json_of(empty)["message"], "Config cannot be empty in order to create a container");
  auto no_image = call("POST", "/containers/create", R"({"Image":""})");
  EXPECT_EQ(no_image.status, 400);
  EXPECT_EQ(json_of(no_image)["message"], "No command specified");
  EXPECT_EQ(call("POST", "/containers/create", "{bad json").status, 500);
}

TEST_F(ApiTest, StartFailureKeepsTheContainerCreated) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"/nonexistent"}}});
  auto start = call("POST", "/containers/" + id + "/start");
  EXPECT_EQ(start.status, 400);
  EXPECT_NE(start.body.find("no such file or directory"), std::string::npos) << start.body;
  auto state = json_of(call("GET", "/containers/" + id + "/json"))["State"];
  EXPECT_EQ(state["Status"], "created");
  EXPECT_EQ(state["ExitCode"], 127);
}

// ... unless it is AutoRemove: dockerd removes it at once, and a waiter for
// condition=removed (docker run --rm) gets its answer instead of hanging.
TEST_F(ApiTest, AutoRemoveContainerWhoseStartFailsIsRemoved) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"/nonexistent"}},
                    {"HostConfig", {{"AutoRemove", true}}}});
  auto waiter = connect();
  ASSERT_TRUE(waiter.request_head("POST", "/v1.41/containers/" + id + "/wait?condition=removed"));
  auto start = call("POST", "/containers/" + id + "/start");
  EXPECT_EQ(start.status, 400);
  EXPECT_NE(start.body.find("no such file or directory"), std::string::npos) << start.body;
  auto inspect = call("GET", "/containers/" + id + "/json");
  EXPECT_EQ(inspect.status, 404) << "the failed AutoRemove container is still there";
  if (inspect.status != 404) return;  // reading the waiter would block for ever
  std::string body;
  while (auto piece = waiter.read_some()) {
    if (!*piece) break;
    body += **piece;
  }
  auto answer = json::parse(body, nullptr, false);
  EXPECT_TRUE(answer.is_object()) << body;
  if (answer.is_object()) {
    EXPECT_EQ(answer["StatusCode"], 127) << body;
  }
}

// Both docker CLIs wait for /wait's headers before they send /start.
TEST_F(ApiTest, WaitSendsItsHeadersAtOnce) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "exit 3"}}});
  auto waiter = connect();
  auto head = waiter.request_head("POST", "/v1.41/containers/" + id + "/wait?condition=next-exit");
  ASSERT_TRUE(head) << head.error().what();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  std::string body;
  while (auto piece = waiter.read_some()) {
    if (!*piece) break;
    body += **piece;
  }
  EXPECT_EQ(json::parse(body)["StatusCode"], 3);
  EXPECT_TRUE(json::parse(body)["Error"].is_null());
}

TEST_F(ApiTest, AutoRemoveAnswersConditionRemoved) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"true"}}, {"HostConfig", {{"AutoRemove", true}}}});
  auto waiter = connect();
  ASSERT_TRUE(waiter.request_head("POST", "/v1.41/containers/" + id + "/wait?condition=removed"));
  EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  std::string body;
  while (auto piece = waiter.read_some()) {
    if (!*piece) break;
    body += **piece;
  }
  EXPECT_EQ(json::parse(body)["StatusCode"], 0);
  EXPECT_EQ(call("GET", "/containers/" + id + "/json").status, 404);
}

// docker start -a: attach first (101), half-close (no stdin), start, read
// frames until the daemon closes the connection at the exit.
TEST_F(ApiTest, AttachBeforeStartStreamsTheRun) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "echo attached; echo e >&2"}}});
  auto client = connect();
  auto upgraded = client.upgrade("POST", "/v1.41/containers/" + id +
                                             "/attach?stream=1&stdout=1&stderr=1");
  ASSERT_TRUE(upgraded) << upgraded.error().what();
  EXPECT_EQ(upgraded->head.status, 101);
  ::shutdown(upgraded->connection.get(), SHUT_WR);
  EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  std::string output = upgraded->early_output;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(upgraded->connection.get(), buffer, sizeof buffer)) > 0) output.append(buffer, n);
  EXPECT_NE(output.find(std::string("\x01\0\0\0\0\0\0\x09", 8) + "attached\n"), std::string::npos);
  EXPECT_NE(output.find(std::string("\x02\0\0\0\0\0\0\x02", 8) + "e\n"), std::string::npos);
}

TEST_F(ApiTest, AttachedStdinReachesTheContainer) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"cat"}}, {"OpenStdin", true},
                    {"StdinOnce", true}, {"AttachStdin", true}});
  auto client = connect();
  auto upgraded = client.upgrade("POST", "/v1.41/containers/" + id +
                                             "/attach?stream=1&stdin=1&stdout=1&stderr=1");
  ASSERT_TRUE(upgraded);
  EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  ::write(upgraded->connection.get(), "typed\n", 6);
  ::shutdown(upgraded->connection.get(), SHUT_WR);  // stdin ends: cat ends
  std::string output = upgraded->early_output;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(upgraded->connection.get(), buffer, sizeof buffer)) > 0) output.append(buffer, n);
  EXPECT_NE(output.find("typed\n"), std::string::npos);
  EXPECT_EQ(json_of(call("POST", "/containers/" + id + "/wait"))["StatusCode"], 0);
}

TEST_F(ApiTest, ListAndFilters) {
  auto running = create({{"Image", "busybox"}, {"Cmd", {"sleep", "30"}},
                         {"Labels", {{"tier", "web"}}}}, "?name=listed-running");
  auto done = create({{"Image", "busybox"}, {"Cmd", {"true"}}}, "?name=listed-done");
  EXPECT_EQ(call("POST", "/containers/" + running + "/start").status, 204);
  EXPECT_EQ(run_to_exit(done), 0);
  auto names = [&](const std::string& query) {
    std::set<std::string> out;
    for (const auto& entry : json_of(call("GET", "/containers/json" + query)))
      out.insert(entry["Names"][0].get<std::string>());
    return out;
  };
  EXPECT_TRUE(names("").count("/listed-running"));
  EXPECT_FALSE(names("").count("/listed-done"));
  EXPECT_TRUE(names("?all=1").count("/listed-done"));
  EXPECT_EQ(names("?all=1&filters=%7B%22status%22%3A%5B%22exited%22%5D%2C%22name%22%3A%5B%22listed%22%5D%7D"),
            std::set<std::string>{"/listed-done"});
  EXPECT_EQ(names("?all=1&filters=%7B%22label%22%3A%7B%22tier%3Dweb%22%3Atrue%7D%7D"),
            std::set<std::string>{"/listed-running"});
  auto entry = json_of(call("GET", "/containers/json"))[0];
  for (const char* key : {"Id", "Names", "Image", "Command", "Created", "State", "Status", "Ports",
                          "Labels"})
    EXPECT_TRUE(entry.contains(key)) << key;
  EXPECT_EQ(call("GET", "/containers/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D").status, 400);
}

TEST_F(ApiTest, RenameAndRestart) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"sleep", "30"}}}, "?name=before");
  EXPECT_EQ(call("POST", "/containers/before/rename?name=after").status, 204);
  EXPECT_EQ(json_of(call("GET", "/containers/after/json"))["Id"], id);
  EXPECT_EQ(call("GET", "/containers/before/json").status, 404);
  EXPECT_EQ(call("POST", "/containers/after/start").status, 204);
  auto pid_before = json_of(call("GET", "/containers/after/json"))["State"]["Pid"].get<int>();
  EXPECT_EQ(call("POST", "/containers/after/restart?t=1").status, 204);
  auto state = json_of(call("GET", "/containers/after/json"))["State"];
  EXPECT_EQ(state["Running"], true);
  EXPECT_NE(state["Pid"].get<int>(), pid_before);
}

TEST_F(ApiTest, ImagesAreListed) {
  auto images = json_of(call("GET", "/images/json"));
  std::set<std::string> tags;
  for (const auto& image : images)
    for (const auto& tag : image["RepoTags"]) tags.insert(tag.get<std::string>());
  EXPECT_TRUE(tags.count("busybox:latest"));
  EXPECT_TRUE(tags.count("hello-world:latest"));
  EXPECT_TRUE(images[0]["Id"].get<std::string>().rfind("sha256:", 0) == 0);
}

// Fifty short containers through five clients at once: the store, the ID
// and name generators and the supervisors must not mix them up, and nothing
// of them may stay behind in the daemon: no child (running or zombie), no
// descriptor, no directory.
TEST_F(ApiTest, ManyContainersInParallel) {
  constexpr int kThreads = 5;
  constexpr int kPerThread = 10;
  std::size_t fds_before = against_gorae() ? open_fds(daemon_pid()) : 0;
  std::mutex ids_mutex;
  std::vector<std::string> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kPerThread; ++i) {
          std::string n = std::to_string(t * kPerThread + i);
          auto id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "echo $0", n}}});
          if (id.empty()) continue;
          {
            std::lock_guard lock(ids_mutex);
            ids.push_back(id);
          }
          EXPECT_EQ(run_to_exit(id), 0) << "container " << n;
          auto logs = call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1");
          EXPECT_EQ(logs.status, 200);
          EXPECT_EQ(logs.body, stdout_frame(n + "\n")) << "container " << n;
          EXPECT_EQ(call("DELETE", "/containers/" + id).status, 204) << "container " << n;
        }
      } catch (const std::exception& error) {
        ADD_FAILURE() << "client thread " << t << ": " << error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ids.size(), std::size_t{kThreads * kPerThread});
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "IDs repeat";
  for (const auto& entry : json_of(call("GET", "/containers/json?all=1")))
    EXPECT_EQ(std::count(ids.begin(), ids.end(), entry["Id"].get<std::string>()), 0)
        << "still listed: " << entry.dump();
  if (!against_gorae()) return;

  // A supervisor thread drops its pidfd and pipes just after /wait answers,
  // and the server closes a connection just after the client does: poll.
  pid_t daemon = daemon_pid();
  EXPECT_TRUE(eventually([&] { return children_of(daemon).empty(); }, std::chrono::seconds(5)))
      << "goraed-ch02 still has children:\n" << joined(children_of(daemon));
  // Slack of 2: the daemon may keep a descriptor it opens on first use and
  // then holds for its lifetime (the first container can be the first user
  // of, say, a random device or a directory handle). A leak per container
  // or per connection would show as 50 or more.
  std::size_t fds_after = 0;
  EXPECT_TRUE(eventually([&] { return (fds_after = open_fds(daemon)) <= fds_before + 2; },
                         std::chrono::seconds(5)))
      << "goraed-ch02 had " << fds_before << " descriptors open before and " << fds_after
      << " after";
  std::string containers = data_dir() + "/containers";
  std::vector<std::string> left;
  if (std::filesystem::exists(containers))
    for (const auto& entry : std::filesystem::directory_iterator(containers))
      left.push_back(entry.path().filename());
  EXPECT_TRUE(left.empty()) << containers << " still holds:\n" << joined(left);
}

// Chapter 02's containers die with their daemon. A daemon killed with
// SIGKILL (no clean-up at all) must come back with a store that says so:
// the running container is exited with an error and exit code 255, its
// process is gone, finished containers keep their logs, and new containers
// run.
TEST_F(ApiTest, DaemonKilledMidRunRestartsConsistent) {
  if (!against_gorae())
    GTEST_SKIP() << "gorae-only: it SIGKILLs and restarts the daemon under test, which it can "
                    "only do to the goraed-ch02 it started itself";
  auto finished = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "echo before the crash"}}});
  ASSERT_EQ(run_to_exit(finished), 0);
  auto sleeper = create({{"Image", "busybox"}, {"Cmd", {"sleep", "300"}}});
  ASSERT_EQ(call("POST", "/containers/" + sleeper + "/start").status, 204);
  auto before = json_of(call("GET", "/containers/" + sleeper + "/json"))["State"];
  ASSERT_EQ(before["Running"], true);
  pid_t pid = before["Pid"].get<pid_t>();
  ASSERT_GT(pid, 1);

  // The dead daemon's container process is orphaned. Reparented to PID 1 it
  // stays a zombie until init gets round to reaping it (this VM's init reaps
  // orphans only every couple of seconds), and kill(pid, 0) succeeds on a
  // zombie; as a child subreaper this test adopts it instead and reaps it.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  struct NoLongerSubreaper {
    ~NoLongerSubreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  } restore;
  ASSERT_NO_FATAL_FAILURE(kill_and_restart_daemon());

  auto state = json_of(call("GET", "/containers/" + sleeper + "/json"))["State"];
  EXPECT_EQ(state["Status"], "exited");
  EXPECT_EQ(state["Running"], false);
  EXPECT_EQ(state["ExitCode"], 255);
  EXPECT_EQ(state["Pid"], 0);
  EXPECT_TRUE(state["Error"].is_string() && !state["Error"].get<std::string>().empty())
      << state.dump();
  bool gone = eventually(
      [&] {
        ::waitpid(pid, nullptr, WNOHANG);  // reap it if we adopted it
        return ::kill(pid, 0) != 0 && errno == ESRCH;
      },
      std::chrono::seconds(2));
  EXPECT_TRUE(gone) << "the old container process " << pid << " is still there";
  if (!gone) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }

  EXPECT_EQ(json_of(call("POST", "/containers/" + sleeper + "/wait"))["StatusCode"], 255);
  auto logs = call("GET", "/containers/" + finished + "/logs?stdout=1&stderr=1");
  EXPECT_EQ(logs.status, 200);
  EXPECT_EQ(logs.body, stdout_frame("before the crash\n"));
  EXPECT_EQ(json_of(call("GET", "/containers/" + finished + "/json"))["State"]["ExitCode"], 0);

  auto fresh = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "echo after the crash"}}});
  EXPECT_EQ(run_to_exit(fresh), 0);
  EXPECT_EQ(call("GET", "/containers/" + fresh + "/logs?stdout=1").body,
            stdout_frame("after the crash\n"));
  // The crashed container's record is whole enough to run it again.
  EXPECT_EQ(call("POST", "/containers/" + sleeper + "/start").status, 204);
  EXPECT_EQ(json_of(call("GET", "/containers/" + sleeper + "/json"))["State"]["Running"], true);
}

}  // namespace
}  // namespace gorae::testing
