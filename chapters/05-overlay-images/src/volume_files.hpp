#pragma once
// The file work under the volume store: names, trees, sizes.

#include <cstdint>
#include <string>

#include "gorae/base/error.hpp"

namespace gorae::volumes {

/// dockerd's stringid.GenerateRandomID: 32 random bytes as 64 hex digits.
Result<std::string> random_id();

/// Removes `path` and everything under it without leaving its filesystem:
/// a mount inside (which nothing should have put there) makes it fail
/// rather than empty the mounted filesystem.
Status remove_tree(const std::string& path);

/// Bytes of everything but directories under `path`, each inode once.
std::uint64_t tree_size(const std::string& path);

}  // namespace gorae::volumes
