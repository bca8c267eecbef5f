// The Engine API conversation of chapter 02, spoken over the socket as curl
// or the docker CLI would: statuses, JSON shapes, framing, wait and attach.
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <thread>

#include "api_fixture.hpp"

namespace gorae::testing {
namespace {

using nlohmann::json;

class ApiTest : public DaemonFixture {};

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
  EXPECT_EQ(json_of(call("GET", "/containers/%2Fseven/json"))["Id"], id);  // leading '/' form
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

TEST_F(ApiTest, StartFailureKeepsTheContainerCreated) {
  auto id = create({{"Image", "busybox"}, {"Cmd", {"/nonexistent"}}});
  auto start = call("POST", "/containers/" + id + "/start");
  EXPECT_EQ(start.status, 400);
  EXPECT_NE(start.body.find("no such file or directory"), std::string::npos) << start.body;
  auto state = json_of(call("GET", "/containers/" + id + "/json"))["State"];
  EXPECT_EQ(state["Status"], "created");
  EXPECT_EQ(state["ExitCode"], 127);
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

}  // namespace
}  // namespace gorae::testing
