#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"
#include "gorae/images/digest.hpp"

namespace gorae::images {

/// One blob on its way into the store. Bytes go to a temporary file and
/// through the hasher as they arrive, so a blob of any size streams in;
/// commit() names it by its digest. Dropped without commit(), it leaves nothing.
class BlobWriter {
 public:
  BlobWriter(BlobWriter&& other) noexcept;
  BlobWriter& operator=(BlobWriter&&) = delete;
  ~BlobWriter();

  Status write(std::string_view data);
  std::int64_t written() const { return written_; }

  /// Checks the digest against `expected` (when given), fsyncs and renames the
  /// file to blobs/sha256/<hex>. On a mismatch nothing is stored.
  /// @return the digest; Errc::invalid_argument "digest mismatch: expected
  ///         sha256:..., got sha256:..."; Errc::system for I/O errors.
  Result<Digest> commit(const std::optional<Digest>& expected = std::nullopt);

 private:
  friend class BlobStore;
  BlobWriter(base::UniqueFd fd, std::string temp_path, std::string blob_dir);
  void discard();

  base::UniqueFd fd_;
  std::string temp_path_;
  std::string blob_dir_;
  Sha256 hasher_;
  std::int64_t written_ = 0;
};

/// Content-addressed blobs (manifests, configs, layer tars) under
/// DIR/sha256/<hex>, as an OCI image layout keeps them; temporary files live
/// in DIR/tmp. Stateless apart from the directory, so safe to share between
/// threads: two writers of the same content both end with the same file.
class BlobStore {
 public:
  /// `dir` is DATA_ROOT/images/blobs; created if missing. Temporary files a
  /// crash left behind are removed.
  static Result<BlobStore> create(std::string dir);

  Result<BlobWriter> writer() const;
  /// Stores `data`; see BlobWriter::commit for `expected`.
  Result<Digest> put(std::string_view data, const std::optional<Digest>& expected = {}) const;
  /// Stores everything read from `fd` until its end.
  Result<Digest> put_from(int fd, const std::optional<Digest>& expected = {}) const;

  bool exists(const Digest& digest) const;
  /// @return the size in bytes, or Errc::not_found.
  Result<std::int64_t> size(const Digest& digest) const;
  /// The whole blob in memory: meant for manifests and configs.
  Result<std::string> read(const Digest& digest) const;
  /// An O_RDONLY descriptor, for layers that stream.
  Result<base::UniqueFd> open_blob(const Digest& digest) const;
  /// @return Errc::not_found when it is not there.
  Status remove(const Digest& digest) const;
  Result<std::vector<Digest>> list() const;

  std::string path(const Digest& digest) const { return dir_ + "/sha256/" + digest.hex(); }
  const std::string& dir() const { return dir_; }

 private:
  explicit BlobStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace gorae::images
