// Safe paths inside a layer directory. The rule is simple to state and to
// check: a name is split into components, "/" and ".." are refused outright,
// and the directories are walked with openat(O_NOFOLLOW) from the layer root,
// so neither a crafted name nor a symlink the same layer made earlier can
// lead a write outside (CVE-2018-15664-style escapes need one of the two).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "layer_fs.hpp"

namespace gorae::images::detail {
namespace {

using base::UniqueFd;

tl::unexpected<Error> sys_error(const std::string& what) {
  return tl::unexpected(Error::from_errno(what));
}

// The names in a directory, read through a descriptor of its own so the
// stream is closed before the caller descends (deep trees would pile up fds).
Result<std::vector<std::string>> list_names(int dir, const std::string& path) {
  int listing = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* raw = listing >= 0 ? ::fdopendir(listing) : nullptr;
  if (!raw) {
    auto error = sys_error("read " + path);
    if (listing >= 0) ::close(listing);
    return error;
  }
  std::unique_ptr<DIR, int (*)(DIR*)> stream(raw, ::closedir);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(stream.get())) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

tl::unexpected<Error> refuse(const std::string& entry, const std::string& why) {
  return tl::unexpected(Error(Errc::invalid_argument, "refusing layer entry \"" + entry + "\": " + why));
}

Result<std::vector<std::string>> split_entry_path(std::string_view path, const std::string& entry) {
  // LAB(05) entry-path: Split a layer entry's path into names, refusing any that leaves the layer
  // "./usr//bin/" is usr, bin. An absolute path or a ".." component is
  // refused with the entry's name: a layer writes only beneath its own directory.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  if (!path.empty() && path.front() == '/')
    return refuse(entry, "absolute paths would be written outside the layer");
  std::vector<std::string> components;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") return refuse(entry, "\"..\" would leave the layer");
    components.emplace_back(part);
  }
  return components;
  // LAB-END
}

Result<UniqueFd> open_beneath(int root, const std::vector<std::string>& components,
                              std::size_t count, bool create, const std::string& entry) {
  UniqueFd dir(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  if (!dir.valid()) return sys_error("dup layer root");
  std::string walked;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& name = components[i];
    walked += (walked.empty() ? "" : "/") + name;
    int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::openat(dir.get(), name.c_str(), flags);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(dir.get(), name.c_str(), 0755) != 0 && errno != EEXIST)
        return sys_error("mkdir " + walked + " for layer entry " + entry);
      fd = ::openat(dir.get(), name.c_str(), flags);
    }
    if (fd < 0) {
      int err = errno;
      struct stat st {};
      if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode))
          return refuse(entry, "\"" + walked + "\" is a symlink, and paths never go through one");
        if (!S_ISDIR(st.st_mode)) return refuse(entry, "\"" + walked + "\" is not a directory");
      }
      return tl::unexpected(Error::from_errno(err, "open " + walked + " for layer entry " + entry));
    }
    dir.reset(fd);
  }
  return dir;
}

Status remove_at(int dir, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? Status{} : sys_error("stat " + name);
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT) return sys_error("remove " + name);
    return {};
  }
  // A mode such as 0500 would stop an unprivileged owner from emptying the
  // directory, so give the owner full access first (it is not a symlink).
  if ((st.st_mode & 0700) != 0700) ::fchmodat(dir, name.c_str(), 0700, 0);
  UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return sys_error("open " + name + " to remove it");
  GORAE_ASSIGN_OR_RETURN(auto children, list_names(fd.get(), name));
  for (const auto& child : children) {
    auto status = remove_at(fd.get(), child);
    if (!status) return tl::unexpected(std::move(status).error().wrap(name));
  }
  if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return sys_error("remove " + name);
  return {};
}

Status remove_tree(const std::string& path) {
  auto slash = path.rfind('/');
  std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  UniqueFd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return errno == ENOENT ? Status{} : sys_error("open " + parent);
  return remove_at(dir.get(), name);
}

}  // namespace gorae::images::detail
