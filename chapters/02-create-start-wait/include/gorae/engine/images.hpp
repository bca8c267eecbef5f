#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::engine {

/// What an image says about how to run it (Docker's image config).
struct ImageConfig {
  std::vector<std::string> cmd;
  std::optional<std::vector<std::string>> entrypoint;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
  std::vector<std::string> volumes;  ///< Volumes: paths that get an anonymous volume
};

struct Image {
  std::string id;                      ///< "sha256:<64 hex>", stable for the content
  std::vector<std::string> repo_tags;  ///< "busybox:latest"
  std::chrono::system_clock::time_point created;
  std::int64_t size = 0;  ///< bytes in the root filesystem
  ImageConfig config;
};

/// Where images come from and how a container gets its root filesystem.
/// Chapter 02: a directory per image, copied for each container. Chapter 05
/// replaces it with content-addressed layers and an overlay mount.
class ImageStore {
 public:
  virtual ~ImageStore() = default;
  /// Looks up "busybox", "busybox:latest", "docker.io/library/busybox:latest",
  /// an image ID or a unique ID prefix.
  /// @return Errc::not_found with Docker's "No such image: busybox:latest".
  virtual Result<Image> find(const std::string& reference) const = 0;
  virtual std::vector<Image> list() const = 0;
  /// Gives a container its own root filesystem at `rootfs_dir` (which must not
  /// exist yet), so nothing it does can change the image.
  virtual Status prepare_rootfs(const Image& image, const std::string& rootfs_dir) = 0;
  /// Makes sure what prepare_rootfs made is there before the container
  /// starts: a root filesystem that is a mount (chapter 05's overlay) is gone
  /// after a reboot, and its image (`image_id`) says how to mount it again.
  /// Chapter 02's copies are always there.
  virtual Status mount_rootfs(const std::string& image_id, const std::string& rootfs_dir) {
    (void)image_id;
    (void)rootfs_dir;
    return {};
  }
  /// Removes what prepare_rootfs made.
  virtual Status release_rootfs(const std::string& rootfs_dir) = 0;
};

/// Images as directories: `DIR/NAME/TAG/{rootfs/, config.json}`. On first
/// use, the images bundled with gorae (`bundled_dir`, built by CMake) are
/// copied in; an empty `bundled_dir` copies nothing.
Result<std::unique_ptr<ImageStore>> open_directory_images(const std::string& images_dir,
                                                         const std::string& bundled_dir);

/// "busybox" → "busybox:latest"; "docker.io/library/busybox" → "busybox:latest".
std::string normalize_reference(const std::string& reference);

}  // namespace gorae::engine
