// Containers on overlays, seen from the host: two containers of one image
// share its layer directories and not their writes, the image never
// changes, and removing containers leaves no mount and no directory behind.
#include <gtest/gtest.h>

#if __has_include("api_fixture.hpp") && defined(GORAE_FIXTURE_DAEMON)

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "api_fixture.hpp"

namespace gorae::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Mount points under `dir` (from /proc/self/mountinfo's fifth field).
std::vector<std::string> mounts_under(const std::string& dir) {
  std::vector<std::string> found;
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, devices, root, point;
    fields >> id >> parent >> devices >> root >> point;
    if (point.rfind(dir, 0) == 0) found.push_back(point);
  }
  return found;
}

// The lowerdir option of the overlay mounted at `point`, as the kernel shows it.
std::string lowerdir_of(const std::string& point) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    if (line.find(" " + point + " ") == std::string::npos) continue;
    auto start = line.find("lowerdir=");
    if (start == std::string::npos) return "";
    start += 9;
    return line.substr(start, line.find(',', start) - start);
  }
  return "";
}

std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) names.insert(entry.path().filename().string());
  return names;
}

class OverlayContainersTest : public DaemonFixture {
 protected:
  void SetUp() override {
    DaemonFixture::SetUp();
    if (!HasFatalFailure() && !against_gorae()) GTEST_SKIP() << "looks at goraed's data root";
  }
  std::string rootfs_of(const std::string& id) { return data_dir() + "/containers/" + id + "/rootfs"; }
  std::string logs(const std::string& id) { return call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1").body; }
  std::string busybox_layer() {
    auto image = json_of(call("GET", "/images/busybox/json"));
    std::string diff_id = image["RootFS"]["Layers"][0];
    return data_dir() + "/images/layers/" + diff_id.substr(7) + "/diff";
  }
};

TEST_F(OverlayContainersTest, TwoContainersShareTheLayersButNotTheirWrites) {
  std::string first = create({{"Image", "busybox"}, {"Cmd", {"sleep", "60"}}});
  std::string second = create({{"Image", "busybox"}, {"Cmd", {"sleep", "60"}}});
  for (const auto& id : {first, second}) ASSERT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  std::string lower_first = lowerdir_of(rootfs_of(first));
  ASSERT_FALSE(lower_first.empty()) << "no overlay at " << rootfs_of(first);
  std::string lower_second = lowerdir_of(rootfs_of(second));
  // The image's layer is named by the same short link in both stacks.
  auto base = [](const std::string& lower) { return lower.substr(lower.rfind(':') + 1); };
  EXPECT_EQ(base(lower_first), base(lower_second));
  EXPECT_EQ(fs::canonical(data_dir() + "/images/layers/l/" + base(lower_first)), fs::canonical(busybox_layer()));
  // docker inspect tells the same story in full paths.
  auto driver = json_of(call("GET", "/containers/" + first + "/json"))["GraphDriver"];
  EXPECT_EQ(driver["Name"], "overlay2");
  EXPECT_EQ(driver["Data"]["MergedDir"], rootfs_of(first));
  EXPECT_EQ(driver["Data"]["UpperDir"], data_dir() + "/containers/" + first + "/upper");
  EXPECT_EQ(driver["Data"]["LowerDir"], data_dir() + "/containers/" + first + "/init:" + busybox_layer());

  // A write through the first container's root: seen there, in its upper
  // directory, and nowhere else.
  std::ofstream(rootfs_of(first) + "/etc/written-by-first") << "first\n";
  std::error_code ec;
  fs::remove(rootfs_of(first) + "/bin/vi", ec);
  EXPECT_TRUE(fs::exists(data_dir() + "/containers/" + first + "/upper/etc/written-by-first"));
  EXPECT_FALSE(fs::exists(rootfs_of(second) + "/etc/written-by-first"));
  EXPECT_TRUE(fs::is_symlink(rootfs_of(second) + "/bin/vi"));
  EXPECT_FALSE(fs::exists(busybox_layer() + "/etc/written-by-first"));
  EXPECT_TRUE(fs::is_symlink(busybox_layer() + "/bin/vi"));

  std::string reader = create(
      {{"Image", "busybox"}, {"Cmd", {"sh", "-c", "cat /etc/written-by-first 2>/dev/null || echo none; ls /bin/vi"}}});
  EXPECT_EQ(run_to_exit(reader), 0);
  EXPECT_NE(logs(reader).find("none"), std::string::npos) << logs(reader);
  EXPECT_NE(logs(reader).find("/bin/vi"), std::string::npos) << logs(reader);
}

TEST_F(OverlayContainersTest, RemovingContainersLeavesNoMountOrDirectory) {
  auto layers_before = entries(data_dir() + "/images/layers");
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    std::string id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "echo $$ > /tmp/pid"}}});
    ASSERT_EQ(run_to_exit(id), 0) << logs(id);
    ids.push_back(id);
  }
  // gorae mounts at create and unmounts at rm (Docker: at start and stop).
  EXPECT_EQ(mounts_under(data_dir() + "/containers").size(), ids.size());
  for (const auto& id : ids) {
    ASSERT_EQ(call("DELETE", "/containers/" + id).status, 204);
    EXPECT_FALSE(fs::exists(data_dir() + "/containers/" + id)) << id;
  }
  EXPECT_TRUE(mounts_under(data_dir()).empty());
  auto layers_after = entries(data_dir() + "/images/layers");
  layers_after.erase("l");
  layers_before.erase("l");
  EXPECT_EQ(layers_after, layers_before) << "containers add no layer and remove none";
}

TEST_F(OverlayContainersTest, AStartMountsTheOverlayAgainAfterAReboot) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "echo run >> /runs; cat /runs"}}});
  ASSERT_EQ(run_to_exit(id), 0) << logs(id);
  // A reboot takes the mount and leaves the directories.
  ASSERT_EQ(::umount2(rootfs_of(id).c_str(), 0), 0) << std::strerror(errno);
  ASSERT_TRUE(mounts_under(rootfs_of(id)).empty());
  ASSERT_EQ(run_to_exit(id), 0) << logs(id);
  EXPECT_EQ(mounts_under(rootfs_of(id)).size(), 1u);
  // The log keeps both runs, a line each: "run", then "run" twice.
  std::string log = logs(id);
  std::size_t lines = 0;
  for (auto at = log.find("run\n"); at != std::string::npos; at = log.find("run\n", at + 1)) ++lines;
  EXPECT_EQ(lines, 3u) << "the first run's write is kept: " << log;
}

TEST_F(OverlayContainersTest, TheImagesLayerCannotBeRemovedUnderAContainer) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sleep", "60"}}});
  ASSERT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  auto refused = call("DELETE", "/images/busybox");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_TRUE(fs::is_directory(busybox_layer()));
  ASSERT_EQ(call("DELETE", "/containers/" + id + "?force=1").status, 204);
  EXPECT_TRUE(mounts_under(data_dir()).empty());
}

}  // namespace
}  // namespace gorae::testing

#else
TEST(OverlayContainersTest, NeedsTheDaemonFixture) {
  GTEST_SKIP() << "built without chapter 02's api_fixture.hpp or GORAE_FIXTURE_DAEMON";
}
#endif
