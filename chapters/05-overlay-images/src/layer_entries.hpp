#pragma once
// Writes the entries of one layer tar below a directory, turning OCI/AUFS
// whiteouts into the overlayfs form. libarchive reads; this writes, with *at()
// system calls relative to the layer's root and never through a symlink.

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"

struct archive;
struct archive_entry;

namespace gorae::images::detail {

class EntryWriter {
 public:
  /// `dir` must exist; it becomes the layer's root.
  static Result<EntryWriter> open(const std::string& dir);

  /// Writes one entry, reading a regular file's data from `archive`.
  /// @return Errc::invalid_argument naming the entry when it is refused.
  Status write(struct archive* archive, struct archive_entry* entry);

  /// Gives directories their modes and times, which had to wait: creating a
  /// child changes its directory's mtime, and a 0555 directory must stay
  /// writable while it is filled.
  Status finish();

  /// Docker's layer size: bytes of regular files and symlink targets, each
  /// inode counted once (hard links add nothing).
  std::int64_t size() const { return size_; }

 private:
  struct DirMeta {
    std::vector<std::string> parts;
    mode_t mode = 0755;
    struct timespec times[2] = {};
  };
  explicit EntryWriter(base::UniqueFd root) : root_(std::move(root)) {}
  Result<int> parent_of(const std::vector<std::string>& parts, const std::string& entry);

  Status make_dir(int parent, const std::vector<std::string>& parts, struct archive_entry* e,
                  const std::string& entry);
  Status make_file(int parent, const std::string& name, struct archive* a, struct archive_entry* e,
                   const std::string& entry);
  Status make_symlink(int parent, const std::string& name, struct archive_entry* e,
                      const std::string& entry);
  Status make_node(int parent, const std::string& name, struct archive_entry* e,
                   const std::string& entry);
  Status make_hardlink(int parent, const std::string& name, const std::string& target,
                       const std::string& entry);
  Status make_whiteout(int parent, const std::string& name, struct archive_entry* e,
                       const std::string& entry);

  base::UniqueFd root_;
  base::UniqueFd parent_;                   // the last entry's directory...
  std::vector<std::string> parent_parts_;  // ...and its path
  bool privileged_ = false;
  std::map<std::string, DirMeta> dirs_;  // by path: the last entry for a directory wins
  std::int64_t size_ = 0;
};

}  // namespace gorae::images::detail
