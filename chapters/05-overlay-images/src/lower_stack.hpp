#pragma once
// The read-only layers under a container, seen as overlayfs merges them,
// for answering "did this path exist before the container ran?" without a
// mount: whiteouts hide names, opaque directories and non-directories hide
// what lies below them.

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::images::detail {

/// A 0/0 character device: overlayfs' mark for a deleted name.
bool is_whiteout(const struct stat& st);
/// A directory marked trusted.overlay.opaque=y: nothing below it shows through.
bool is_opaque_dir(const std::string& path);
/// The raw security.capability xattr ("" when there is none).
std::string file_capability(const std::string& path);
/// The names in directory `dir` without "." and "..", sorted as Go's
/// filepath.Walk visits them (diff and commit list the same order).
Result<std::vector<std::string>> sorted_names(const std::string& dir);

class LowerStack {
 public:
  /// `lowest_first`: the layers' directories, as OverlayLayout::lower.
  explicit LowerStack(const std::vector<std::string>& lowest_first);

  /// lstat of `path` ("/etc/passwd") in the merged view, or nullopt when no
  /// layer shows it. `real` receives the file in the layer that provides it.
  std::optional<struct stat> lookup(const std::string& path, std::string* real = nullptr) const;
  /// The names the merged directory `path` lists, sorted; none for a path
  /// that is not a directory there.
  std::vector<std::string> children(const std::string& path) const;

 private:
  enum class Seen { hidden, absent, found };
  // How `path` looks in layer `index`, and whether layers below it are
  // hidden from `path` by an opaque directory on the way.
  Seen look(std::size_t index, const std::string& path, struct stat& st, bool& stop_below) const;

  std::vector<std::string> top_first_;
};

}  // namespace gorae::images::detail
