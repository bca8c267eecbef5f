#pragma once
// Shared by archive_*.cpp: the archive's entries once read (the spool), and
// the layer helpers both directions need.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/images/archive.hpp"
#include "gorae/images/blob_store.hpp"

namespace gorae::images::archive_detail {

/// What reading the archive kept of one entry. Small top-level files
/// (manifest.json, index.json, a config) stay in memory; every other file
/// went into the blob store as it streamed past.
struct SpooledEntry {
  enum class Kind { text, blob, link };
  Kind kind = Kind::text;
  std::string text;  ///< text: the bytes; link: the clean path it points to
  Digest digest;     ///< blob
};

/// The archive's files by clean path, and which blobs the load created (so
/// that a failed or finished load removes what nothing uses).
struct Spool {
  std::map<std::string, SpooledEntry> entries;
  std::set<Digest> new_blobs;

  bool has(const std::string& path) const { return entries.count(path) != 0; }
  /// The file at `path`, following the archive's own symlinks and hard links.
  /// @return Errc::invalid_argument "<what> names <path>, which is not in the archive".
  Result<const SpooledEntry*> find(const std::string& path, const std::string& what) const;
  /// A file's bytes (at most 16 MiB: manifests, configs, index.json).
  Result<std::string> read_text(const BlobStore& blobs, const std::string& path,
                                const std::string& what) const;
  /// The blob holding a file.
  Result<Digest> blob(const std::string& path, const std::string& what) const;
};

/// One image found in an archive and checked, ready to be added.
struct PlannedImage {
  std::optional<Digest> manifest;  ///< OCI layout: the manifest blob to add
  std::string config_json;         ///< `docker save`: the config, added with `layers`
  Digest config;                   ///< the image ID either way
  std::vector<Descriptor> layers;
  std::vector<Reference> tags;
  Digest config_id() const { return config; }
};

/// The images of a spooled archive: manifest.json's when there is one (as
/// dockerd reads it, Docker 25's archives included), else index.json's.
/// Every config is parsed and every layer checked against its diff_id.
Result<std::vector<PlannedImage>> plan_images(const BlobStore& blobs, const Spool& spool);

/// Reads the whole tar (plain or compressed) from `source` into a Spool.
/// `existing` lists the blobs the store held before: the ones this load
/// writes anew are recorded in Spool::new_blobs.
Result<Spool> spool_archive(const BlobStore& blobs, const std::set<Digest>& existing,
                            const ArchiveSource& source, const LoadObserver& observer);

/// "./a//b/../c" → "a/c". Absolute paths and ".." above the top are refused:
/// an archive names its own files, never anything outside it.
/// @return Errc::invalid_argument "invalid path \"../x\"".
Result<std::string> clean_path(std::string_view path);

/// How a layer blob is compressed, told from its first bytes.
enum class Compression { none, gzip, zstd, other };
Result<Compression> sniff_compression(int fd);
/// The OCI layer media type for a compression.
std::string_view layer_media_type(Compression compression);

/// The uncompressed stream of a layer blob (plain, gzip, zstd, ...), passed to
/// `out` (may be empty) while it is hashed and counted.
struct Uncompressed {
  Digest digest;  ///< the diff_id the bytes have
  std::int64_t size = 0;
};
Result<Uncompressed> uncompress(int fd, const ArchiveSink& out);

/// Checks that a layer blob's uncompressed content has `diff_id`, as dockerd
/// checks each layer of an archive.
/// @return Errc::invalid_argument `invalid diffID for layer N: expected "...", got "..."`.
Status verify_layer(const BlobStore& blobs, const Digest& blob, const Digest& diff_id,
                    std::size_t index);

}  // namespace gorae::images::archive_detail
