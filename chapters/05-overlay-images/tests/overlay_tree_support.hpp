#pragma once
// Builds overlay layer directories by hand, in the form overlayfs leaves
// them: whiteouts as 0/0 character devices, opaque directories marked with
// trusted.overlay.opaque=y. Both need root.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace gorae::images::testing {

#define GORAE_REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (mknod of whiteouts, trusted.* xattrs)"

/// One layer directory; paths are relative to it ("etc/passwd").
class Tree {
 public:
  explicit Tree(std::string root) : root_(std::move(root)) { std::filesystem::create_directories(root_); }
  const std::string& root() const { return root_; }
  std::string at(const std::string& path) const { return root_ + "/" + path; }

  /// A file with `content`, mode 0644, its mtime set to `mtime` seconds.
  Tree& file(const std::string& path, const std::string& content, time_t mtime = 1000000000) {
    parent_of(path);
    std::ofstream(at(path), std::ios::binary | std::ios::trunc) << content;
    ::chmod(at(path).c_str(), 0644);
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    EXPECT_EQ(::utimensat(AT_FDCWD, at(path).c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
    return *this;
  }
  Tree& dir(const std::string& path, mode_t mode = 0755) {
    std::filesystem::create_directories(at(path));
    ::chmod(at(path).c_str(), mode);
    return *this;
  }
  Tree& symlink(const std::string& path, const std::string& target) {
    parent_of(path);
    EXPECT_EQ(::symlink(target.c_str(), at(path).c_str()), 0) << path;
    return *this;
  }
  Tree& whiteout(const std::string& path) {
    parent_of(path);
    EXPECT_EQ(::mknod(at(path).c_str(), S_IFCHR | 0, makedev(0, 0)), 0) << path;
    return *this;
  }
  Tree& opaque(const std::string& path) {
    dir(path);
    EXPECT_EQ(::lsetxattr(at(path).c_str(), "trusted.overlay.opaque", "y", 1, 0), 0) << path;
    return *this;
  }

 private:
  void parent_of(const std::string& path) {
    std::filesystem::create_directories(std::filesystem::path(at(path)).parent_path());
  }
  std::string root_;
};

}  // namespace gorae::images::testing
