#pragma once

#include <string>

#include "gorae/base/error.hpp"

namespace gorae::volumes {

/// Docker's copy-up of image content into a new volume: when `volume_dir`
/// is empty, what the container's root filesystem `rootfs` has at
/// `destination` (resolved inside the rootfs: no symlink leads out of it)
/// is copied in, with owners, modes, times, hard and symbolic links, device
/// nodes and extended attributes; the volume directory itself takes the
/// source directory's owner and mode. A volume with files in it, or no
/// such path in the image, is left as it is.
/// @return Errc::invalid_argument "source PATH is not a directory" for a
///         file at `destination`; Errc::system for a failed copy.
Status copy_up(const std::string& rootfs, const std::string& destination, const std::string& volume_dir);

}  // namespace gorae::volumes
