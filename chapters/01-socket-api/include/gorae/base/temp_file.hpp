#pragma once

#include <string>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"

namespace gorae::base {

/// A new, empty file in `dir` that has no name, open for reading and
/// writing: its blocks are freed when the last descriptor to it closes, so
/// no exit path, crash included, can leave it behind. It is made with
/// O_TMPFILE (open(2)); where the filesystem lacks that (EOPNOTSUPP: NFS,
/// older FUSE), a named file is created with mkostemp(3) and unlinked at once.
/// @return the descriptor (O_CLOEXEC); Errc::not_found when `dir` does not
///         exist, Errc::system for other errors (EACCES, ENOSPC, ...).
Result<UniqueFd> open_unnamed_file(const std::string& dir);

}  // namespace gorae::base
