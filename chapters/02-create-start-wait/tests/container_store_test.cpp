// The container store: records that survive a daemon restart, names, IDs and
// the references clients use (full ID, unique prefix, name with or without
// '/'), with dockerd's error texts.
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "gorae/engine/store.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// IDs chosen by hand so prefixes are predictable: the first characters,
// then padding to 64 hex digits.
std::string id_from(const std::string& start) {
  return start + std::string(64 - start.size(), 'f');
}

Container make(const std::string& id, const std::string& name,
               Clock::time_point created = Clock::now()) {
  Container c;
  c.id = id;
  c.name = name;
  c.created = created;
  c.path = "echo";
  c.args = {"hi"};
  c.image_id = "sha256:" + std::string(64, '6');
  c.config.image = "busybox:local";
  c.config.cmd = {"echo", "hi"};
  c.host_config = R"({"NetworkMode":"default"})";
  return c;
}

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

std::vector<std::string> ids(const std::vector<const Container*>& list) {
  std::vector<std::string> out;
  for (const auto* c : list) out.push_back(c->id);
  return out;
}

class ContainerStoreTest : public ::testing::Test {
 protected:
  testing::TempDir temp;
  std::string dir = temp.file("containers");
  ContainerStore store{dir};
};

// ---------------------------------------------------------------- records

TEST_F(ContainerStoreTest, AFullRecordSurvivesARestart) {
  ASSERT_TRUE(store.load());
  Container c = make(id_from("0767"), "reverent_pasteur");
  c.config.entrypoint = std::vector<std::string>{};
  c.config.env = {"A=b"};
  c.config.labels = {{"k", "v"}};
  c.auto_remove = true;
  c.state.status = RunStatus::exited;
  c.state.exit_code = 3;
  c.state.started_at = c.created + 1s;
  c.state.finished_at = c.created + 2500ms;
  c.restart_count = 1;
  c.log_path = dir + "/" + c.id + "/" + c.id + "-json.log";
  c.bundle_dir = dir + "/" + c.id + "/bundle";
  ASSERT_TRUE(store.save(c));

  ContainerStore restarted(dir);
  auto skipped = restarted.load();
  ASSERT_TRUE(skipped) << skipped.error().what();
  EXPECT_TRUE(skipped->empty());
  const Container* back = restarted.find(c.id);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(json(*back).dump(), json(c).dump());
  EXPECT_EQ(back->state.finished_at, c.state.finished_at);
}

TEST_F(ContainerStoreTest, RecordLivesAtDirIdConfigJsonAndIsPrivate) {
  Container c = make(store.new_id(), "web");
  ASSERT_TRUE(store.save(c));
  EXPECT_EQ(store.container_dir(c.id), dir + "/" + c.id);
  std::string record = dir + "/" + c.id + "/config.json";
  ASSERT_TRUE(fs::exists(record));
  std::ifstream in(record);
  EXPECT_EQ(json::parse(in)["Id"], c.id);
  struct stat info {};
  ASSERT_EQ(::stat(record.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(store.container_dir(c.id).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST_F(ContainerStoreTest, LoadAfterRestartSeesTheSameContainers) {
  auto now = Clock::now();
  ASSERT_TRUE(store.save(make(id_from("aa"), "first", now - 2min)));
  ASSERT_TRUE(store.save(make(id_from("bb"), "second", now - 1min)));
  ASSERT_TRUE(store.save(make(id_from("cc"), "third", now)));
  Container* second = store.find(id_from("bb"));
  ASSERT_NE(second, nullptr);
  second->state.status = RunStatus::running;
  second->state.pid = 42;
  ASSERT_TRUE(store.save(*second));  // saved again: replaced, not added

  ContainerStore restarted(dir);
  ASSERT_TRUE(restarted.load());
  EXPECT_EQ(ids(restarted.all()), ids(store.all()));
  EXPECT_EQ(ids(restarted.all()),
            (std::vector<std::string>{id_from("cc"), id_from("bb"), id_from("aa")}));
  EXPECT_EQ(restarted.find(id_from("bb"))->state.pid, 42);
  EXPECT_EQ(*restarted.resolve("second"), id_from("bb"));
}

TEST_F(ContainerStoreTest, ACorruptRecordIsSkippedAndReported) {
  ASSERT_TRUE(store.save(make(id_from("aa"), "good")));
  write(dir + "/" + id_from("bb") + "/config.json", "{\"Id\": \"bb");       // torn
  write(dir + "/" + id_from("cc") + "/config.json", R"({"Id":"cc"})");      // not ours
  fs::create_directories(dir + "/" + id_from("dd"));                        // no record
  json moved = make(id_from("ee"), "moved");
  write(dir + "/" + id_from("ff") + "/config.json", moved.dump());          // wrong directory
  write(dir + "/stray-file", "ignored");

  ContainerStore restarted(dir);
  auto skipped = restarted.load();
  ASSERT_TRUE(skipped) << skipped.error().what();
  ASSERT_EQ(skipped->size(), 4u);
  std::set<std::string> reported;
  for (const auto& line : *skipped) reported.insert(line.substr(0, 64));
  EXPECT_EQ(reported, (std::set<std::string>{id_from("bb"), id_from("cc"), id_from("dd"),
                                             id_from("ff")}));
  for (const auto& line : *skipped) EXPECT_GT(line.size(), 66u) << "no reason in: " << line;
  EXPECT_EQ(ids(restarted.all()), (std::vector<std::string>{id_from("aa")}));
}

TEST_F(ContainerStoreTest, NoTemporaryFilesAreLeft) {
  Container c = make(store.new_id(), "web");
  for (int i = 0; i < 5; ++i) {
    c.restart_count = i;
    ASSERT_TRUE(store.save(c));
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(store.container_dir(c.id)))
    files.push_back(entry.path().filename());
  EXPECT_EQ(files, (std::vector<std::string>{"config.json"}));

  // One left by a crash between write and rename is cleared on load.
  write(store.container_dir(c.id) + "/config.json.tmp.12345", "{\"Id\":");
  ContainerStore restarted(dir);
  auto skipped = restarted.load();
  ASSERT_TRUE(skipped);
  EXPECT_TRUE(skipped->empty());
  EXPECT_FALSE(fs::exists(store.container_dir(c.id) + "/config.json.tmp.12345"));
  EXPECT_EQ(restarted.find(c.id)->restart_count, 4);
}

TEST_F(ContainerStoreTest, LoadOfAMissingDirectoryIsEmpty) {
  auto skipped = store.load();
  ASSERT_TRUE(skipped);
  EXPECT_TRUE(skipped->empty());
  EXPECT_TRUE(store.all().empty());
  EXPECT_TRUE(fs::is_directory(dir));
}

TEST_F(ContainerStoreTest, RemoveDeletesTheWholeDirectory) {
  Container c = make(store.new_id(), "web");
  ASSERT_TRUE(store.save(c));
  write(store.container_dir(c.id) + "/bundle/rootfs/etc/hostname", "web\n");
  write(store.container_dir(c.id) + "/" + c.id + "-json.log", "{}\n");
  ASSERT_TRUE(store.remove(c.id));
  EXPECT_FALSE(fs::exists(store.container_dir(c.id)));
  EXPECT_EQ(store.find(c.id), nullptr);
  EXPECT_EQ(store.resolve("web").error().kind(), Errc::not_found);
  EXPECT_TRUE(store.check_name("web"));  // the name is free again
  ContainerStore restarted(dir);
  ASSERT_TRUE(restarted.load());
  EXPECT_TRUE(restarted.all().empty());
}

TEST_F(ContainerStoreTest, RemoveRefusesIdsThatAreNotOnePathComponent) {
  ASSERT_TRUE(store.save(make(id_from("aa"), "web")));
  for (const char* id : {"", ".", "..", "../containers", "a/b"}) {
    auto status = store.remove(id);
    ASSERT_FALSE(status) << id;
    EXPECT_EQ(status.error().kind(), Errc::invalid_argument) << id;
  }
  EXPECT_TRUE(fs::exists(store.container_dir(id_from("aa")) + "/config.json"));
  EXPECT_FALSE(store.save(make("", "empty")));
}

// remove_all would follow a mount into the host; the store refuses instead.
TEST_F(ContainerStoreTest, RemoveRefusesWhileSomethingIsMountedInside) {
  Container c = make(store.new_id(), "web");
  ASSERT_TRUE(store.save(c));
  std::string mount_point = store.container_dir(c.id) + "/rootfs";
  fs::create_directories(mount_point);
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=64k") != 0)
    GTEST_SKIP() << "cannot mount tmpfs here (needs root)";
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point};
  write(mount_point + "/precious", "keep me");

  auto status = store.remove(c.id);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind(), Errc::conflict);
  EXPECT_NE(status.error().what().find("still mounted"), std::string::npos);
  EXPECT_TRUE(fs::exists(mount_point + "/precious"));
  EXPECT_NE(store.find(c.id), nullptr);
}

// ---------------------------------------------------------------- IDs and names

TEST_F(ContainerStoreTest, NewIdsAre64LowercaseHexWithALetterInTheShortId) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string id = store.new_id();
    ASSERT_EQ(id.size(), 64u);
    auto lower_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    ASSERT_TRUE(std::all_of(id.begin(), id.end(), lower_hex)) << id;
    ASSERT_FALSE(std::all_of(id.begin(), id.begin() + 12,
                             [](char c) { return c >= '0' && c <= '9'; }))
        << id;
    ASSERT_TRUE(seen.insert(id).second) << id;
  }
}

TEST_F(ContainerStoreTest, GeneratedNamesAreValidAndUniqueOver500Containers) {
  std::set<std::string> names;
  for (int i = 0; i < 500; ++i) {
    std::string name = store.new_name();
    ASSERT_TRUE(store.check_name(name)) << name;
    ASSERT_NE(name, "boring_wozniak");
    ASSERT_NE(name.find('_'), std::string::npos) << name;
    ASSERT_TRUE(names.insert(name).second) << "repeated: " << name;
    Container c = make(store.new_id(), name);
    ASSERT_TRUE(store.save(c));
  }
}

TEST_F(ContainerStoreTest, NameConflictHasDockersMessage) {
  Container web = make(id_from("14ec5c58c161"), "web");
  ASSERT_TRUE(store.save(web));
  for (const char* name : {"web", "/web"}) {
    auto status = store.check_name(name);
    ASSERT_FALSE(status) << name;
    EXPECT_EQ(status.error().kind(), Errc::conflict);
    EXPECT_EQ(status.error().what(),
              "Conflict. The container name \"/web\" is already in use by container \"" +
                  web.id +
                  "\". You have to remove (or rename) that container to be able to reuse "
                  "that name.");
  }
  EXPECT_TRUE(store.check_name("web2"));
  EXPECT_TRUE(store.check_name("Web"));  // names are case-sensitive
}

TEST_F(ContainerStoreTest, InvalidNamesAreRejected) {
  for (const char* name : {"", "/", "a", "/a", "-web", "_web", ".web", "web!", "we b", "//web",
                           "web/1", "w\xc3\xa9"}) {
    auto status = store.check_name(name);
    ASSERT_FALSE(status) << name;
    EXPECT_EQ(status.error().kind(), Errc::invalid_argument) << name;
  }
  EXPECT_EQ(store.check_name("-web").error().what(),
            "Invalid container name (-web), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  for (const char* name : {"ab", "/web", "web_1.2-3", "9lives", "A-", "x..", "MyApp"})
    EXPECT_TRUE(store.check_name(name)) << name;
}

// ---------------------------------------------------------------- resolve

class ContainerStoreResolveTest : public ContainerStoreTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store.save(make(a, "web")));
    ASSERT_TRUE(store.save(make(b, "db")));
    ASSERT_TRUE(store.save(make(c, "cache")));
  }
  std::string a = id_from("0123456789ab0");
  std::string b = id_from("0123456789ab1");
  std::string c = id_from("9e");
};

TEST_F(ContainerStoreResolveTest, ByFullIdAndPrefixes) {
  EXPECT_EQ(*store.resolve(a), a);
  EXPECT_EQ(*store.resolve(a.substr(0, 13)), a);
  EXPECT_EQ(*store.resolve(c.substr(0, 12)), c);
  EXPECT_EQ(*store.resolve("9"), c);  // one character is enough when unique
}

TEST_F(ContainerStoreResolveTest, ByNameWithAndWithoutSlash) {
  EXPECT_EQ(*store.resolve("web"), a);
  EXPECT_EQ(*store.resolve("/web"), a);
  EXPECT_EQ(*store.resolve("/db"), b);
}

TEST_F(ContainerStoreResolveTest, AmbiguousPrefixIsDockersInternalError) {
  auto result = store.resolve("0123456789ab");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), Errc::internal);
  EXPECT_EQ(result.error().what(), "Multiple IDs found with provided prefix: 0123456789ab");
  EXPECT_EQ(store.resolve("0").error().what(), "Multiple IDs found with provided prefix: 0");
}

TEST_F(ContainerStoreResolveTest, NotFound) {
  for (const char* reference : {"nosuch", "/nosuch", "1", "0123456789abc", ""}) {
    auto result = store.resolve(reference);
    ASSERT_FALSE(result) << reference;
    EXPECT_EQ(result.error().kind(), Errc::not_found) << reference;
    EXPECT_EQ(result.error().what(), std::string("No such container: ") + reference);
  }
  // A longer reference than any ID is not a prefix of one.
  EXPECT_FALSE(store.resolve(a + "0"));
}

TEST_F(ContainerStoreResolveTest, NamesBeatPrefixesAndFullIdsBeatNames) {
  // A container named like the start of another's ID is found by name.
  Container named_9e = make(id_from("77"), "9e");
  ASSERT_TRUE(store.save(named_9e));
  EXPECT_EQ(*store.resolve("9e"), named_9e.id);
  EXPECT_EQ(*store.resolve("9"), c);
  // A container named with another's full ID loses to that ID.
  Container named_a = make(id_from("88"), a);
  ASSERT_TRUE(store.save(named_a));
  EXPECT_EQ(*store.resolve(a), a);
  EXPECT_EQ(*store.resolve("/" + a), named_a.id);
}

TEST_F(ContainerStoreResolveTest, FindGivesTheStoredRecord) {
  Container* found = store.find(b);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "db");
  found->state.exit_code = 9;  // the engine changes it in place, then saves
  EXPECT_EQ(std::as_const(store).find(b)->state.exit_code, 9);
  EXPECT_EQ(store.find("db"), nullptr);  // find takes a full ID only
}

}  // namespace
}  // namespace gorae::engine
