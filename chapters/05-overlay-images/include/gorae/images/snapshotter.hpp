#pragma once

#include <string>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::images {

/// One container's root filesystem: an image's layers, read-only, under a
/// writable layer of its own, joined by overlayfs.
struct OverlayLayout {
  std::vector<std::string> lower;  ///< the layers' diff directories, lowest (base) first
  std::string upper;               ///< the container's writes
  std::string work;                ///< overlayfs's scratch space, same filesystem as upper
  std::string target;              ///< where the merged tree appears
};

/// Mounts overlays the way Docker's overlay2 driver does. The mount options
/// must fit in one page (4096 bytes) and a layer's path is long, so each
/// layer gets a short link, `LINKS/<20 characters>` → its diff directory,
/// and the mount names the links relative to LINKS from a helper process
/// that changed its working directory there: an image of 100 layers stays
/// under the limit.
class Snapshotter {
 public:
  /// `links_dir` holds the short links (created if missing).
  explicit Snapshotter(std::string links_dir);

  /// Makes upper, work and target if missing, then mounts.
  /// @return Errc::invalid_argument when even short names do not fit.
  Status mount(const OverlayLayout& layout) const;
  /// Unmounts `target` (nothing to do when it is not mounted).
  Status unmount(const std::string& target) const;

  /// Removes the short link of a layer directory that no overlay will name
  /// again (a container's own init layer). Missing is not an error.
  Status remove_link(const std::string& diff_dir) const;

  /// The short link name for a layer directory (stable: derived from its path).
  std::string link_name(const std::string& diff_dir) const;
  /// The data string mount(2) gets, with lower layers top first.
  std::string options(const OverlayLayout& layout) const;

 private:
  Status ensure_link(const std::string& diff_dir) const;
  std::string links_dir_;
};

/// True when `path` is a mount point (its device differs from its parent's,
/// or /proc/self/mountinfo lists it).
bool is_mount_point(const std::string& path);

}  // namespace gorae::images
