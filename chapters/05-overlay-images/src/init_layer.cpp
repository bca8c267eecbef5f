// The init layer: Docker's answer to "the engine wrote these, not the
// container". Without it, the mount points and device nodes made at create
// time land in the container's upper directory and every docker diff
// starts with "C /dev, A /dev/null, ...".
#include "gorae/images/init_layer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "gorae/base/unique_fd.hpp"
#include "lower_stack.hpp"

namespace gorae::images {
namespace {

struct InitPath {
  const char* path;
  enum Kind { dir, file, symlink, device } kind;
  unsigned major = 0, minor = 0;
  const char* target = nullptr;
};

// Parents before children; Docker's list plus chapter 02's device nodes.
constexpr InitPath kInitPaths[] = {
    {"/dev", InitPath::dir},          {"/dev/pts", InitPath::dir},
    {"/dev/shm", InitPath::dir},      {"/dev/console", InitPath::file},
    {"/dev/null", InitPath::device, 1, 3},   {"/dev/zero", InitPath::device, 1, 5},
    {"/dev/full", InitPath::device, 1, 7},   {"/dev/random", InitPath::device, 1, 8},
    {"/dev/urandom", InitPath::device, 1, 9}, {"/dev/tty", InitPath::device, 5, 0},
    {"/proc", InitPath::dir},         {"/sys", InitPath::dir},
    {"/etc", InitPath::dir},          {"/etc/hosts", InitPath::file},
    {"/etc/hostname", InitPath::file}, {"/etc/resolv.conf", InitPath::file},
    {"/etc/mtab", InitPath::symlink, 0, 0, "/proc/mounts"},
};

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

Status make_one(const std::string& dir, const InitPath& entry, const detail::LowerStack& image) {
  std::string target = dir + entry.path;
  auto shown = image.lookup(entry.path);
  if (entry.kind == InitPath::dir) {
    if (shown && !S_ISDIR(shown->st_mode)) return {};
    // An image directory is made again with its own mode and owner: the
    // merged directory takes them from the topmost layer that has it.
    mode_t mode = shown && S_ISDIR(shown->st_mode) ? shown->st_mode & 07777 : 0755;
    if (::mkdir(target.c_str(), mode) != 0 && errno != EEXIST)
      return tl::unexpected(Error::from_errno("mkdir " + target));
    if (::chmod(target.c_str(), mode) != 0) return tl::unexpected(Error::from_errno("chmod " + target));
    if (shown && S_ISDIR(shown->st_mode) && ::lchown(target.c_str(), shown->st_uid, shown->st_gid) != 0)
      return tl::unexpected(Error::from_errno("chown " + target));
    return {};
  }
  if (shown) return {};
  int made = 0;
  switch (entry.kind) {
    case InitPath::file: {
      base::UniqueFd fd(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      made = fd.valid() ? 0 : -1;
      break;
    }
    case InitPath::symlink: made = ::symlink(entry.target, target.c_str()); break;
    case InitPath::device:
      made = ::mknod(target.c_str(), S_IFCHR | 0666, makedev(entry.major, entry.minor));
      if (made == 0) made = ::chmod(target.c_str(), 0666);  // mknod is filtered by the umask
      break;
    case InitPath::dir: break;
  }
  if (made != 0 && errno != EEXIST) return tl::unexpected(Error::from_errno("create " + target));
  return {};
}

}  // namespace

Status make_init_layer(const std::string& dir, const std::vector<std::string>& image_layers) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return tl::unexpected(Error::from_errno("mkdir " + dir));
  detail::LowerStack image(image_layers);
  for (const auto& entry : kInitPaths) {
    std::string parent = parent_of(entry.path);
    if (!parent.empty()) {
      // Under an image's non-directory (an /etc that is a symlink) nothing
      // is made: the image's own entry wins there.
      auto shown = image.lookup(parent);
      struct stat here {};
      if ((shown && !S_ISDIR(shown->st_mode)) || ::lstat((dir + parent).c_str(), &here) != 0) continue;
    }
    GORAE_TRY(make_one(dir, entry, image));
  }
  return {};
}

}  // namespace gorae::images
