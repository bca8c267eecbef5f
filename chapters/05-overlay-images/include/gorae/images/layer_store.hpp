#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/images/digest.hpp"

namespace gorae::images {

struct ExtractOptions {
  /// Also hash the bytes as read from the descriptor (the blob digest of a
  /// compressed layer); the diff_id is always computed.
  bool compressed_digest = false;
};

struct ExtractResult {
  Digest diff_id;  ///< sha256 of the uncompressed tar stream, all of it
  std::optional<Digest> compressed_digest;
  std::int64_t size = 0;  ///< Docker's layer size: file bytes and symlink targets
};

/// Unpacks the layer tar read from `fd` (plain, gzip, zstd, xz or bzip2, told
/// apart by their first bytes) into the existing directory `dir`:
///  - ownership (numeric uid/gid, when running as root), modes, times,
///    extended attributes, hard links, symlinks, device nodes and fifos kept;
///  - whiteouts converted for overlayfs: `.wh.NAME` becomes a 0/0 character
///    device NAME, `.wh..wh..opq` the xattr trusted.overlay.opaque=y on its
///    directory (both need root);
///  - refused, naming the entry: absolute paths, ".." components, paths
///    through a symlink (even one the layer made), hard links whose target is
///    outside the layer.
/// On an error `dir` may hold part of the layer; LayerStore::unpack removes it.
/// @return Errc::invalid_argument for a refused entry or a broken archive.
Result<ExtractResult> extract_layer(int fd, const std::string& dir, const ExtractOptions& options = {});

/// The OCI ChainIDs of a stack of layers (image-spec config.md): the first
/// is its diff_id, each next one sha256("<previous chain ID> <diff_id>").
std::vector<Digest> chain_ids(const std::vector<Digest>& diff_ids);

/// Unpacked layers, one directory per diff_id: DIR/<hex>/diff holds the
/// files, DIR/<hex>/size Docker's layer size. A layer is unpacked into
/// DIR/.tmp-<random>/ and renamed into place only when its digest checks out,
/// so a layer directory is always complete. Reference counting is the image
/// store's: this class only stores. Safe to share between threads.
class LayerStore {
 public:
  /// `dir` is DATA_ROOT/images/layers; created if missing. Temporary
  /// directories a crash left behind are removed.
  static Result<LayerStore> create(std::string dir);

  bool exists(const Digest& diff_id) const;
  /// DIR/<hex>/diff: a lower directory for overlayfs.
  std::string diff_dir(const Digest& diff_id) const { return dir_ + "/" + diff_id.hex() + "/diff"; }
  /// @return the layer's size, or Errc::not_found.
  Result<std::int64_t> size(const Digest& diff_id) const;

  /// Unpacks the layer read from `fd` unless it is already there. When the
  /// uncompressed stream's sha256 is not `diff_id`, nothing is kept.
  /// @return the size; Errc::invalid_argument "layer sha256:...: content has
  ///         diff_id sha256:..." on a mismatch, or a refused entry.
  Result<std::int64_t> unpack(int fd, const Digest& diff_id) const;

  /// Removes the layer's directory. Missing is not an error.
  Status remove(const Digest& diff_id) const;
  Result<std::vector<Digest>> list() const;
  const std::string& dir() const { return dir_; }

 private:
  explicit LayerStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace gorae::images
