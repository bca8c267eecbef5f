// A container's writes as a layer tar: the reverse of layer_extract, which
// turns `.wh.` entries into overlayfs whiteouts. libarchive writes the
// headers (pax where ustar cannot say it); the walk and the conversion are
// ours, so nothing is followed through a symlink and no xattr but the file
// capability leaves the host.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "gorae/base/unique_fd.hpp"
#include "gorae/images/upper_layer.hpp"
#include "lower_stack.hpp"

namespace gorae::images {
namespace {

using Entry = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

class LayerWriter {
 public:
  LayerWriter(std::string upper, const ArchiveSink& sink)
      : upper_(std::move(upper)), sink_(sink), archive_(archive_write_new(), archive_write_free) {}
  LayerWriter(const LayerWriter&) = delete;
  LayerWriter& operator=(const LayerWriter&) = delete;

  Result<std::size_t> run() {
    if (!archive_) return fail(Errc::internal, "libarchive: out of memory");
    archive_write_set_format_pax_restricted(archive_.get());
    // As Go's tar writer: the two end blocks and no padding after them.
    archive_write_set_bytes_in_last_block(archive_.get(), 1);
    if (archive_write_open(archive_.get(), this, nullptr, &LayerWriter::write_block, nullptr) != ARCHIVE_OK)
      return failed("start the layer tar");
    GORAE_TRY(walk(""));
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) return failed("finish the layer tar");
    return entries_;
  }

 private:
  static la_ssize_t write_block(struct archive* a, void* self, const void* data, std::size_t size) {
    auto* writer = static_cast<LayerWriter*>(self);
    auto status = writer->sink_(std::string_view(static_cast<const char*>(data), size));
    if (status) return static_cast<la_ssize_t>(size);
    writer->sink_error_ = status.error();
    archive_set_error(a, EIO, "%s", status.error().what().c_str());
    return -1;
  }

  tl::unexpected<Error> failed(const std::string& what) {
    if (sink_error_) return tl::unexpected(*sink_error_);
    return fail(Errc::system, what + ": " + archive_error_string(archive_.get()));
  }

  Result<std::vector<std::string>> names_in(const std::string& dir) { return detail::sorted_names(dir); }

  // `relative` is "" for the root, else "etc/" style: ends in '/'.
  Status walk(const std::string& relative) {
    GORAE_ASSIGN_OR_RETURN(auto names, names_in(upper_ + "/" + relative));
    for (const auto& name : names) {
      std::string path = upper_ + "/" + relative + name;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) continue;  // removed since the listing
      if (detail::is_whiteout(st)) {
        // LAB(05) commit-whiteouts: Write an overlay whiteout into the layer tar as Docker does
        // The 0/0 character device NAME becomes an empty file ".wh.NAME"
        // (mode 0600, the device's owner and time), the OCI form of a deletion.
        // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
        GORAE_TRY(write_empty(relative + ".wh." + name, 0600, st.st_uid, st.st_gid, st.st_mtim.tv_sec));
        // LAB-END
      } else if (S_ISDIR(st.st_mode)) {
        GORAE_TRY(write_entry(relative + name + "/", path, st));
        if (detail::is_opaque_dir(path))
          GORAE_TRY(write_empty(relative + name + "/.wh..wh..opq", st.st_mode & 0777, st.st_uid, st.st_gid, 0));
        GORAE_TRY(walk(relative + name + "/"));
      } else if (!S_ISSOCK(st.st_mode)) {
        GORAE_TRY(write_entry(relative + name, path, st));
      }
    }
    return {};
  }

  Status write_empty(const std::string& name, mode_t perm, uid_t uid, gid_t gid, time_t mtime) {
    Entry entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), perm);
    archive_entry_set_uid(entry.get(), uid);
    archive_entry_set_gid(entry.get(), gid);
    archive_entry_set_mtime(entry.get(), mtime, 0);
    archive_entry_set_size(entry.get(), 0);
    return header(entry.get(), name);
  }

  Status write_entry(const std::string& name, const std::string& path, const struct stat& st) {
    Entry entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_mode(entry.get(), st.st_mode);
    archive_entry_set_uid(entry.get(), st.st_uid);
    archive_entry_set_gid(entry.get(), st.st_gid);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, 0);
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) archive_entry_set_rdev(entry.get(), st.st_rdev);
    if (std::string capability = detail::file_capability(path); !capability.empty())
      archive_entry_xattr_add_entry(entry.get(), "security.capability", capability.data(), capability.size());
    if (S_ISLNK(st.st_mode)) {
      std::vector<char> target(static_cast<std::size_t>(st.st_size) + 1);
      ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
      if (n < 0) return tl::unexpected(Error::from_errno("readlink " + path));
      archive_entry_set_symlink(entry.get(), std::string(target.data(), static_cast<std::size_t>(n)).c_str());
      return header(entry.get(), name);
    }
    if (!S_ISREG(st.st_mode)) return header(entry.get(), name);
    if (st.st_nlink > 1) {
      auto [first, inserted] = links_.emplace(std::pair{st.st_dev, st.st_ino}, name);
      if (!inserted) {
        archive_entry_set_hardlink(entry.get(), first->second.c_str());
        archive_entry_set_size(entry.get(), 0);
        return header(entry.get(), name);
      }
    }
    archive_entry_set_size(entry.get(), st.st_size);
    GORAE_TRY(header(entry.get(), name));
    return copy_data(path);
  }

  Status header(archive_entry* entry, const std::string& name) {
    if (archive_write_header(archive_.get(), entry) != ARCHIVE_OK) return failed("write " + name);
    ++entries_;
    return {};
  }

  // A file that shrinks meanwhile is padded by libarchive; one that grows is
  // cut at the size the header promised.
  Status copy_data(const std::string& path) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return tl::unexpected(Error::from_errno("open " + path));
    std::vector<char> buffer(1 << 16);
    for (;;) {
      ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return tl::unexpected(Error::from_errno("read " + path));
      if (n == 0) return {};
      if (archive_write_data(archive_.get(), buffer.data(), static_cast<std::size_t>(n)) < 0)
        return failed("write " + path);
    }
  }

  std::string upper_;
  const ArchiveSink& sink_;
  std::optional<Error> sink_error_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  std::size_t entries_ = 0;
  // Last, so destroyed first: archive_write_free flushes through
  // write_block, which may still set sink_error_.
  std::unique_ptr<struct archive, decltype(&archive_write_free)> archive_;
};

}  // namespace

Result<std::size_t> write_upper_layer(const std::string& upper, const ArchiveSink& sink) {
  return LayerWriter(upper, sink).run();
}

}  // namespace gorae::images
