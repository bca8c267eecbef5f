#pragma once

#include <string>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::images {

/// One entry of `GET /containers/{id}/changes` (Docker's archive.Change).
struct Change {
  enum class Kind { modified = 0, added = 1, deleted = 2 };  ///< the numbers the API sends
  std::string path;  ///< absolute inside the container: "/etc/passwd"
  Kind kind = Kind::modified;

  bool operator==(const Change&) const = default;
};

/// "C", "A" or "D", as `docker diff` prints them.
const char* to_string(Change::Kind kind);

/// What a container did to its root filesystem, read from its overlay
/// upper directory against the read-only layers under it (`lower`, lowest
/// first, as OverlayLayout lists them). The answer is the one Docker gives
/// by comparing the two whole trees (archive.ChangesDirs), found by walking
/// the upper directory only:
///  - a path no lower layer shows is added (A), with everything below it;
///  - a path a lower layer shows is modified (C) when its type, mode, owner,
///    device, file capability or symlink target differs, or for a
///    non-directory its size or mtime (a copied-up file left as it was is
///    no change);
///  - a whiteout (0/0 character device) whose name a lower layer shows is
///    deleted (D); so is every lower name under an opaque directory
///    (trusted.overlay.opaque=y) that the upper one does not have again;
///  - a directory with any change below it is modified, listed before them.
/// Within a directory, entries come in name order and deletions last
/// (Docker's own order there is its map's, so random).
/// @return an error naming the directory that could not be read.
Result<std::vector<Change>> container_changes(const std::string& upper, const std::vector<std::string>& lower);

}  // namespace gorae::images
