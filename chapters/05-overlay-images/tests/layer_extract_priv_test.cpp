// Extraction as root: ownership, device nodes, whiteouts and opaque
// directories in overlayfs' form, and proof that overlayfs reads them so.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "gorae/images/layer_store.hpp"
#include "gorae/testing/support.hpp"
#include "layer_tar_support.hpp"

namespace gorae::images {
namespace {

namespace fs = std::filesystem;
using gorae::images::testing::TarBuilder;
using gorae::testing::TempDir;

#define GORAE_REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (chown, mknod, trusted.* xattrs)"

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

std::string xattr(const std::string& path, const char* name) {
  char value[64] = {};
  ssize_t n = ::lgetxattr(path.c_str(), name, value, sizeof value);
  return n < 0 ? "<none>" : std::string(value, static_cast<std::size_t>(n));
}

Result<ExtractResult> extract(const TempDir& tmp, const std::string& dir, const TarBuilder& layer) {
  std::string blob = tmp.file("blob");
  std::ofstream(blob, std::ios::binary | std::ios::trunc) << layer.tar();
  fs::create_directories(dir);
  base::UniqueFd fd(::open(blob.c_str(), O_RDONLY | O_CLOEXEC));
  return extract_layer(fd.get(), dir);
}

TarBuilder::Entry owned(TarBuilder::Entry entry, long uid, long gid) {
  entry.uid = uid;
  entry.gid = gid;
  return entry;
}

TEST(LayerExtractPrivTest, KeepsOwnershipAndSetIdBits) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  auto result = extract(tmp, tmp.file("root"),
                        TarBuilder()
                            .add(owned(TarBuilder::make("home/", AE_IFDIR, "", 0750), 1000, 1000))
                            .add(owned(TarBuilder::make("home/file", AE_IFREG, "mine", 0640), 1000, 2000))
                            .add(owned(TarBuilder::make("bin/su", AE_IFREG, "su", 04755), 0, 0))
                            .add(owned(TarBuilder::make("bin/tool", AE_IFREG, "t", 02755), 1000, 50))
                            .add(owned(TarBuilder::make("home/link", AE_IFLNK, "file", 0777), 1000, 3000)));
  ASSERT_TRUE(result) << result.error().what();
  auto home = lstat_of(tmp.file("root/home")), file = lstat_of(tmp.file("root/home/file"));
  EXPECT_EQ(home.st_uid, 1000u);
  EXPECT_EQ(home.st_mode & 07777, 0750u);
  EXPECT_EQ(file.st_uid, 1000u);
  EXPECT_EQ(file.st_gid, 2000u);
  EXPECT_EQ(lstat_of(tmp.file("root/bin/su")).st_mode & 07777, 04755u);
  auto tool = lstat_of(tmp.file("root/bin/tool"));
  EXPECT_EQ(tool.st_mode & 07777, 02755u);  // chown before chmod, or the bit is lost
  EXPECT_EQ(tool.st_gid, 50u);
  auto link = lstat_of(tmp.file("root/home/link"));
  EXPECT_EQ(link.st_uid, 1000u);  // the link itself, not its target
  EXPECT_EQ(link.st_gid, 3000u);
  EXPECT_EQ(lstat_of(tmp.file("root/bin")).st_uid, 0u);  // made for a child: root's
}

TEST(LayerExtractPrivTest, MakesDeviceNodesAndFifos) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  TarBuilder::Entry null = TarBuilder::make("dev/null", AE_IFCHR, "", 0666);
  null.major = 1, null.minor = 3;
  TarBuilder::Entry loop = TarBuilder::make("dev/loop9", AE_IFBLK, "", 0660);
  loop.major = 7, loop.minor = 9;
  auto result = extract(tmp, tmp.file("root"),
                        TarBuilder().add(null).add(loop).add(TarBuilder::make("run/fifo", AE_IFIFO, "", 0600)));
  ASSERT_TRUE(result) << result.error().what();
  auto st = lstat_of(tmp.file("root/dev/null"));
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  st = lstat_of(tmp.file("root/dev/loop9"));
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(7, 9));
  EXPECT_TRUE(S_ISFIFO(lstat_of(tmp.file("root/run/fifo")).st_mode));
}

TEST(LayerExtractPrivTest, WhiteoutsBecomeOverlayWhiteouts) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  std::string root = tmp.file("root");
  auto result = extract(tmp, root,
                        TarBuilder()
                            .dir("etc")
                            .file("etc/.wh.gone", "")
                            .dir("var/cache")
                            .file("var/cache/.wh..wh..opq", "")
                            .file("var/cache/new", "fresh")
                            .file(".wh.kept", "")  // whiteout and file in one layer: the file stays
                            .file("kept", "still here")
                            .file("also", "first")
                            .file(".wh.also", "")
                            .file(".wh..wh.plnk/1234", "aufs bookkeeping"));
  ASSERT_TRUE(result) << result.error().what();
  auto gone = lstat_of(root + "/etc/gone");
  EXPECT_TRUE(S_ISCHR(gone.st_mode));
  EXPECT_EQ(gone.st_rdev, makedev(0, 0));
  EXPECT_FALSE(fs::exists(root + "/etc/.wh.gone"));
  EXPECT_EQ(xattr(root + "/var/cache", "trusted.overlay.opaque"), "y");
  EXPECT_FALSE(fs::exists(root + "/var/cache/.wh..wh..opq"));
  EXPECT_TRUE(fs::is_regular_file(root + "/var/cache/new"));
  EXPECT_TRUE(fs::is_regular_file(root + "/kept"));
  EXPECT_TRUE(fs::is_regular_file(root + "/also"));
  EXPECT_FALSE(fs::exists(root + "/.wh..wh.plnk"));
  EXPECT_FALSE(fs::exists(root + "/.wh.kept"));
}

TEST(LayerExtractPrivTest, OverlayXattrsFromTheArchiveAreDropped) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  TarBuilder::Entry dir = TarBuilder::make("d/", AE_IFDIR, "", 0755);
  dir.xattrs = {{"trusted.overlay.redirect", "/etc"}, {"trusted.overlay.opaque", "y"}, {"trusted.gorae", "kept"}};
  auto result = extract(tmp, tmp.file("root"), TarBuilder().add(dir));
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_EQ(xattr(tmp.file("root/d"), "trusted.overlay.redirect"), "<none>");
  EXPECT_EQ(xattr(tmp.file("root/d"), "trusted.overlay.opaque"), "<none>");
  EXPECT_EQ(xattr(tmp.file("root/d"), "trusted.gorae"), "kept");
}

// The real test of the conversion: overlayfs itself reads the upper layer's
// whiteout and opaque directory. In a child with its own mount namespace, so
// the runner's mounts are never touched.
TEST(LayerExtractPrivTest, OverlayfsHonoursTheConvertedWhiteouts) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  ASSERT_TRUE(extract(tmp, tmp.file("lower"),
                      TarBuilder().file("a", "lower a").file("b", "lower b").dir("d").file("d/old", "old")));
  ASSERT_TRUE(extract(tmp, tmp.file("upper"),
                      TarBuilder().file(".wh.a", "").dir("d").file("d/.wh..wh..opq", "").file("d/new", "new")));
  fs::create_directories(tmp.file("merged"));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      _exit(10);
    // Two read-only lowers: overlayfs needs no upper or work directory then.
    std::string options = "lowerdir=" + tmp.file("upper") + ":" + tmp.file("lower");
    if (::mount("overlay", tmp.file("merged").c_str(), "overlay", MS_RDONLY, options.c_str()) != 0)
      _exit(errno == ENODEV || errno == EPERM ? 11 : 12);
    bool ok = !fs::exists(tmp.file("merged/a")) && fs::exists(tmp.file("merged/b")) &&
              fs::exists(tmp.file("merged/d/new")) && !fs::exists(tmp.file("merged/d/old"));
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 11) GTEST_SKIP() << "no overlayfs here";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "overlayfs showed a whited-out or hidden file (10/12: setup failed)";
}

}  // namespace
}  // namespace gorae::images
