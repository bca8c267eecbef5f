#pragma once
// A tar stream written with libarchive, straight to an ArchiveSink.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gorae/images/archive.hpp"

struct archive;

namespace gorae::images::archive_detail {

/// Writes a tar (ustar, pax when a name needs it) as `docker save` does:
/// every entry owned by 0:0, dated 1970, so the same images give the same
/// bytes. Output goes to the sink in 64 KiB blocks.
class TarWriter {
 public:
  explicit TarWriter(const ArchiveSink& sink);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  Status open();
  Status directory(const std::string& name);
  Status file(const std::string& name, std::string_view content);
  /// A file of `size` bytes read from `fd` (from its start).
  Status file_from(const std::string& name, int fd, std::int64_t size);
  /// Writes the end-of-archive blocks and flushes the last block.
  Status close();

 private:
  struct Free {
    void operator()(struct archive* a) const;
  };
  Status header(const std::string& name, unsigned type, unsigned mode, std::int64_t size);
  Status data(std::string_view bytes);
  Status failed(const std::string& what);
  static long write_block(struct archive* a, void* self, const void* data, std::size_t size);

  const ArchiveSink& sink_;
  std::optional<Error> sink_error_;
  std::unique_ptr<struct archive, Free> archive_;
};

}  // namespace gorae::images::archive_detail
