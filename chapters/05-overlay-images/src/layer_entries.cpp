// One layer entry at a time. The kernel facts this relies on:
//  - overlayfs hides a lower file behind a 0/0 character device of the same
//    name, and a lower directory's contents behind trusted.overlay.opaque=y
//    (Documentation/filesystems/overlayfs.rst, "whiteouts and opaque directories");
//  - the OCI image spec (layer.md) writes those as ".wh.NAME" files and a
//    ".wh..wh..opq" file in the directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <archive.h>
#include <archive_entry.h>

#include "layer_entries.hpp"
#include "layer_fs.hpp"

namespace gorae::images::detail {
namespace {

using base::UniqueFd;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMeta = ".wh..wh.";  // AUFS bookkeeping: .wh..wh.plnk, ...
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

tl::unexpected<Error> sys_error(const std::string& what) {
  return tl::unexpected(Error::from_errno(what));
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "/") + part;
  return out;
}

// libarchive hands out the name in the locale's charset when it can, UTF-8 otherwise.
std::string name_of(archive_entry* e) {
  if (const char* name = archive_entry_pathname(e)) return name;
  if (const char* name = archive_entry_pathname_utf8(e)) return name;
  return "";
}

void entry_times(archive_entry* e, struct timespec times[2]) {
  times[1] = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
  times[0] = archive_entry_atime_is_set(e)
                 ? timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)}
                 : times[1];
}

// Clears the way for a new entry: tar semantics are "the later entry wins",
// except that a directory over a directory merges.
Status clear_for(int parent, const std::string& name, bool is_dir, bool* merge) {
  struct stat st {};
  if (merge) *merge = false;
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? Status{} : sys_error("stat " + name);
  if (is_dir && S_ISDIR(st.st_mode)) {
    if (merge) *merge = true;
    return {};
  }
  return remove_at(parent, name);
}

// Extended attributes from the archive (pax SCHILY.xattr.*). As in Docker,
// a filesystem or a caller that cannot take one (ENOTSUP, EPERM) only loses
// it. overlayfs' own attributes are never taken from a layer: whiteouts and
// opaque markers come from the conversion here, and a forged
// trusted.overlay.redirect would point overlayfs at other paths.
Status apply_xattrs(int fd, int parent, const std::string& name, archive_entry* e,
                    const std::string& entry) {
  if (archive_entry_xattr_reset(e) == 0) return {};
  const char* key = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  std::string proc_path = "/proc/self/fd/" + std::to_string(parent) + "/" + name;
  while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
    if (starts_with(key, "trusted.overlay.") || starts_with(key, "user.overlay.")) continue;
    int rc = fd >= 0 ? ::fsetxattr(fd, key, value, size, 0)
                     : ::lsetxattr(proc_path.c_str(), key, value, size, 0);
    if (rc != 0 && errno != ENOTSUP && errno != EPERM)
      return sys_error("set xattr " + std::string(key) + " on layer entry " + entry);
  }
  return {};
}

}  // namespace

Result<EntryWriter> EntryWriter::open(const std::string& dir) {
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return sys_error("open " + dir);
  EntryWriter writer(std::move(root));
  // Unprivileged, files stay the extractor's own, as with an unprivileged `tar x`.
  writer.privileged_ = ::geteuid() == 0;
  return writer;
}

Status EntryWriter::write(archive* a, archive_entry* e) {
  std::string entry = name_of(e);
  if (entry.empty()) return refuse(entry, "the name is empty or unreadable");
  GORAE_ASSIGN_OR_RETURN(auto parts, split_entry_path(entry, entry));
  if (parts.empty()) return {};  // "./" itself: the layer root's attributes are not the layer's to set
  const std::string base = parts.back();
  bool opaque = base == kOpaqueMarker;
  // AUFS keeps hard-link and bookkeeping directories at the top; Docker skips them.
  if (starts_with(parts.front(), kWhiteoutMeta) && !(opaque && parts.size() == 1)) return {};
  GORAE_ASSIGN_OR_RETURN(int parent, parent_of(parts, entry));
  // LAB(05) whiteouts: Turn a layer's whiteout entries into what overlayfs understands
  // ".wh..wh..opq" marks its directory opaque (the xattr kOpaqueXattr = "y");
  // ".wh.NAME" becomes a whiteout for NAME (make_whiteout).
  // LAB-STUB: if (opaque || starts_with(base, kWhiteoutPrefix)) return gorae::lab::not_implemented(@TASK@);
  if (opaque) {
    if (::fsetxattr(parent, kOpaqueXattr, "y", 1, 0) != 0)
      return sys_error("mark the directory of " + entry + " opaque (setxattr " + kOpaqueXattr + ")");
    return {};
  }
  if (starts_with(base, kWhiteoutPrefix))
    return make_whiteout(parent, base.substr(kWhiteoutPrefix.size()), e, entry);
  // LAB-END
  if (const char* target = archive_entry_hardlink(e)) return make_hardlink(parent, base, target, entry);
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR: return make_dir(parent, parts, e, entry);
    case AE_IFREG: return make_file(parent, base, a, e, entry);
    case AE_IFLNK: return make_symlink(parent, base, e, entry);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: return make_node(parent, base, e, entry);
    default: return refuse(entry, "unsupported file type");
  }
}

// The directory an entry goes in. A layer lists a directory's files one
// after another, so the last entry's directory is kept open: an entry changes
// only what is *in* its directory, never the directory itself (replacing that
// takes an entry one level up, whose directory differs), so the descriptor
// the safe walk gave stays right while the path is the same. It saves the
// walk's open and close per component, per file.
Result<int> EntryWriter::parent_of(const std::vector<std::string>& parts, const std::string& entry) {
  if (parent_.valid() && parent_parts_.size() + 1 == parts.size() &&
      std::equal(parent_parts_.begin(), parent_parts_.end(), parts.begin()))
    return parent_.get();
  parent_.reset();
  GORAE_ASSIGN_OR_RETURN(parent_, open_beneath(root_.get(), parts, parts.size() - 1, true, entry));
  parent_parts_.assign(parts.begin(), parts.end() - 1);
  return parent_.get();
}

Status EntryWriter::make_dir(int parent, const std::vector<std::string>& parts, archive_entry* e,
                             const std::string& entry) {
  const std::string& name = parts.back();
  bool merge = false;
  GORAE_TRY(clear_for(parent, name, true, &merge));
  if (!merge && ::mkdirat(parent, name.c_str(), 0700) != 0) return sys_error("mkdir " + entry);
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return sys_error("open " + entry);
  if (privileged_ && ::fchown(fd.get(), static_cast<uid_t>(archive_entry_uid(e)),
                              static_cast<gid_t>(archive_entry_gid(e))) != 0)
    return sys_error("chown " + entry);
  GORAE_TRY(apply_xattrs(fd.get(), parent, name, e, entry));
  DirMeta meta;
  meta.parts = parts;
  meta.mode = archive_entry_perm(e) & 07777;
  entry_times(e, meta.times);
  dirs_[join(parts)] = std::move(meta);
  return {};
}

Status EntryWriter::make_file(int parent, const std::string& name, archive* a, archive_entry* e,
                              const std::string& entry) {
  // Mostly the name is new: clear the way only when it is not.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(::openat(parent, name.c_str(), flags, 0600));
  if (!fd.valid() && errno == EEXIST) {
    GORAE_TRY(clear_for(parent, name, false, nullptr));
    fd.reset(::openat(parent, name.c_str(), flags, 0600));
  }
  if (!fd.valid()) return sys_error("create " + entry);
  la_int64_t end = 0;
  for (;;) {  // blocks carry their offset, so sparse files keep their holes
    const void* data = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int rc = archive_read_data_block(a, &data, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return fail(Errc::invalid_argument, "read layer entry " + entry + ": " +
                                                               archive_error_string(a));
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
      ssize_t n = ::pwrite(fd.get(), bytes, size, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("write " + entry);
      bytes += n, offset += n, size -= static_cast<size_t>(n);
    }
    end = std::max(end, offset);
  }
  la_int64_t length = archive_entry_size(e);  // a sparse file may end in a hole
  if (end != length && ::ftruncate(fd.get(), length) != 0) return sys_error("truncate " + entry);
  // chown first: it clears set-user-ID bits that chmod then restores.
  if (privileged_ && ::fchown(fd.get(), static_cast<uid_t>(archive_entry_uid(e)),
                              static_cast<gid_t>(archive_entry_gid(e))) != 0)
    return sys_error("chown " + entry);
  if (::fchmod(fd.get(), archive_entry_perm(e) & 07777) != 0) return sys_error("chmod " + entry);
  GORAE_TRY(apply_xattrs(fd.get(), parent, name, e, entry));
  struct timespec times[2];
  entry_times(e, times);
  if (::futimens(fd.get(), times) != 0) return sys_error("set times of " + entry);
  size_ += length;
  return {};
}

Status EntryWriter::make_symlink(int parent, const std::string& name, archive_entry* e,
                                 const std::string& entry) {
  const char* target = archive_entry_symlink(e);
  if (!target) target = archive_entry_symlink_utf8(e);
  if (!target || !*target) return refuse(entry, "symlink without a target");
  GORAE_TRY(clear_for(parent, name, false, nullptr));
  // Any target is fine to *create*: the walk never follows one later.
  if (::symlinkat(target, parent, name.c_str()) != 0) return sys_error("symlink " + entry);
  if (privileged_ && ::fchownat(parent, name.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                                static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0)
    return sys_error("chown " + entry);
  GORAE_TRY(apply_xattrs(-1, parent, name, e, entry));
  struct timespec times[2];
  entry_times(e, times);
  if (::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    return sys_error("set times of " + entry);
  size_ += static_cast<std::int64_t>(std::strlen(target));
  return {};
}

Status EntryWriter::make_node(int parent, const std::string& name, archive_entry* e,
                              const std::string& entry) {
  GORAE_TRY(clear_for(parent, name, false, nullptr));
  mode_t type = archive_entry_filetype(e) == AE_IFCHR   ? S_IFCHR
                : archive_entry_filetype(e) == AE_IFBLK ? S_IFBLK
                                                        : S_IFIFO;
  dev_t device = type == S_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
  if (::mknodat(parent, name.c_str(), type | 0600, device) != 0)
    return sys_error("mknod " + entry + (errno == EPERM ? " (device nodes need CAP_MKNOD)" : ""));
  if (privileged_ && ::fchownat(parent, name.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                                static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0)
    return sys_error("chown " + entry);
  // Just made by us and not a symlink, so following is harmless here.
  if (::fchmodat(parent, name.c_str(), archive_entry_perm(e) & 07777, 0) != 0)
    return sys_error("chmod " + entry);
  GORAE_TRY(apply_xattrs(-1, parent, name, e, entry));
  struct timespec times[2];
  entry_times(e, times);
  if (::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    return sys_error("set times of " + entry);
  return {};
}

Status EntryWriter::make_hardlink(int parent, const std::string& name, const std::string& target,
                                  const std::string& entry) {
  auto parts = split_entry_path(target, entry);
  if (!parts || parts->empty())
    return refuse(entry, "hard link to \"" + target + "\", which is outside the layer");
  GORAE_ASSIGN_OR_RETURN(auto target_dir, open_beneath(root_.get(), *parts, parts->size() - 1, false, entry));
  struct stat st {};
  if (::fstatat(target_dir.get(), parts->back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return refuse(entry, "hard link to \"" + target + "\", which the layer has not made (yet)");
  if (S_ISDIR(st.st_mode)) return refuse(entry, "hard link to the directory \"" + target + "\"");
  GORAE_TRY(clear_for(parent, name, false, nullptr));
  // No AT_SYMLINK_FOLLOW: a link to a symlink is a link to the symlink itself.
  if (::linkat(target_dir.get(), parts->back().c_str(), parent, name.c_str(), 0) != 0)
    return sys_error("hard link " + entry + " to " + target);
  return {};
}

Status EntryWriter::make_whiteout(int parent, const std::string& name, archive_entry* e,
                                  const std::string& entry) {
  if (name.empty() || name == "." || name == "..") return refuse(entry, "not a valid whiteout");
  // LAB(05) whiteout-node: Make the whiteout for NAME: a 0/0 character device, owned as the entry says
  // A whiteout hides lower layers only: a file of this layer with that name stays.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  // A whiteout hides lower layers only; a file of the same layer stays
  // (image-spec layer.md), whichever of the two came first.
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return {};
  if (::mknodat(parent, name.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
    return sys_error("whiteout " + entry + ": mknod" + (errno == EPERM ? " (needs CAP_MKNOD)" : ""));
  if (privileged_ && ::fchownat(parent, name.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                                static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0)
    return sys_error("chown whiteout " + entry);
  return {};
  // LAB-END
}

Status EntryWriter::finish() {
  // Deepest first: "a/b" sorts after "a", so reverse order reaches children first.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    const DirMeta& meta = it->second;
    auto dir = open_beneath(root_.get(), meta.parts, meta.parts.size(), false, it->first);
    if (!dir) continue;  // a later entry replaced it with something else
    if (::fchmod(dir->get(), meta.mode) != 0) return sys_error("chmod " + it->first);
    if (::futimens(dir->get(), meta.times) != 0) return sys_error("set times of " + it->first);
  }
  return {};
}

}  // namespace gorae::images::detail
