#include "volume_files.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <set>
#include <utility>

#include "gorae/base/unique_fd.hpp"
#include "random_hex.hpp"

namespace gorae::volumes {
namespace {

// nftw's callbacks are plain functions: their results travel in these.
thread_local int remove_errno = 0;
thread_local std::string remove_failed_at;
thread_local std::uint64_t size_total = 0;
thread_local std::set<std::pair<dev_t, ino_t>>* size_seen = nullptr;

int remove_entry(const char* path, const struct stat*, int kind, struct FTW*) {
  int rc = kind == FTW_DP ? ::rmdir(path) : ::unlink(path);
  if (rc != 0 && errno != ENOENT) {
    remove_errno = errno;
    remove_failed_at = path;
    return 1;
  }
  return 0;
}

int add_size(const char*, const struct stat* info, int kind, struct FTW*) {
  if (kind == FTW_F || kind == FTW_SL) {
    if (size_seen->insert({info->st_dev, info->st_ino}).second)
      size_total += static_cast<std::uint64_t>(info->st_size);
  }
  return 0;
}

}  // namespace

Result<std::string> random_id() { return images::detail::random_hex(64); }

Status remove_tree(const std::string& path) {
  remove_errno = 0;
  remove_failed_at.clear();
  // FTW_MOUNT keeps to the tree's own filesystem; FTW_PHYS never follows a link.
  int rc = ::nftw(path.c_str(), remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (rc == 0) return {};
  if (rc < 0 && errno == ENOENT) return {};
  int error = remove_errno != 0 ? remove_errno : errno;
  return tl::unexpected(Error::from_errno(error, "remove " + (remove_failed_at.empty() ? path : remove_failed_at)));
}

std::uint64_t tree_size(const std::string& path) {
  std::set<std::pair<dev_t, ino_t>> seen;
  size_seen = &seen;
  size_total = 0;
  ::nftw(path.c_str(), add_size, 32, FTW_PHYS);
  size_seen = nullptr;
  return size_total;
}

}  // namespace gorae::volumes
