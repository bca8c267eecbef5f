// Copy-up: a new volume starts with the image's files at its mount point, as
// dockerd's copyExistingContents does it with containerd's fs.CopyDir. Every
// path is opened relative to a directory fd and never through a symlink, so
// an image cannot point the copy at the host's files.
#include "gorae/volumes/copy_up.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "gorae/base/unique_fd.hpp"

namespace gorae::volumes {
namespace {

using base::UniqueFd;
using Inodes = std::map<std::pair<dev_t, ino_t>, std::pair<int, std::string>>;  // → (dir fd, name) of the copy

tl::unexpected<Error> sys(const std::string& what) { return tl::unexpected(Error::from_errno(what)); }

// Extended attributes (security.capability on ping, ...) go along where the
// volume's filesystem takes them; one it refuses is skipped, as a copy to
// a filesystem without xattrs would have to.
void copy_xattrs(int from, int to) {
  ssize_t size = ::flistxattr(from, nullptr, 0);
  if (size <= 0) return;
  std::vector<char> names(static_cast<std::size_t>(size));
  size = ::flistxattr(from, names.data(), names.size());
  for (ssize_t at = 0; at < size; at += static_cast<ssize_t>(std::char_traits<char>::length(&names[at])) + 1) {
    const char* name = &names[static_cast<std::size_t>(at)];
    ssize_t length = ::fgetxattr(from, name, nullptr, 0);
    if (length < 0) continue;
    std::vector<char> value(static_cast<std::size_t>(length));
    length = ::fgetxattr(from, name, value.data(), value.size());
    if (length >= 0) (void)::fsetxattr(to, name, value.data(), static_cast<std::size_t>(length), 0);
  }
}

// Owner, then mode (a chown clears set-id bits), then times.
Status copy_attributes(int to, const struct stat& info, const std::string& path) {
  if (::fchown(to, info.st_uid, info.st_gid) != 0) return sys("chown " + path);
  if (::fchmod(to, info.st_mode & 07777) != 0) return sys("chmod " + path);
  struct timespec times[2] = {info.st_atim, info.st_mtim};
  if (::futimens(to, times) != 0) return sys("set times of " + path);
  return {};
}

Status copy_file(int from_dir, int to_dir, const char* name, const struct stat& info, const std::string& path) {
  UniqueFd from(::openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!from.valid()) return sys("open " + path);
  UniqueFd to(::openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!to.valid()) return sys("create " + path);
  for (off_t left = info.st_size; left > 0;) {
    ssize_t n = ::copy_file_range(from.get(), nullptr, to.get(), nullptr, static_cast<std::size_t>(left), 0);
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS)) {
      char buffer[65536];  // kernels before 5.3 copy only within one filesystem
      n = ::read(from.get(), buffer, sizeof buffer);
      if (n > 0 && ::write(to.get(), buffer, static_cast<std::size_t>(n)) != n) return sys("write " + path);
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys("copy " + path);
    if (n == 0) break;  // the file shrank meanwhile
    left -= n;
  }
  copy_xattrs(from.get(), to.get());
  return copy_attributes(to.get(), info, path);
}

Status copy_special(int from_dir, int to_dir, const char* name, const struct stat& info, const std::string& path) {
  if (S_ISLNK(info.st_mode)) {
    std::vector<char> target(static_cast<std::size_t>(info.st_size) + 1);
    ssize_t n = ::readlinkat(from_dir, name, target.data(), target.size());
    if (n < 0) return sys("readlink " + path);
    target[static_cast<std::size_t>(n)] = '\0';
    if (::symlinkat(target.data(), to_dir, name) != 0) return sys("symlink " + path);
  } else if (::mknodat(to_dir, name, info.st_mode, info.st_rdev) != 0) {
    return sys("mknod " + path);
  }
  if (::fchownat(to_dir, name, info.st_uid, info.st_gid, AT_SYMLINK_NOFOLLOW) != 0) return sys("chown " + path);
  if (!S_ISLNK(info.st_mode) && ::fchmodat(to_dir, name, info.st_mode & 07777, 0) != 0) return sys("chmod " + path);
  struct timespec times[2] = {info.st_atim, info.st_mtim};
  if (::utimensat(to_dir, name, times, AT_SYMLINK_NOFOLLOW) != 0) return sys("set times of " + path);
  return {};
}

Status copy_tree(int from_dir, int to_dir, const std::string& path, Inodes& inodes) {
  std::unique_ptr<DIR, int (*)(DIR*)> entries(::fdopendir(::dup(from_dir)), ::closedir);
  if (!entries) return sys("read " + path);
  while (struct dirent* entry = ::readdir(entries.get())) {
    const char* name = entry->d_name;
    if (std::string_view(name) == "." || std::string_view(name) == "..") continue;
    std::string child = path + "/" + name;
    struct stat info {};
    if (::fstatat(from_dir, name, &info, AT_SYMLINK_NOFOLLOW) != 0) return sys("stat " + child);
    if (S_ISDIR(info.st_mode)) {
      if (::mkdirat(to_dir, name, 0700) != 0) return sys("mkdir " + child);
      UniqueFd from(::openat(from_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      UniqueFd to(::openat(to_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!from.valid() || !to.valid()) return sys("open " + child);
      GORAE_TRY(copy_tree(from.get(), to.get(), child, inodes));
      copy_xattrs(from.get(), to.get());
      GORAE_TRY(copy_attributes(to.get(), info, child));
      continue;
    }
    auto key = std::pair{info.st_dev, info.st_ino};
    if (info.st_nlink > 1) {
      if (auto first = inodes.find(key); first != inodes.end()) {
        if (::linkat(first->second.first, first->second.second.c_str(), to_dir, name, 0) != 0)
          return sys("link " + child);
        continue;
      }
    }
    if (S_ISREG(info.st_mode)) GORAE_TRY(copy_file(from_dir, to_dir, name, info, child));
    else GORAE_TRY(copy_special(from_dir, to_dir, name, info, child));
    // The first copy of a linked inode is linked to by the others; its
    // directory stays open (dup) until the copy ends.
    if (info.st_nlink > 1) inodes[key] = {::dup(to_dir), name};
  }
  return {};
}

}  // namespace

Status copy_up(const std::string& rootfs, const std::string& destination, const std::string& volume_dir) {
  UniqueFd to(::open(volume_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!to.valid()) return sys("open " + volume_dir);
  {
    std::unique_ptr<DIR, int (*)(DIR*)> entries(::fdopendir(::dup(to.get())), ::closedir);
    if (!entries) return sys("read " + volume_dir);
    while (struct dirent* entry = ::readdir(entries.get()))
      if (std::string_view(entry->d_name) != "." && std::string_view(entry->d_name) != "..") return {};
  }
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return sys("open " + rootfs);
  struct open_how how {};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd from(static_cast<int>(::syscall(SYS_openat2, root.get(), destination.c_str(), &how, sizeof how)));
  if (!from.valid() && errno == ENOENT) return {};  // nothing in the image there
  if (!from.valid()) return sys("open " + rootfs + destination);
  struct stat info {};
  if (::fstat(from.get(), &info) != 0) return sys("stat " + rootfs + destination);
  if (!S_ISDIR(info.st_mode))
    return fail(Errc::invalid_argument, "source " + rootfs + destination + " is not a directory");
  Inodes inodes;
  Status copied = copy_tree(from.get(), to.get(), rootfs + destination, inodes);
  for (auto& [key, place] : inodes) ::close(place.first);
  GORAE_TRY(std::move(copied));
  copy_xattrs(from.get(), to.get());
  return copy_attributes(to.get(), info, volume_dir);
}

}  // namespace gorae::volumes
