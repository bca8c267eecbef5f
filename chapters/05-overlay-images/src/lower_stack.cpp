// Overlayfs' lookup rules, replayed on the layer directories themselves
// (Documentation/filesystems/overlayfs.rst, "whiteouts and opaque
// directories"): a name is taken from the topmost layer that has it; a
// whiteout there ends the search, and so does a non-directory or an opaque
// directory on the way down to it.
#include "lower_stack.hpp"

#include <dirent.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <memory>
#include <set>

namespace gorae::images::detail {
namespace {

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

Result<std::vector<std::string>> sorted_names(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> listing(::opendir(dir.c_str()), ::closedir);
  if (!listing) return tl::unexpected(Error::from_errno("read directory " + dir));
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(listing.get())) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool is_opaque_dir(const std::string& path) {
  char value[2] = {};
  return ::lgetxattr(path.c_str(), "trusted.overlay.opaque", value, sizeof value) == 1 && value[0] == 'y';
}

std::string file_capability(const std::string& path) {
  char value[256];
  ssize_t n = ::lgetxattr(path.c_str(), "security.capability", value, sizeof value);
  return n > 0 ? std::string(value, static_cast<std::size_t>(n)) : std::string();
}

LowerStack::LowerStack(const std::vector<std::string>& lowest_first)
    : top_first_(lowest_first.rbegin(), lowest_first.rend()) {}

LowerStack::Seen LowerStack::look(std::size_t index, const std::string& path, struct stat& st,
                                  bool& stop_below) const {
  stop_below = false;
  std::string real = top_first_[index];
  auto parts = components(path);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    real += "/" + parts[i];
    if (::lstat(real.c_str(), &st) != 0) return Seen::absent;
    if (is_whiteout(st) || !S_ISDIR(st.st_mode)) return Seen::hidden;
    if (is_opaque_dir(real)) stop_below = true;
  }
  if (!parts.empty()) real += "/" + parts.back();
  if (::lstat(real.c_str(), &st) != 0) return Seen::absent;
  return is_whiteout(st) ? Seen::hidden : Seen::found;
}

std::optional<struct stat> LowerStack::lookup(const std::string& path, std::string* real) const {
  for (std::size_t i = 0; i < top_first_.size(); ++i) {
    struct stat st {};
    bool stop_below = false;
    Seen seen = look(i, path, st, stop_below);
    if (seen == Seen::found) {
      if (real) *real = top_first_[i] + (path == "/" ? "" : path);
      return st;
    }
    if (seen == Seen::hidden || stop_below) return std::nullopt;
  }
  return std::nullopt;
}

std::vector<std::string> LowerStack::children(const std::string& path) const {
  std::set<std::string> decided;  // names an upper layer listed or whited out
  std::vector<std::string> names;
  for (std::size_t i = 0; i < top_first_.size(); ++i) {
    struct stat st {};
    bool stop_below = false;
    Seen seen = look(i, path, st, stop_below);
    if (seen == Seen::hidden) break;
    if (seen == Seen::absent) {
      if (stop_below) break;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) break;
    std::string dir = top_first_[i] + (path == "/" ? "" : path);
    std::unique_ptr<DIR, int (*)(DIR*)> listing(::opendir(dir.c_str()), ::closedir);
    while (listing) {
      struct dirent* entry = ::readdir(listing.get());
      if (!entry) break;
      std::string name = entry->d_name;
      if (name == "." || name == ".." || !decided.insert(name).second) continue;
      struct stat child {};
      if (::lstat((dir + "/" + name).c_str(), &child) == 0 && !is_whiteout(child)) names.push_back(name);
    }
    if (stop_below || is_opaque_dir(dir)) break;
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace gorae::images::detail
