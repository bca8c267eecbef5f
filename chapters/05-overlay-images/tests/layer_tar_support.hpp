#pragma once
// Layer tars for tests, written in memory by libarchive's own writer (pax), so
// a test can make any entry a real or a hostile image could hold.

#include <sys/types.h>

#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <string>
#include <vector>

namespace gorae::images::testing {

class TarBuilder {
 public:
  struct Entry {
    std::string path;
    unsigned type = AE_IFREG;
    std::string content;  // for files; the target for symlinks
    std::string hardlink;
    unsigned mode = 0644;
    long uid = 0, gid = 0;
    unsigned major = 0, minor = 0;
    std::map<std::string, std::string> xattrs;
  };

  static Entry make(const std::string& path, unsigned type, const std::string& content = "", unsigned mode = 0644) {
    Entry entry;
    entry.path = path;
    entry.type = type;
    entry.content = content;
    entry.mode = mode;
    return entry;
  }

  TarBuilder& add(Entry entry) {
    entries_.push_back(std::move(entry));
    return *this;
  }
  TarBuilder& file(const std::string& path, const std::string& content, unsigned mode = 0644) {
    return add(make(path, AE_IFREG, content, mode));
  }
  TarBuilder& dir(const std::string& path, unsigned mode = 0755) { return add(make(path, AE_IFDIR, "", mode)); }
  TarBuilder& symlink(const std::string& path, const std::string& target) {
    return add(make(path, AE_IFLNK, target, 0777));
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    Entry entry = make(path, AE_IFREG);
    entry.hardlink = target;
    return add(entry);
  }
  TarBuilder& mtime(time_t seconds) {
    mtime_ = seconds;
    return *this;
  }

  std::string tar() const { return write(ARCHIVE_FILTER_NONE); }
  std::string gzip() const { return write(ARCHIVE_FILTER_GZIP); }
  std::string zstd() const { return write(ARCHIVE_FILTER_ZSTD); }

 private:
  static la_ssize_t append(struct archive*, void* out, const void* data, size_t size) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
  }

  std::string write(int filter) const {
    std::string out;
    struct archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter(a, filter);
    archive_write_set_bytes_in_last_block(a, 1);  // no padding beyond the tar format's own
    archive_write_open(a, &out, nullptr, append, nullptr);
    for (const auto& e : entries_) {
      struct archive_entry* entry = archive_entry_new();
      archive_entry_set_pathname(entry, e.path.c_str());
      archive_entry_set_filetype(entry, e.type);
      archive_entry_set_perm(entry, e.mode);
      archive_entry_set_uid(entry, e.uid);
      archive_entry_set_gid(entry, e.gid);
      archive_entry_set_mtime(entry, mtime_, 0);
      if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.content.c_str());
      if (!e.hardlink.empty()) archive_entry_set_hardlink(entry, e.hardlink.c_str());
      if (e.type == AE_IFCHR || e.type == AE_IFBLK) {
        archive_entry_set_rdevmajor(entry, e.major);
        archive_entry_set_rdevminor(entry, e.minor);
      }
      for (const auto& [key, value] : e.xattrs)
        archive_entry_xattr_add_entry(entry, key.c_str(), value.data(), value.size());
      bool has_data = e.type == AE_IFREG && e.hardlink.empty();
      archive_entry_set_size(entry, has_data ? static_cast<la_int64_t>(e.content.size()) : 0);
      archive_write_header(a, entry);
      if (has_data) archive_write_data(a, e.content.data(), e.content.size());
      archive_entry_free(entry);
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
  }

  std::vector<Entry> entries_;
  time_t mtime_ = 1700000000;
};

}  // namespace gorae::images::testing
