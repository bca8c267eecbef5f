#pragma once
// Path handling for layer extraction: every name in a layer tar is treated as
// hostile until it has been split, checked and walked one directory at a time.

#include <string>
#include <string_view>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"

namespace gorae::images::detail {

/// "./usr//bin/" → {"usr", "bin"}; "." and "./" → {} (the layer's root).
/// @return Errc::invalid_argument naming `entry` for an absolute path or any
///         ".." component: both would let a layer write outside its directory.
Result<std::vector<std::string>> split_entry_path(std::string_view path, const std::string& entry);

/// Opens the directory `components[0..count)` below `root`, one component at
/// a time with O_NOFOLLOW, so no symlink is ever followed: a layer that makes
/// `link -> /` and then writes `link/etc/passwd` is refused here, by the
/// kernel, not by string comparison. With `create`, missing directories are
/// made (0755), as tar does for entries whose parents the archive omits.
/// @return an O_RDONLY directory descriptor; Errc::invalid_argument naming
///         `entry` and the symlink or non-directory in the way.
Result<base::UniqueFd> open_beneath(int root, const std::vector<std::string>& components,
                                    std::size_t count, bool create, const std::string& entry);

/// Removes `name` in `dir` and, for a directory, all it holds, without
/// following symlinks. Missing is not an error.
Status remove_at(int dir, const std::string& name);
/// The same for a path (used for whole temporary layer directories).
Status remove_tree(const std::string& path);

/// "refusing layer entry \"<entry>\": <why>" as Errc::invalid_argument.
tl::unexpected<Error> refuse(const std::string& entry, const std::string& why);

}  // namespace gorae::images::detail
