// Layer blobs as archives carry them: the same tar stream, plain or
// compressed. A layer's identity (its diff_id) is the sha256 of the plain
// stream, so checking or saving a compressed layer means inflating it.
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "archive_internal.hpp"

namespace gorae::images::archive_detail {
namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

}  // namespace

Result<Compression> sniff_compression(int fd) {
  unsigned char magic[4] = {};
  ssize_t n;
  do {
    n = ::pread(fd, magic, sizeof magic, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return tl::unexpected(Error::from_errno("read layer"));
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return Compression::gzip;
  if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return Compression::zstd;
  if (n >= 3 && ((magic[0] == 0xfd && magic[1] == '7') || (magic[0] == 'B' && magic[1] == 'Z')))
    return Compression::other;  // xz, bzip2: no OCI media type names them
  return Compression::none;
}

std::string_view layer_media_type(Compression compression) {
  switch (compression) {
    case Compression::gzip: return media_type::kOciLayerGzip;
    case Compression::zstd: return media_type::kOciLayerZstd;
    default: return media_type::kOciLayer;
  }
}

Result<Uncompressed> uncompress(int fd, const ArchiveSink& out) {
  std::unique_ptr<struct archive, ArchiveFree> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  // "raw": no format, just the (decompressed) bytes as one entry.
  archive_read_support_format_raw(a.get());
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK)
    return fail(Errc::invalid_argument, std::string("read layer: ") + archive_error_string(a.get()));
  struct archive_entry* entry = nullptr;
  Sha256 hasher;
  Uncompressed result;
  int status = archive_read_next_header(a.get(), &entry);
  if (status == ARCHIVE_EOF) return Uncompressed{hasher.finish(), 0};  // an empty blob
  if (status < ARCHIVE_WARN)
    return fail(Errc::invalid_argument, std::string("read layer: ") + archive_error_string(a.get()));
  std::vector<char> buffer(1 << 16);
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
    if (n < 0)
      return fail(Errc::invalid_argument, std::string("read layer: ") + archive_error_string(a.get()));
    if (n == 0) break;
    std::string_view piece(buffer.data(), static_cast<std::size_t>(n));
    hasher.update(piece);
    result.size += n;
    if (out) GORAE_TRY(out(piece));
  }
  result.digest = hasher.finish();
  return result;
}

Status verify_layer(const BlobStore& blobs, const Digest& blob, const Digest& diff_id,
                    std::size_t index) {
  GORAE_ASSIGN_OR_RETURN(auto fd, blobs.open_blob(blob));
  GORAE_ASSIGN_OR_RETURN(auto compression, sniff_compression(fd.get()));
  Digest actual = blob;  // a plain blob's digest is its diff_id: no need to read it
  if (compression != Compression::none) {
    GORAE_ASSIGN_OR_RETURN(auto inflated, uncompress(fd.get(), {}));
    actual = inflated.digest;
  }
  if (actual == diff_id) return {};
  return fail(Errc::invalid_argument, "invalid diffID for layer " + std::to_string(index) +
                                          ": expected \"" + diff_id.str() + "\", got \"" +
                                          actual.str() + "\"");
}

}  // namespace gorae::images::archive_detail
