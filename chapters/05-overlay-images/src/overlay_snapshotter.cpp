// The overlay mount under each container: lowerdir = the image's layers (top
// first, as overlayfs wants them), upperdir/workdir = the container's own.

#include "gorae/images/snapshotter.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace gorae::images {
namespace {

namespace fs = std::filesystem;

// One page: mount(2) copies at most this much of the data string.
constexpr std::size_t kPageLimit = 4096;

Status make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return fail(Errc::system, "create " + path + ": " + ec.message());
  return {};
}

}  // namespace

Snapshotter::Snapshotter(std::string links_dir) : links_dir_(std::move(links_dir)) {}

std::string Snapshotter::link_name(const std::string& diff_dir) const {
  // 20 hex digits of a hash of the path: short, stable, and distinct enough
  // for the layers of one machine (Docker draws 26 random characters).
  static const char* hex = "0123456789abcdef";
  std::size_t a = std::hash<std::string>{}(diff_dir);
  std::size_t b = std::hash<std::string>{}(diff_dir + "#");
  std::string name;
  for (int i = 0; i < 10; ++i) name += hex[(a >> (4 * i)) & 15];
  for (int i = 0; i < 10; ++i) name += hex[(b >> (4 * i)) & 15];
  return name;
}

std::string Snapshotter::options(const OverlayLayout& layout) const {
  // LAB(05) overlay-options: The overlay's mount options, lower layers by their short links
  // overlayfs reads lowerdir top first, the layout lists the base first;
  // "lowerdir=A:B,upperdir=U,workdir=W", A and B relative to the links directory.
  std::string lower;
  for (auto layer = layout.lower.rbegin(); layer != layout.lower.rend(); ++layer) {
    if (!lower.empty()) lower += ':';
    lower += link_name(*layer);
  }
  return "lowerdir=" + lower + ",upperdir=" + layout.upper + ",workdir=" + layout.work;
  // LAB-END
}

Status Snapshotter::ensure_link(const std::string& diff_dir) const {
  std::string link = links_dir_ + "/" + link_name(diff_dir);
  std::error_code ec;
  if (fs::is_symlink(link, ec)) {
    if (fs::read_symlink(link, ec) == diff_dir) return {};
    return fail(Errc::internal, "short link " + link + " points elsewhere than " + diff_dir);
  }
  if (::symlink(diff_dir.c_str(), link.c_str()) != 0 && errno != EEXIST)
    return tl::unexpected(Error::from_errno("symlink " + link));
  return {};
}

Status Snapshotter::remove_link(const std::string& diff_dir) const {
  std::string link = links_dir_ + "/" + link_name(diff_dir);
  if (::unlink(link.c_str()) != 0 && errno != ENOENT) return tl::unexpected(Error::from_errno("remove " + link));
  return {};
}

Status Snapshotter::mount(const OverlayLayout& layout) const {
  if (layout.lower.empty()) return fail(Errc::invalid_argument, "an overlay needs at least one layer");
  GORAE_TRY(make_dirs(links_dir_));
  for (const auto& layer : layout.lower) GORAE_TRY(ensure_link(layer));
  GORAE_TRY(make_dirs(layout.upper));
  GORAE_TRY(make_dirs(layout.work));
  GORAE_TRY(make_dirs(layout.target));
  const std::string data = options(layout);
  if (data.size() >= kPageLimit)
    return fail(Errc::invalid_argument, "the image has too many layers (" +
                                            std::to_string(layout.lower.size()) +
                                            ") for one overlay mount");
  // The relative lowerdir names need LINKS as the working directory, which
  // is per process: a child changes it, mounts and reports, and the
  // daemon's threads keep theirs. It makes only system calls.
  const char* links = links_dir_.c_str();
  const char* target = layout.target.c_str();
  const char* options_text = data.c_str();
  pid_t child = ::fork();
  if (child < 0) return tl::unexpected(Error::from_errno("fork"));
  if (child == 0) {
    if (::chdir(links) != 0) ::_exit(errno);
    ::_exit(::mount("overlay", target, "overlay", 0, options_text) == 0 ? 0 : errno);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return tl::unexpected(Error::from_errno("waitpid"));
  if (!WIFEXITED(status)) return fail(Errc::system, "the overlay mount helper died");
  if (int error = WEXITSTATUS(status); error != 0)
    return tl::unexpected(Error::from_errno(error, "mount overlay on " + layout.target + " (" + data + ")"));
  return {};
}

Status Snapshotter::unmount(const std::string& target) const {
  if (!is_mount_point(target)) return {};
  if (::umount2(target.c_str(), 0) != 0)
    return tl::unexpected(Error::from_errno("unmount " + target));
  return {};
}

bool is_mount_point(const std::string& path) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point;
    fields >> id >> parent >> device >> root >> mount_point;
    if (mount_point == path) return true;
  }
  return false;
}

}  // namespace gorae::images
