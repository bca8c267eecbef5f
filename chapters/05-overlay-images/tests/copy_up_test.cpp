// Copy-up on temporary directories: what a new volume gets from the image,
// and what it never gets (anything outside the rootfs).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gorae/testing/support.hpp"
#include "gorae/volumes/copy_up.hpp"

namespace gorae::volumes {
namespace {

namespace fs = std::filesystem;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct stat stat_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info;
}

class CopyUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(rootfs + "/etc/sub");
    std::ofstream(rootfs + "/etc/hostname") << "box\n";
    ::chmod((rootfs + "/etc/hostname").c_str(), 0640);
    fs::create_hard_link(rootfs + "/etc/hostname", rootfs + "/etc/sub/hostname.again");
    fs::create_symlink("../hostname", rootfs + "/etc/sub/link");
    ::chmod((rootfs + "/etc/sub").c_str(), 0710);
    ::chmod((rootfs + "/etc").c_str(), 0750);
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    ::utimensat(AT_FDCWD, (rootfs + "/etc/hostname").c_str(), old, 0);
    fs::create_directories(volume);
    ::chmod(volume.c_str(), 0755);
  }
  testing::TempDir dir;
  std::string rootfs = dir.file("rootfs");
  std::string volume = dir.file("volume/_data");
};

TEST_F(CopyUpTest, AnEmptyVolumeGetsTheImagesFilesWithTheirModesLinksAndTimes) {
  ASSERT_TRUE(copy_up(rootfs, "/etc", volume));
  EXPECT_EQ(read(volume + "/hostname"), "box\n");
  EXPECT_EQ(stat_of(volume + "/hostname").st_mode & 07777, 0640u);
  EXPECT_EQ(stat_of(volume + "/hostname").st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(stat_of(volume + "/sub").st_mode & 07777, 0710u);
  EXPECT_EQ(stat_of(volume + "/sub/hostname.again").st_ino, stat_of(volume + "/hostname").st_ino);
  EXPECT_EQ(fs::read_symlink(volume + "/sub/link"), "../hostname");
  // The volume's own directory takes the source directory's mode and owner.
  EXPECT_EQ(stat_of(volume).st_mode & 07777, 0750u);
  EXPECT_EQ(stat_of(volume).st_uid, stat_of(rootfs + "/etc").st_uid);
}

TEST_F(CopyUpTest, AVolumeWithFilesIsLeftAlone) {
  std::ofstream(volume + "/mine") << "data";
  ASSERT_TRUE(copy_up(rootfs, "/etc", volume));
  EXPECT_FALSE(fs::exists(volume + "/hostname"));
  EXPECT_EQ(stat_of(volume).st_mode & 07777, 0755u);
}

TEST_F(CopyUpTest, NothingInTheImageThereIsNothingToCopy) {
  ASSERT_TRUE(copy_up(rootfs, "/data", volume));
  EXPECT_TRUE(fs::is_empty(volume));
  auto file = copy_up(rootfs, "/etc/hostname", volume);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().what(), "source " + rootfs + "/etc/hostname is not a directory");
}

// An image's symlink to / is resolved inside the rootfs, never on the host.
TEST_F(CopyUpTest, SymlinksResolveInsideTheRootfs) {
  fs::create_directories(dir.file("host-secret"));
  std::ofstream(dir.file("host-secret/key")) << "secret";
  fs::create_symlink(dir.file("host-secret"), rootfs + "/escape");
  ASSERT_TRUE(copy_up(rootfs, "/escape", volume));
  EXPECT_FALSE(fs::exists(volume + "/key"));
  fs::create_symlink("/etc", rootfs + "/etc-link");
  ASSERT_TRUE(copy_up(rootfs, "/etc-link", volume));
  EXPECT_EQ(read(volume + "/hostname"), "box\n");
}

}  // namespace
}  // namespace gorae::volumes
