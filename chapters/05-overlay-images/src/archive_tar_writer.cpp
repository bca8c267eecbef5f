// libarchive's writer behind a Status-returning face. A sink failure (the
// client hung up) is kept, so the caller sees it instead of libarchive's
// generic "write failed".
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <vector>

#include "archive_tar_writer.hpp"

namespace gorae::images::archive_detail {

void TarWriter::Free::operator()(struct archive* a) const { archive_write_free(a); }

TarWriter::TarWriter(const ArchiveSink& sink) : sink_(sink), archive_(archive_write_new()) {}

TarWriter::~TarWriter() = default;

long TarWriter::write_block(struct archive* a, void* self, const void* data, std::size_t size) {
  auto* writer = static_cast<TarWriter*>(self);
  auto status = writer->sink_(std::string_view(static_cast<const char*>(data), size));
  if (!status) {
    writer->sink_error_ = status.error();
    archive_set_error(a, EIO, "%s", status.error().what().c_str());
    return -1;
  }
  return static_cast<long>(size);
}

Status TarWriter::failed(const std::string& what) {
  if (sink_error_) return tl::unexpected(*sink_error_);
  return fail(Errc::system, what + ": " + archive_error_string(archive_.get()));
}

Status TarWriter::open() {
  struct archive* a = archive_.get();
  archive_write_set_format_pax_restricted(a);
  // Big blocks make few HTTP chunks; the last one is not padded out.
  archive_write_set_bytes_per_block(a, 1 << 16);
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open(a, this, nullptr, &TarWriter::write_block, nullptr) != ARCHIVE_OK)
    return failed("start the archive");
  return {};
}

Status TarWriter::header(const std::string& name, unsigned type, unsigned mode, std::int64_t size) {
  struct archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_filetype(entry, type);
  archive_entry_set_perm(entry, mode);
  archive_entry_set_size(entry, size);
  archive_entry_set_uid(entry, 0);
  archive_entry_set_gid(entry, 0);
  archive_entry_set_mtime(entry, 0, 0);
  int status = archive_write_header(archive_.get(), entry);
  archive_entry_free(entry);
  if (status != ARCHIVE_OK) return failed("write " + name);
  return {};
}

Status TarWriter::data(std::string_view bytes) {
  while (!bytes.empty()) {
    la_ssize_t n = archive_write_data(archive_.get(), bytes.data(), bytes.size());
    if (n <= 0) return failed("write archive data");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Status TarWriter::directory(const std::string& name) { return header(name + "/", AE_IFDIR, 0755, 0); }

Status TarWriter::file(const std::string& name, std::string_view content) {
  GORAE_TRY(header(name, AE_IFREG, 0644, static_cast<std::int64_t>(content.size())));
  return data(content);
}

Status TarWriter::file_from(const std::string& name, int fd, std::int64_t size) {
  GORAE_TRY(header(name, AE_IFREG, 0644, size));
  std::vector<char> buffer(1 << 16);
  std::int64_t offset = 0;
  while (offset < size) {
    auto want = static_cast<std::size_t>(std::min<std::int64_t>(size - offset, buffer.size()));
    ssize_t n = ::pread(fd, buffer.data(), want, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tl::unexpected(Error::from_errno("read " + name));
    if (n == 0) return fail(Errc::internal, name + " ended " + std::to_string(size - offset) + " bytes early");
    GORAE_TRY(data(std::string_view(buffer.data(), static_cast<std::size_t>(n))));
    offset += n;
  }
  return {};
}

Status TarWriter::close() {
  if (archive_write_close(archive_.get()) != ARCHIVE_OK) return failed("finish the archive");
  return {};
}

}  // namespace gorae::images::archive_detail
