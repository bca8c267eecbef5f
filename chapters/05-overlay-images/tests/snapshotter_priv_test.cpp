// The overlay under a container (root tier): layers stacked in order, a
// whiteout hiding a lower file, an opaque directory, writes landing in the
// container's own upper directory, and an image too deep for absolute paths.

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "gorae/images/snapshotter.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::images {
namespace {

namespace fs = std::filesystem;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

class SnapshotterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: mount";
  }
  void TearDown() override {
    if (!target_.empty()) (void)Snapshotter(dir_.file("l")).unmount(target_);
  }
  OverlayLayout layout(std::vector<std::string> lower) {
    target_ = dir_.file("merged");
    return {std::move(lower), dir_.file("upper"), dir_.file("work"), target_};
  }
  testing::TempDir dir_;
  std::string target_;
};

TEST_F(SnapshotterTest, StacksLayersWithWhiteoutsAndOpaqueDirectories) {
  std::string base = dir_.file("layers/base"), top = dir_.file("layers/top");
  write(base + "/etc/motd", "base");
  write(base + "/etc/gone", "deleted above");
  write(base + "/data/old", "hidden by an opaque dir");
  write(top + "/etc/motd", "top");
  ASSERT_EQ(::mknod((top + "/etc/gone").c_str(), S_IFCHR | 0000, makedev(0, 0)), 0);  // whiteout
  fs::create_directories(top + "/data");
  ASSERT_EQ(::setxattr((top + "/data").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  write(top + "/data/new", "only this");

  Snapshotter snapshotter(dir_.file("l"));
  auto mounted = snapshotter.mount(layout({base, top}));
  ASSERT_TRUE(mounted) << mounted.error().what();
  EXPECT_TRUE(is_mount_point(target_));
  EXPECT_EQ(read(target_ + "/etc/motd"), "top") << "the upper layer wins";
  EXPECT_FALSE(fs::exists(target_ + "/etc/gone")) << "the whiteout hides it";
  EXPECT_FALSE(fs::exists(target_ + "/data/old")) << "the opaque directory hides the lower one";
  EXPECT_EQ(read(target_ + "/data/new"), "only this");

  write(target_ + "/etc/motd", "container");
  EXPECT_EQ(read(dir_.file("upper") + "/etc/motd"), "container") << "writes go up";
  EXPECT_EQ(read(top + "/etc/motd"), "top") << "the layer is untouched";

  ASSERT_TRUE(snapshotter.unmount(target_));
  EXPECT_FALSE(is_mount_point(target_));
  EXPECT_TRUE(snapshotter.unmount(target_)) << "unmounting twice is not an error";
}

TEST_F(SnapshotterTest, ADeepImageFitsTheMountOptionsThroughShortLinks) {
  // 120 layers whose absolute paths alone would need ~10 KB of options.
  std::string deep = dir_.file(std::string(60, 'd'));
  std::vector<std::string> layers;
  std::size_t absolute = 0;
  for (int i = 0; i < 120; ++i) {
    std::string layer = deep + "/layer-with-a-long-name-" + std::to_string(i) + "/diff";
    write(layer + "/file" + std::to_string(i), std::to_string(i));
    write(layer + "/top", std::to_string(i));
    layers.push_back(layer);
    absolute += layer.size() + 1;
  }
  ASSERT_GT(absolute, 4096u);
  Snapshotter snapshotter(dir_.file("l"));
  auto mounted = snapshotter.mount(layout(layers));
  ASSERT_TRUE(mounted) << mounted.error().what();
  EXPECT_LT(snapshotter.options(layout(layers)).size(), 4096u);
  EXPECT_EQ(read(target_ + "/file0"), "0");
  EXPECT_EQ(read(target_ + "/file119"), "119");
  EXPECT_EQ(read(target_ + "/top"), "119") << "the last layer is the top one";
}

}  // namespace
}  // namespace gorae::images
