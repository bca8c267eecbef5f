// The engine's state machine against a mocked runtime and image store: no
// fork, no root. A fake process is three pipes the test controls: stdout,
// stderr, and an "exit" pipe standing in for the pidfd.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "gorae/engine/engine.hpp"
#include "gorae/engine/store.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::engine {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::NiceMock;
using ::testing::Return;
using namespace std::chrono_literals;

class MockRuntime : public runtime::Runtime {
 public:
  MOCK_METHOD(Result<runtime::Started>, start, (const std::string&, const std::string&, bool),
              (override));
  MOCK_METHOD(gorae::Status, kill, (pid_t, int), (override));
  MOCK_METHOD(Result<runtime::ExitStatus>, reap, (pid_t), (override));
  MOCK_METHOD(gorae::Status, resize, (int, unsigned short, unsigned short), (override));
};

class FakeImages : public ImageStore {
 public:
  Result<Image> find(const std::string& reference) const override {
    if (reference != "busybox") return fail(Errc::not_found, "No such image: " + reference + ":latest");
    Image image;
    image.id = "sha256:" + std::string(64, 'a');
    image.repo_tags = {"busybox:latest"};
    image.config.cmd = {"sh"};
    image.config.volumes = volumes;
    return image;
  }
  std::vector<Image> list() const override { return {*find("busybox")}; }
  gorae::Status prepare_rootfs(const Image&, const std::string& dir) override {
    std::filesystem::create_directories(dir);
    for (const auto& [path, text] : files) {
      std::filesystem::create_directories(std::filesystem::path(dir + "/" + path).parent_path());
      std::ofstream(dir + "/" + path) << text;
    }
    return {};
  }
  gorae::Status release_rootfs(const std::string& dir) override {
    std::filesystem::remove_all(dir);
    return {};
  }
  std::map<std::string, std::string> files;  ///< what each rootfs starts with
  std::vector<std::string> volumes;          ///< the image config's Volumes
};

// One fake running process.
struct FakeProcess {
  int out[2], err[2], exit[2];
  pid_t pid;
  FakeProcess(pid_t p) : pid(p) {
    ::pipe2(out, O_CLOEXEC);
    ::pipe2(err, O_CLOEXEC);
    ::pipe2(exit, O_CLOEXEC);
  }
  runtime::Started started() {
    runtime::Started s;
    s.pid = pid;
    s.pidfd = base::UniqueFd(exit[0]);
    s.stdio.stdout_fd = base::UniqueFd(out[0]);
    s.stdio.stderr_fd = base::UniqueFd(err[0]);
    return s;
  }
  void print(const std::string& text) { ::write(out[1], text.data(), text.size()); }
  void end() {  // the process exits: its output closes, the "pidfd" fires
    ::close(out[1]);
    ::close(err[1]);
    ::write(exit[1], "x", 1);
    ::close(exit[1]);
  }
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { open_engine(); }

  void open_engine(std::vector<SpecContributor> contributors = {},
                   std::vector<RemoveObserver> observers = {}) {
    auto mock = std::make_unique<NiceMock<MockRuntime>>();
    runtime = mock.get();
    ON_CALL(*runtime, kill(_, _)).WillByDefault(Return(gorae::Status{}));
    auto fake_images = std::make_unique<FakeImages>();
    images = fake_images.get();
    auto opened = Engine::open({dir.file("data"), dir.file("exec")}, std::move(fake_images),
                               std::move(mock), std::move(contributors), std::move(observers));
    ASSERT_TRUE(opened) << opened.error().what();
    engine = std::move(*opened);
  }

  std::string create(const std::string& name = "") {
    ContainerConfig config;
    config.image = "busybox";
    auto id = engine->create(name, config, "{}");
    EXPECT_TRUE(id) << id.error().what();
    return id ? *id : "";
  }

  // The next start() runs `process`; reap() reports `code`.
  void expect_start(FakeProcess& process, int code) {
    EXPECT_CALL(*runtime, start(_, _, _)).WillOnce(Invoke([&process](auto&&...) {
      return Result<runtime::Started>(process.started());
    }));
    ON_CALL(*runtime, reap(process.pid)).WillByDefault(Return(runtime::ExitStatus{code, false}));
  }

  RunStatus status_of(const std::string& id) { return engine->inspect(id)->state.status; }

  // The bundle's config.json, as create wrote it for the runtime.
  nlohmann::json config_of(const std::string& id) {
    std::ifstream in(engine->inspect(id)->bundle_dir + "/config.json");
    return nlohmann::json::parse(in);
  }

  testing::TempDir dir;
  NiceMock<MockRuntime>* runtime = nullptr;
  FakeImages* images = nullptr;
  std::unique_ptr<Engine> engine;
};

TEST_F(EngineTest, StartingARunningContainerChangesNothing) {
  auto id = create();
  FakeProcess process(424242);
  expect_start(process, 0);
  EXPECT_EQ(*engine->start(id), Change::done);
  EXPECT_EQ(status_of(id), RunStatus::running);
  EXPECT_EQ(*engine->start(id), Change::unchanged);  // no second runtime start
  process.end();
  auto ticket = engine->begin_wait(id, WaitCondition::not_running);
  EXPECT_EQ(engine->wait(*ticket, {}), 0);
}

TEST_F(EngineTest, WaitConditions) {
  auto id = create();
  // not-running on a created container answers at once.
  EXPECT_EQ(engine->wait(*engine->begin_wait(id, WaitCondition::not_running), {}), 0);

  FakeProcess process(424243);
  expect_start(process, 3);
  auto next_exit = *engine->begin_wait(id, WaitCondition::next_exit);
  auto removed = *engine->begin_wait(id, WaitCondition::removed);
  ASSERT_TRUE(engine->start(id));
  auto exited = std::async(std::launch::async, [&] { return engine->wait(next_exit, {}); });
  EXPECT_EQ(exited.wait_for(100ms), std::future_status::timeout);  // still running
  process.end();
  EXPECT_EQ(exited.get(), 3);
  auto gone = std::async(std::launch::async, [&] { return engine->wait(removed, {}); });
  EXPECT_EQ(gone.wait_for(100ms), std::future_status::timeout);  // exited, not removed
  ASSERT_TRUE(engine->remove(id, false));
  EXPECT_EQ(gone.get(), 3);
}

TEST_F(EngineTest, AStoppedWaitReturnsNothing) {
  auto id = create();
  FakeProcess process(424244);
  expect_start(process, 0);
  ASSERT_TRUE(engine->start(id));
  std::stop_source stop;
  auto ticket = *engine->begin_wait(id, WaitCondition::not_running);
  auto waited = std::async(std::launch::async, [&] { return engine->wait(ticket, stop.get_token()); });
  stop.request_stop();  // the client hung up
  EXPECT_EQ(waited.get(), std::nullopt);
  process.end();
}

TEST_F(EngineTest, KillOfAnExitedContainerIsAConflict) {
  auto id = create();
  FakeProcess process(424245);
  expect_start(process, 0);
  ASSERT_TRUE(engine->start(id));
  process.end();
  engine->wait(*engine->begin_wait(id, WaitCondition::not_running), {});
  EXPECT_CALL(*runtime, kill(424245, SIGHUP)).Times(0);
  auto killed = engine->kill(id, "HUP");
  ASSERT_FALSE(killed);
  EXPECT_EQ(killed.error().kind(), Errc::conflict);
  EXPECT_NE(killed.error().what().find("is not running"), std::string::npos);
}

TEST_F(EngineTest, ForceRemoveKillsARunningContainer) {
  auto id = create("doomed");
  FakeProcess process(424246);
  expect_start(process, 137);
  ASSERT_TRUE(engine->start(id));
  auto refused = engine->remove(id, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), Errc::conflict);
  EXPECT_CALL(*runtime, kill(424246, SIGKILL))
      .WillOnce(Invoke([&](pid_t, int) {
        process.end();
        return gorae::Status{};
      }))
      .WillRepeatedly(Return(gorae::Status{}));  // the group clean-up at exit
  ASSERT_TRUE(engine->remove(id, true));
  EXPECT_FALSE(engine->inspect("doomed"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("data/containers/" + id)));
}

TEST_F(EngineTest, CreateAddsTheImagesVolumesToTheClients) {
  images->volumes = {"/data", "/logs"};
  ContainerConfig config;
  config.image = "busybox";
  config.volumes = {"/cache", "/data"};
  auto id = engine->create("", config, "{}");
  ASSERT_TRUE(id) << id.error().what();
  EXPECT_EQ(engine->inspect(*id)->config.volumes,
            (std::vector<std::string>{"/cache", "/data", "/logs"}));
}

// Each removal is told, with DELETE's v, while the container's directory
// (where a chapter may keep its records) still exists.
TEST_F(EngineTest, RemoveObserversHearOfEachRemovalWithItsVolumesFlag) {
  engine.reset();
  std::vector<std::pair<std::string, bool>> heard;
  std::vector<bool> dir_existed;
  open_engine({}, {[&](const Container& container, bool remove_volumes) {
    heard.emplace_back(container.id, remove_volumes);
    dir_existed.push_back(std::filesystem::exists(dir.file("data/containers/" + container.id)));
  }});
  auto kept = create();
  auto dropped = create();
  ASSERT_TRUE(engine->remove(kept, false));
  ASSERT_TRUE(engine->remove(dropped, false, true));
  EXPECT_EQ(heard, (std::vector<std::pair<std::string, bool>>{{kept, false}, {dropped, true}}));
  EXPECT_EQ(dir_existed, (std::vector<bool>{true, true}));
}

TEST_F(EngineTest, ACreateThatFailsLateIsToldAsARemovalWithItsVolumes) {
  engine.reset();
  std::vector<std::pair<std::string, bool>> heard;
  auto refuse = [](const Container&, nlohmann::json&) -> gorae::Status {
    return fail(Errc::invalid_argument, "no such thing");
  };
  open_engine({refuse}, {[&](const Container& container, bool remove_volumes) {
    heard.emplace_back(container.id, remove_volumes);
  }});
  ContainerConfig config;
  config.image = "busybox";
  ASSERT_FALSE(engine->create("", config, "{}"));
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].first.size(), 64u);
  EXPECT_TRUE(heard[0].second);
  ListOptions all;
  all.all = true;
  EXPECT_TRUE(engine->list(all).empty());
}

TEST_F(EngineTest, OutputReachesTheLog) {
  auto id = create();
  FakeProcess process(424247);
  expect_start(process, 0);
  ASSERT_TRUE(engine->start(id));
  process.print("one\ntwo\n");
  process.end();
  engine->wait(*engine->begin_wait(id, WaitCondition::not_running), {});
  std::vector<std::string> lines;
  LogQuery query;
  ASSERT_TRUE(engine->logs(id, query, [&](const LogEntry& entry) {
    lines.push_back(entry.text);
    return true;
  }, {}));
  EXPECT_EQ(lines, (std::vector<std::string>{"one\n", "two\n"}));
}

TEST_F(EngineTest, StartFailureKeepsTheContainerCreatedWithDockersExitCode) {
  auto id = create();
  auto next_exit = *engine->begin_wait(id, WaitCondition::next_exit);
  EXPECT_CALL(*runtime, start(_, _, _))
      .WillOnce(Return(Result<runtime::Started>(fail(
          Errc::invalid_argument, "exec: \"nope\": executable file not found in $PATH"))));
  auto started = engine->start(id);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().kind(), Errc::invalid_argument);
  auto state = engine->inspect(id)->state;
  EXPECT_EQ(state.status, RunStatus::created);
  EXPECT_EQ(state.exit_code, 127);
  EXPECT_EQ(engine->wait(next_exit, {}), 127);  // docker run's wait gets it too
}

TEST_F(EngineTest, RecordsOfACrashedDaemonAreMarkedExited) {
  auto id = create("survivor");
  // What a daemon killed mid-run leaves: a record saying "running", with a
  // pid that now belongs to someone else (this test process).
  engine.reset();
  ContainerStore store(dir.file("data/containers"));
  ASSERT_TRUE(store.load());
  Container record = *store.find(id);
  record.state.status = RunStatus::running;
  record.state.pid = ::getpid();
  ASSERT_TRUE(store.save(record));
  open_engine();
  auto state = engine->inspect("survivor")->state;
  EXPECT_EQ(state.status, RunStatus::exited);
  EXPECT_EQ(state.exit_code, 255);
  EXPECT_NE(state.error.find("daemon stopped"), std::string::npos);
  // Not ours (its root is not the container's): still alive.
  EXPECT_EQ(::kill(::getpid(), 0), 0);
}

TEST_F(EngineTest, NamesAndPrefixesResolve) {
  auto id = create("named");
  EXPECT_EQ(engine->inspect("named")->id, id);
  EXPECT_EQ(engine->inspect("/named")->id, id);
  EXPECT_EQ(engine->inspect(id.substr(0, 12))->id, id);
  auto missing = engine->inspect("nosuch");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().what(), "No such container: nosuch");
  ContainerConfig busybox;
  busybox.image = "busybox";
  auto clash = engine->create("named", busybox, "{}");
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().kind(), Errc::conflict);
  ContainerConfig nosuch;
  nosuch.image = "nosuch";
  auto no_image = engine->create("", nosuch, "{}");
  ASSERT_FALSE(no_image);
  EXPECT_EQ(no_image.error().kind(), Errc::not_found);
}

TEST_F(EngineTest, CreateWritesTheProcessIntoTheBundlesConfigJson) {
  ContainerConfig config;
  config.image = "busybox";
  config.cmd = {"echo", "hi there"};
  config.env = {"GREETING=hello"};
  config.working_dir = "/srv";
  config.tty = true;
  auto id = engine->create("", config, R"({"ConsoleSize": [40, 120]})");
  ASSERT_TRUE(id) << id.error().what();
  auto spec = config_of(*id);
  EXPECT_EQ(spec["root"]["path"], dir.file("data") + "/containers/" + *id + "/rootfs");
  EXPECT_EQ(spec["hostname"], id->substr(0, 12));
  const auto& process = spec["process"];
  EXPECT_EQ(process["args"], nlohmann::json({"echo", "hi there"}));
  EXPECT_EQ(process["cwd"], "/srv");
  EXPECT_EQ(process["terminal"], true);
  EXPECT_EQ(process["consoleSize"], nlohmann::json({{"height", 40}, {"width", 120}}));
  // No /etc/passwd in this rootfs: root, and HOME=/.
  EXPECT_EQ(process["env"], nlohmann::json({"GREETING=hello", "TERM=xterm", "HOME=/"}));
  EXPECT_EQ(process["user"]["uid"], 0);
  EXPECT_EQ(process["user"]["gid"], 0);
}

TEST_F(EngineTest, CreateResolvesTheUserInTheImagesPasswdAndGroupFiles) {
  images->files = {{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                  "app:x:1000:1001:App:/home/app:/bin/sh\n"},
                   {"etc/group", "root:x:0:\nstaff:x:50:\n"}};
  // {uid, gid, HOME} in config.json, or create's error.
  auto user_of = [&](const std::string& user) -> nlohmann::json {
    ContainerConfig config;
    config.image = "busybox";
    config.user = user;
    auto id = engine->create("", config, "{}");
    if (!id) return id.error().what();
    auto process = config_of(*id)["process"];
    return {process["user"]["uid"], process["user"]["gid"], process["env"].back()};
  };
  EXPECT_EQ(user_of(""), nlohmann::json({0, 0, "HOME=/root"}));
  EXPECT_EQ(user_of("app"), nlohmann::json({1000, 1001, "HOME=/home/app"}));
  EXPECT_EQ(user_of("app:staff"), nlohmann::json({1000, 50, "HOME=/home/app"}));
  EXPECT_EQ(user_of("4242:4343"), nlohmann::json({4242, 4343, "HOME=/"}));
  EXPECT_EQ(user_of("ghost"), "unable to find user ghost: no matching entries in passwd file");
  EXPECT_EQ(user_of("app:ghosts"),
            "unable to find group ghosts: no matching entries in group file");
}

}  // namespace
}  // namespace gorae::engine
