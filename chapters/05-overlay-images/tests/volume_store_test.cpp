// The local driver's volumes on a temporary directory: Docker's layout, its
// names and messages, references, prune, and what a restart reads back.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gorae/testing/support.hpp"
#include "gorae/volumes/volume_filters.hpp"
#include "gorae/volumes/volume_store.hpp"

namespace gorae::volumes {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class VolumeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    auto opened = VolumeStore::open(dir.file("volumes"));
    ASSERT_TRUE(opened) << opened.error().what();
    store = std::move(*opened);
  }
  Volume create(const std::string& name, Labels labels = {}, const std::string& reference = "") {
    auto made = store->create({name, "", std::move(labels), {}, reference});
    EXPECT_TRUE(made) << made.error().what();
    return made ? *made : Volume{};
  }
  std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& volume : store->list()) out.push_back(volume.name);
    return out;
  }
  testing::TempDir dir;
  std::unique_ptr<VolumeStore> store;
};

TEST_F(VolumeStoreTest, AVolumeIsADataDirectoryInDockersLayout) {
  Volume volume = create("data1", {{"team", "a"}});
  EXPECT_EQ(volume.mountpoint, dir.file("volumes/data1/_data"));
  struct stat info {};
  ASSERT_EQ(::stat(volume.mountpoint.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat(dir.file("volumes/data1").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0701u);
  json shown = volume_json(volume);
  EXPECT_EQ(shown["Name"], "data1");
  EXPECT_EQ(shown["Driver"], "local");
  EXPECT_EQ(shown["Scope"], "local");
  EXPECT_EQ(shown["Labels"], json({{"team", "a"}}));
  EXPECT_TRUE(shown["Options"].is_null());
  EXPECT_EQ(shown["CreatedAt"].get<std::string>().size(), 20u);  // 2026-11-23T22:47:35Z
  EXPECT_TRUE(volume_json(create("bare"))["Labels"].is_null());
}

TEST_F(VolumeStoreTest, ANamelessVolumeIsAnonymousWithARandomName) {
  Volume volume = create("");
  EXPECT_EQ(volume.name.size(), 64u);
  EXPECT_EQ(volume.name.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(volume.anonymous());
  EXPECT_EQ(volume.labels.at(kAnonymousLabel), "");
  EXPECT_NE(create("").name, volume.name);
}

TEST_F(VolumeStoreTest, CreatingAnExistingNameReturnsItUnchanged) {
  create("keep", {{"v", "1"}});
  fs::path marker = dir.file("volumes/keep/_data/file");
  std::ofstream(marker) << "x";
  Volume again = create("keep", {{"v", "2"}});
  EXPECT_EQ(again.labels.at("v"), "1");
  EXPECT_TRUE(fs::exists(marker));
}

TEST_F(VolumeStoreTest, NamesDriversAndOptionsAreCheckedAsDockerDoes) {
  auto bad = store->create({"a b", "", {}, {}, ""});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().what(),
            "create a b: \"a b\" includes invalid characters for a local volume name, only "
            "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
  EXPECT_EQ(store->create({"x", "", {}, {}, ""}).error().what(),
            "create x: volume name is too short, names should be at least two alphanumeric characters");
  auto driver = store->create({"nfs1", "nfs", {}, {}, ""});
  EXPECT_EQ(driver.error().kind(), Errc::not_found);
  EXPECT_EQ(driver.error().what(), "error looking up volume plugin nfs: plugin \"nfs\" not found");
  EXPECT_EQ(store->create({"opt", "local", {}, {{"color", "red"}}, ""}).error().what(),
            "create opt: invalid option: \"color\"");
  EXPECT_EQ(store->create({"opt", "local", {}, {{"type", "tmpfs"}, {"device", "tmpfs"}}, ""}).error().kind(),
            Errc::invalid_argument);
  EXPECT_TRUE(names().empty());
}

TEST_F(VolumeStoreTest, AVolumeInUseIsNotRemoved) {
  create("busy", {}, "c1");
  store->add_reference("busy", "c0");
  auto refused = store->remove("busy", true);  // force does not override it
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), Errc::conflict);
  EXPECT_EQ(refused.error().what(), "remove busy: volume is in use - [c0, c1]");
  store->release("busy", "c0");
  store->release("busy", "c1");
  ASSERT_TRUE(store->remove("busy", false));
  EXPECT_FALSE(fs::exists(dir.file("volumes/busy")));
  auto missing = store->remove("busy", false);
  EXPECT_EQ(missing.error().kind(), Errc::not_found);
  EXPECT_EQ(missing.error().what(), "get busy: no such volume");
  EXPECT_TRUE(store->remove("busy", true));  // -f: a missing volume is fine
}

TEST_F(VolumeStoreTest, LabelsSurviveAReopenAndStrayFilesAreNotVolumes) {
  create("kept", {{"a", "b"}});
  create("");
  fs::create_directories(dir.file("volumes/notavolume"));  // no _data
  reopen();
  ASSERT_EQ(store->list().size(), 2u);
  EXPECT_EQ(store->get("kept")->labels, (Labels{{"a", "b"}}));
  EXPECT_EQ(store->get("nothere").error().what(), "get nothere: no such volume");
}

// A file's failed probe for _data, read last, once failed the whole open.
TEST(VolumeStoreOpenTest, FilesBesideTheVolumesAreNoError) {
  testing::TempDir dir;
  fs::create_directories(dir.file("volumes"));
  std::ofstream(dir.file("volumes/stray")) << "x";
  auto opened = VolumeStore::open(dir.file("volumes"));
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_TRUE((*opened)->list().empty());
}

TEST_F(VolumeStoreTest, PruneRemovesWhatIsUnusedAndChosenAndCountsItsBytes) {
  create("named");
  Volume anonymous = create("");
  create("", {}, "c1");  // in use
  std::ofstream(anonymous.mountpoint + "/ten") << "0123456789";
  auto filter = prune_filter("", false);  // API 1.42: anonymous only
  ASSERT_TRUE(filter);
  auto report = store->prune([&](const Volume& v) { return (*filter)(v, false); });
  EXPECT_EQ(report.deleted, std::vector<std::string>{anonymous.name});
  EXPECT_EQ(report.space_reclaimed, 10u);
  EXPECT_EQ(store->list().size(), 2u);

  filter = prune_filter("", true);  // API 1.41: every unused volume
  report = store->prune([&](const Volume& v) { return (*filter)(v, false); });
  EXPECT_EQ(report.deleted, std::vector<std::string>{"named"});
  EXPECT_EQ(store->list().size(), 1u);
}

TEST_F(VolumeStoreTest, RemoveStaysOnTheVolumesFilesystem) {
  Volume volume = create("tree");
  fs::create_directories(volume.mountpoint + "/a/b");
  std::ofstream(volume.mountpoint + "/a/b/f") << "x";
  fs::create_symlink(dir.path(), volume.mountpoint + "/a/outside");  // not followed
  ASSERT_TRUE(store->remove("tree", false));
  EXPECT_FALSE(fs::exists(dir.file("volumes/tree")));
  EXPECT_TRUE(fs::exists(dir.file("volumes")));
}

TEST(VolumeFilterTest, ListFiltersAreDockers) {
  Volume a{"alpha", "local", "/x", {}, {{"team", "a"}, {"tier", "web"}}, {}};
  Volume b{"beta", "local", "/y", {}, {}, {}};
  auto check = [&](const std::string& filters, const Volume& v, bool in_use) {
    auto filter = list_filter(filters);
    EXPECT_TRUE(filter) << filters << ": " << filter.error().what();
    return filter && (*filter)(v, in_use);
  };
  EXPECT_TRUE(check(R"({"name":{"alp":true}})", a, false));
  EXPECT_TRUE(check(R"({"name":["^b.t"]})", b, false));
  EXPECT_FALSE(check(R"({"name":["^b.t"]})", a, false));
  EXPECT_TRUE(check(R"({"dangling":["true"]})", a, false));
  EXPECT_FALSE(check(R"({"dangling":["1"]})", a, true));
  EXPECT_TRUE(check(R"({"dangling":["false"]})", a, true));
  EXPECT_TRUE(check(R"({"label":["team=a","tier"]})", a, false));
  EXPECT_FALSE(check(R"({"label":["team=b"]})", a, false));
  EXPECT_FALSE(check(R"({"label":["team"]})", b, false));
  EXPECT_TRUE(check(R"({"driver":["local"]})", b, false));
  EXPECT_EQ(list_filter(R"({"colour":["red"]})").error().what(), "invalid filter 'colour'");
  EXPECT_EQ(list_filter(R"({"dangling":["maybe"]})").error().what(), "invalid filter 'dangling=[maybe]'");
}

TEST(VolumeFilterTest, PruneFiltersAreDockers) {
  Volume named{"named", "local", "/x", {}, {{"keep", "no"}}, {}};
  Volume anonymous{"0123", "local", "/y", {}, {{kAnonymousLabel, ""}}, {}};
  auto picks = [](const std::string& filters, bool old_api, const Volume& v) {
    auto filter = prune_filter(filters, old_api);
    EXPECT_TRUE(filter) << filters;
    return filter && (*filter)(v, false);
  };
  EXPECT_FALSE(picks("", false, named));
  EXPECT_TRUE(picks("", false, anonymous));
  EXPECT_TRUE(picks(R"({"all":["true"]})", false, named));
  EXPECT_TRUE(picks("", true, named));
  EXPECT_FALSE(picks(R"({"all":["1"],"label!":["keep=no"]})", false, named));
  EXPECT_TRUE(picks(R"({"all":["1"],"label":["keep"]})", false, named));
  EXPECT_EQ(prune_filter(R"({"all":["maybe"]})", false).error().what(), "invalid filter 'all=[maybe]'");
  EXPECT_EQ(prune_filter(R"({"all":["false"]})", true).error().what(), "invalid filter 'all=[false true]'");
  EXPECT_EQ(prune_filter(R"({"dangling":["true"]})", false).error().what(), "invalid filter 'dangling'");
}

}  // namespace
}  // namespace gorae::volumes
