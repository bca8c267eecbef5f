#pragma once

#include <cstddef>
#include <string>

#include "gorae/base/error.hpp"
#include "gorae/images/archive.hpp"

namespace gorae::images {

/// Writes a container's overlay upper directory as an uncompressed layer
/// tar, as Docker's overlay2 driver exports it (archive.TarWithOptions with
/// its overlay whiteout converter): entries in name order, a directory
/// before what it holds, owners numeric, times in whole seconds, hard links
/// as links to the first name, security.capability kept (no other xattr);
///  - a whiteout (0/0 character device) NAME becomes an empty file
///    `.wh.NAME`, mode 0600 (OCI image-spec layer.md, "Whiteouts");
///  - an opaque directory (trusted.overlay.opaque=y) is followed by an empty
///    `DIR/.wh..wh..opq` with the directory's permissions and owner;
///  - sockets are left out, as Go's tar writer cannot hold them.
/// The upper directory's root is not an entry. Output goes to `sink`.
/// @return how many entries were written (0: the container changed
///         nothing, Docker's empty layer); an error naming the file that
///         could not be read, or the sink's error.
Result<std::size_t> write_upper_layer(const std::string& upper, const ArchiveSink& sink);

}  // namespace gorae::images
