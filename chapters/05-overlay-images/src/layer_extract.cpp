// Reading a layer with libarchive, two readers deep:
//
//   fd ──> outer reader (filters: gzip, zstd, xz, bzip2; format "raw")
//            │ the uncompressed stream, hashed as it passes: the diff_id
//            v
//          inner reader (format: tar) ──> EntryWriter, one entry at a time
//
// libarchive can decompress and untar in one reader, but then the
// uncompressed bytes never surface, and the diff_id is their digest.
//
// Why not libarchive's own archive_write_disk with ARCHIVE_EXTRACT_SECURE_*:
// it resolves names against the process's working directory (a daemon's
// threads share one, so it cannot chdir into each layer) and it knows nothing
// of whiteouts. EntryWriter makes the same three refusals (NODOTDOT,
// NOABSOLUTEPATHS, SYMLINKS), walking with openat(O_NOFOLLOW) from the layer's
// directory descriptor so that the kernel, not a string check, enforces them.
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include <archive.h>
#include <archive_entry.h>

#include "gorae/images/layer_store.hpp"
#include "layer_entries.hpp"

namespace gorae::images {
namespace {

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;
constexpr std::size_t kBlock = 1 << 16;

struct FdSource {  // feeds the outer reader
  FdSource(int descriptor, Sha256* compressed) : fd(descriptor), hasher(compressed) {}
  int fd;
  Sha256* hasher;  // null unless the compressed digest is wanted
  std::vector<char> buffer = std::vector<char>(kBlock);
};

struct OuterSource {  // feeds the inner reader with the uncompressed stream
  explicit OuterSource(archive* reader) : outer(reader) {}
  archive* outer;
  Sha256 hasher;
  std::vector<char> buffer = std::vector<char>(kBlock);
};

la_ssize_t read_fd(archive* a, void* data, const void** out) {
  auto* source = static_cast<FdSource*>(data);
  for (;;) {
    ssize_t n = ::read(source->fd, source->buffer.data(), source->buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      archive_set_error(a, errno, "read layer: %s", std::strerror(errno));
      return -1;
    }
    if (source->hasher) source->hasher->update(source->buffer.data(), static_cast<std::size_t>(n));
    *out = source->buffer.data();
    return n;
  }
}

la_ssize_t read_outer(archive* a, void* data, const void** out) {
  auto* source = static_cast<OuterSource*>(data);
  la_ssize_t n = archive_read_data(source->outer, source->buffer.data(), source->buffer.size());
  if (n < 0) {
    archive_set_error(a, archive_errno(source->outer), "%s", archive_error_string(source->outer));
    return -1;
  }
  source->hasher.update(source->buffer.data(), static_cast<std::size_t>(n));
  *out = source->buffer.data();
  return n;
}

tl::unexpected<Error> archive_error(archive* a, const std::string& what) {
  const char* message = archive_error_string(a);
  return tl::unexpected(Error(Errc::invalid_argument, what + ": " + (message ? message : "unknown error")));
}

Status drain(archive* outer, OuterSource& source) {
  for (;;) {  // tar's end marker may be followed by padding: the diff_id covers it too
    la_ssize_t n = archive_read_data(outer, source.buffer.data(), source.buffer.size());
    if (n < 0) return archive_error(outer, "read layer");
    if (n == 0) return {};
    source.hasher.update(source.buffer.data(), static_cast<std::size_t>(n));
  }
}

Status drain(FdSource& source) {
  for (;;) {
    ssize_t n = ::read(source.fd, source.buffer.data(), source.buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tl::unexpected(Error::from_errno("read layer"));
    if (n == 0) return {};
    if (source.hasher) source.hasher->update(source.buffer.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace

Result<ExtractResult> extract_layer(int fd, const std::string& dir, const ExtractOptions& options) {
  GORAE_ASSIGN_OR_RETURN(auto writer, detail::EntryWriter::open(dir));
  Sha256 compressed;
  FdSource fd_source(fd, options.compressed_digest ? &compressed : nullptr);

  ArchivePtr outer(archive_read_new(), archive_read_free);
  archive_read_support_filter_gzip(outer.get());
  archive_read_support_filter_zstd(outer.get());
  archive_read_support_filter_xz(outer.get());
  archive_read_support_filter_bzip2(outer.get());
  archive_read_support_format_raw(outer.get());
  archive_read_support_format_empty(outer.get());  // a zero-byte layer is an empty one
  if (archive_read_open(outer.get(), &fd_source, nullptr, read_fd, nullptr) != ARCHIVE_OK)
    return archive_error(outer.get(), "open layer");
  archive_entry* stream = nullptr;
  int rc = archive_read_next_header(outer.get(), &stream);
  if (rc < ARCHIVE_WARN) return archive_error(outer.get(), "open layer");

  OuterSource source(outer.get());
  if (rc != ARCHIVE_EOF) {
    ArchivePtr inner(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(inner.get());
    archive_read_support_format_empty(inner.get());
    if (archive_read_open(inner.get(), &source, nullptr, read_outer, nullptr) != ARCHIVE_OK)
      return archive_error(inner.get(), "read layer tar");
    for (;;) {
      archive_entry* entry = nullptr;
      rc = archive_read_next_header(inner.get(), &entry);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) return archive_error(inner.get(), "read layer tar");
      GORAE_TRY(writer.write(inner.get(), entry));
    }
    GORAE_TRY(drain(outer.get(), source));
  }
  GORAE_TRY(writer.finish());
  GORAE_TRY(drain(fd_source));

  ExtractResult result;
  result.diff_id = source.hasher.finish();
  if (options.compressed_digest) result.compressed_digest = compressed.finish();
  result.size = writer.size();
  return result;
}

std::vector<Digest> chain_ids(const std::vector<Digest>& diff_ids) {
  // LAB(05) chain-ids: The ChainID of each layer of a stack
  // The first is its diff_id; each next one is the sha256 of
  // "<previous ChainID> <diff_id>" (both as "sha256:<hex>").
  std::vector<Digest> chain;
  for (const auto& diff_id : diff_ids)
    chain.push_back(chain.empty() ? diff_id : Digest::of(chain.back().str() + " " + diff_id.str()));
  return chain;
  // LAB-END
}

}  // namespace gorae::images
