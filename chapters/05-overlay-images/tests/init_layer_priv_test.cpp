// The init layer holds what the engine makes in every root filesystem, and
// only what the image does not already have.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include "gorae/images/init_layer.hpp"
#include "gorae/testing/support.hpp"
#include "overlay_tree_support.hpp"

namespace gorae::images {
namespace {

using gorae::testing::TempDir;
using testing::Tree;

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

TEST(InitLayerPrivTest, BareImageGetsMountPointsFilesAndDevices) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree image(tmp.file("image"));
  image.file("hello", "");
  ASSERT_TRUE(make_init_layer(tmp.file("init"), {image.root()}));
  for (const char* dir : {"dev", "dev/pts", "dev/shm", "proc", "sys", "etc"}) {
    struct stat st {};
    ASSERT_EQ(::lstat(tmp.file(std::string("init/") + dir).c_str(), &st), 0) << dir;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << dir;
  }
  struct stat null {};
  ASSERT_EQ(::lstat(tmp.file("init/dev/null").c_str(), &null), 0);
  EXPECT_TRUE(S_ISCHR(null.st_mode));
  EXPECT_EQ(null.st_rdev, makedev(1, 3));
  EXPECT_EQ(null.st_mode & 0777, 0666u);
  EXPECT_TRUE(exists(tmp.file("init/etc/hosts")));
  EXPECT_EQ(std::filesystem::read_symlink(tmp.file("init/etc/mtab")), "/proc/mounts");
}

TEST(InitLayerPrivTest, WhatTheImageHasIsLeftToTheImage) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree base(tmp.file("base")), top(tmp.file("top"));
  base.dir("dev", 0700).file("etc/hosts", "10.0.0.1 x\n").dir("sys");
  top.symlink("proc", "/elsewhere").whiteout("sys");  // the top layer deleted /sys
  ::chown(base.at("dev").c_str(), 7, 8);
  ASSERT_TRUE(make_init_layer(tmp.file("init"), {base.root(), top.root()}));
  EXPECT_FALSE(exists(tmp.file("init/etc/hosts")));
  EXPECT_TRUE(exists(tmp.file("init/etc/hostname")));
  EXPECT_FALSE(exists(tmp.file("init/proc")));  // the image's symlink wins
  EXPECT_TRUE(exists(tmp.file("init/sys")));     // whited out: not there any more
  struct stat dev {};
  ASSERT_EQ(::lstat(tmp.file("init/dev").c_str(), &dev), 0);
  EXPECT_EQ(dev.st_mode & 07777, 0700u);
  EXPECT_EQ(dev.st_uid, 7u);
  EXPECT_EQ(dev.st_gid, 8u);
}

TEST(InitLayerPrivTest, NothingBelowAnImageNonDirectory) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree image(tmp.file("image"));
  image.symlink("etc", "/usr/etc").file("dev", "not a directory");
  ASSERT_TRUE(make_init_layer(tmp.file("init"), {image.root()}));
  EXPECT_FALSE(exists(tmp.file("init/etc")));
  EXPECT_FALSE(exists(tmp.file("init/dev")));
  EXPECT_TRUE(exists(tmp.file("init/proc")));
}

}  // namespace
}  // namespace gorae::images
