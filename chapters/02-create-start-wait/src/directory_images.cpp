// Chapter 02's image store: each image is a directory, DIR/<name>/<tag>/{rootfs/,config.json},
// and each container gets a full copy of rootfs/. Chapter 05 brings layers and overlay.
#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "gorae/base/unique_fd.hpp"
#include "gorae/engine/images.hpp"

namespace gorae::engine {
namespace {

using base::UniqueFd;
using SystemClock = std::chrono::system_clock;
namespace fs = std::filesystem;

tl::unexpected<Error> sys_error(const std::string& what) {
  return tl::unexpected(Error::from_errno(what));
}

bool is_hex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

/// Inside a tree (`dirfd` open) a symlink is never followed; a caller's path may be one.
Result<UniqueFd> open_dir(int dirfd, const std::string& name, const std::string& path) {
  int nofollow = dirfd == AT_FDCWD ? 0 : O_NOFOLLOW;
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | nofollow);
  if (fd < 0) return sys_error("open " + path);
  return UniqueFd(fd);
}

struct DirEntry { std::string name; struct stat st; };  // st from lstat: links are not followed
/// The entries of the open directory `dir` (called `path` in errors), sorted.
Result<std::vector<DirEntry>> list_dir(int dir, const std::string& path) {
  UniqueFd fd(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));  // own offset
  DIR* raw = fd.valid() ? ::fdopendir(fd.get()) : nullptr;
  if (!raw) return sys_error("read " + path);
  std::unique_ptr<DIR, int (*)(DIR*)> stream(raw, ::closedir);
  (void)fd.release();  // closedir closes it
  std::vector<DirEntry> entries;
  while (dirent* e = ::readdir(stream.get())) {
    DirEntry entry{e->d_name, {}};
    if (entry.name == "." || entry.name == "..") continue;
    if (::fstatat(dir, e->d_name, &entry.st, AT_SYMLINK_NOFOLLOW) != 0)
      return sys_error("stat " + path + "/" + entry.name);
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return entries;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sys_error("open " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Result<std::string> read_link(int dir, const std::string& name, const std::string& path) {
  std::string target(PATH_MAX, '\0');
  ssize_t n = ::readlinkat(dir, name.c_str(), target.data(), target.size());
  if (n < 0) return sys_error("readlink " + path);
  return target.substr(0, static_cast<size_t>(n));
}

/// Owner, then mode (chown clears set-id bits). Not root? Files stay ours, as with `cp -a`.
Status copy_attributes(int dirfd, const std::string& name, const struct stat& st,
                       const std::string& path) {
  if (::fchownat(dirfd, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0 &&
      !(errno == EPERM && ::geteuid() != 0))
    return sys_error("chown " + path);
  if (!S_ISLNK(st.st_mode) && ::fchmodat(dirfd, name.c_str(), st.st_mode & 07777, 0) != 0)
    return sys_error("chmod " + path);
  return {};
}

Status copy_file(int src_dir, int dst_dir, const std::string& name, off_t size,
                 const std::string& from, const std::string& to) {
  UniqueFd in(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) return sys_error("open " + from);
  UniqueFd out(::openat(dst_dir, name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) return sys_error("create " + to);
  while (size > 0) {  // sendfile copies file to file in the kernel
    ssize_t n = ::sendfile(out.get(), in.get(), nullptr, static_cast<size_t>(size));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("copy " + from + " to " + to);
    if (n == 0) break;  // the file shrank under us
    size -= n;
  }
  return {};
}

/// Copies every entry of the directory `src` into the empty directory `dst`.
Status copy_entries(int src, int dst, const std::string& src_path, const std::string& dst_path) {
  GORAE_ASSIGN_OR_RETURN(auto entries, list_dir(src, src_path));
  for (const auto& [name, st] : entries) {
    std::string from = src_path + "/" + name, to = dst_path + "/" + name;
    if (S_ISSOCK(st.st_mode)) continue;  // a socket belonged to a process that is gone
    if (S_ISDIR(st.st_mode)) {  // private until filled, its own mode at the end
      if (::mkdirat(dst, name.c_str(), 0700) != 0) return sys_error("mkdir " + to);
      GORAE_ASSIGN_OR_RETURN(auto sub_src, open_dir(src, name, from));
      GORAE_ASSIGN_OR_RETURN(auto sub_dst, open_dir(dst, name, to));
      GORAE_TRY(copy_entries(sub_src.get(), sub_dst.get(), from, to));
    } else if (S_ISREG(st.st_mode)) {
      GORAE_TRY(copy_file(src, dst, name, st.st_size, from, to));
    } else if (S_ISLNK(st.st_mode)) {
      GORAE_ASSIGN_OR_RETURN(auto target, read_link(src, name, from));
      if (::symlinkat(target.c_str(), dst, name.c_str()) != 0) return sys_error("symlink " + to);
    } else if (::mknodat(dst, name.c_str(), st.st_mode, st.st_rdev) != 0) {  // fifo, device
      return sys_error("mknod " + to);
    }
    GORAE_TRY(copy_attributes(dst, name, st, to));
  }
  return {};
}

/// Removes the entries of `dir`, never crossing into another filesystem: a
/// mount left inside a container's root must not have its contents deleted.
Status remove_entries(int dir, dev_t dev, const std::string& path) {
  GORAE_ASSIGN_OR_RETURN(auto entries, list_dir(dir, path));
  for (const auto& [name, st] : entries) {
    std::string sub = path + "/" + name;
    int flags = 0;
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != dev) return tl::unexpected(Error::from_errno(EBUSY, "remove " + sub));
      (void)::fchmodat(dir, name.c_str(), 0700, 0);  // so that a read-only one can be emptied
      GORAE_ASSIGN_OR_RETURN(auto fd, open_dir(dir, name, sub));
      GORAE_TRY(remove_entries(fd.get(), dev, sub));
      flags = AT_REMOVEDIR;
    }
    if (::unlinkat(dir, name.c_str(), flags) != 0) return sys_error("remove " + sub);
  }
  return {};
}

Status remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return errno == ENOENT ? Status{} : sys_error("stat " + path);
  if (S_ISDIR(st.st_mode)) {
    GORAE_ASSIGN_OR_RETURN(auto fd, open_dir(AT_FDCWD, path, path));
    GORAE_TRY(remove_entries(fd.get(), st.st_dev, path));
  }
  return ::remove(path.c_str()) == 0 ? Status{} : sys_error("remove " + path);
}

/// Copies the directory `from` to the new directory `to`. On failure the partial
/// copy is removed; a `to` that was already there is left alone.
Status copy_tree(const std::string& from, const std::string& to) {
  fs::path target(to);
  std::string parent = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string name = target.filename().string();
  GORAE_ASSIGN_OR_RETURN(auto src, open_dir(AT_FDCWD, from, from));
  GORAE_ASSIGN_OR_RETURN(auto dst_parent, open_dir(AT_FDCWD, parent, parent));
  struct stat st {};
  if (::fstat(src.get(), &st) != 0) return sys_error("stat " + from);
  if (::mkdirat(dst_parent.get(), name.c_str(), 0700) != 0) return sys_error("mkdir " + to);
  Status copied = [&]() -> Status {
    GORAE_ASSIGN_OR_RETURN(auto dst, open_dir(dst_parent.get(), name, to));
    GORAE_TRY(copy_entries(src.get(), dst.get(), from, to));
    return copy_attributes(dst_parent.get(), name, st, to);
  }();
  if (!copied) (void)remove_tree(to);  // best effort: the copy's error is the news
  return copied;
}

/// Walks a rootfs in sorted order, sums regular files' sizes and, if `out` is
/// given, appends each entry's path, mode, size, and link target or bytes, each
/// piece ended by a NUL. Owners and times are left out: they vary by build.
Status describe_tree(int dir, const std::string& rel, const std::string& path, std::string* out,
                     std::int64_t& size) {
  GORAE_ASSIGN_OR_RETURN(auto entries, list_dir(dir, path));
  for (const auto& [name, st] : entries) {
    std::string sub_rel = rel + "/" + name, sub = path + "/" + name;
    std::int64_t bytes = S_ISREG(st.st_mode) ? st.st_size : 0;
    size += bytes;
    if (out)
      *out += sub_rel + '\0' + std::to_string(st.st_mode) + ' ' + std::to_string(bytes) + '\0';
    if (S_ISDIR(st.st_mode)) {
      GORAE_ASSIGN_OR_RETURN(auto fd, open_dir(dir, name, sub));
      GORAE_TRY(describe_tree(fd.get(), sub_rel, sub, out, size));
    } else if (out && (S_ISLNK(st.st_mode) || S_ISREG(st.st_mode))) {
      auto content = S_ISLNK(st.st_mode) ? read_link(dir, name, sub) : read_file(sub);
      if (!content) return tl::unexpected(std::move(content).error());
      out->append(*content).push_back('\0');
    }
  }
  return {};
}

/// "2026-11-24T00:00:00Z" or "...T00:00:00.123456789Z": RFC 3339 in UTC, as
/// Docker writes it. Fractions of a second are dropped; an image's age needs none.
std::optional<SystemClock::time_point> parse_rfc3339(const std::string& text) {
  std::tm tm{};
  const char* rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest && *rest == '.') rest += 1 + std::strspn(rest + 1, "0123456789");
  if (!rest || std::string(rest) != "Z") return std::nullopt;
  return SystemClock::from_time_t(::timegm(&tm));
}

/// Reads config.json: Docker's field names, our small subset of them.
Status parse_config(const std::string& text, const std::string& path, Image& image) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  auto list = [&](const char* key) {
    return doc.contains(key) && !doc[key].is_null() ? doc[key].get<std::vector<std::string>>()
                                                    : std::vector<std::string>{};
  };
  try {
    if (!doc.is_object()) throw std::runtime_error("not a JSON object");
    image.config.cmd = list("Cmd");
    if (doc.contains("Entrypoint") && !doc["Entrypoint"].is_null())
      image.config.entrypoint = list("Entrypoint");
    image.config.env = list("Env");
    image.config.working_dir = doc.value("WorkingDir", "");
    image.config.user = doc.value("User", "");
    std::string created = doc.value("Created", "");
    auto when = parse_rfc3339(created);
    if (!created.empty() && !when) throw std::runtime_error("Created is not RFC 3339: " + created);
    image.created = when.value_or(SystemClock::time_point{});
  } catch (const std::exception& e) {
    return fail(Errc::internal, "image config " + path + ": " + e.what());
  }
  return {};
}

/// The image in `dir`. Its ID is "sha256:" + SHA-256 of config.json and the
/// rootfs description, computed once and kept in `dir`/id.
Result<Image> read_image(const std::string& dir) {
  GORAE_ASSIGN_OR_RETURN(auto config, read_file(dir + "/config.json"));
  Image image;
  GORAE_TRY(parse_config(config, dir + "/config.json", image));
  auto cached = read_file(dir + "/id");
  image.id = cached ? cached->substr(0, cached->find('\n')) : "";
  bool known = image.id.size() == 71 && image.id.rfind("sha256:", 0) == 0 &&
               is_hex(image.id.substr(7));
  std::string description = "gorae directory image v1\n" + config + '\0';
  GORAE_ASSIGN_OR_RETURN(auto root, open_dir(AT_FDCWD, dir + "/rootfs", dir + "/rootfs"));
  GORAE_TRY(describe_tree(root.get(), "", dir + "/rootfs", known ? nullptr : &description,
                          image.size));
  if (known) return image;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(description.data(), description.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1)
    return fail(Errc::internal, "sha256 of " + dir + ": OpenSSL failed");
  image.id = "sha256:";
  for (unsigned int i = 0; i < length; ++i)
    image.id += {"0123456789abcdef"[digest[i] >> 4], "0123456789abcdef"[digest[i] & 15]};
  // Only a cache: a torn or failed write fails the check above and is redone.
  std::ofstream(dir + "/id") << image.id << "\n";
  return image;
}

/// Finds image directories (holding config.json) under `dir` as relative
/// "<name>/<tag>" paths; a name may have slashes ("localhost:5000/app").
Status find_image_dirs(const std::string& dir, const std::string& rel, int depth,
                       std::vector<std::string>& out) {
  GORAE_ASSIGN_OR_RETURN(auto fd, open_dir(AT_FDCWD, dir, dir));
  GORAE_ASSIGN_OR_RETURN(auto entries, list_dir(fd.get(), dir));
  auto has = [&](const std::string& name, const char* what) {
    return ::faccessat(fd.get(), (name + "/" + what).c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  };
  for (const auto& [name, st] : entries) {
    if (name[0] == '.' || !S_ISDIR(st.st_mode)) continue;  // ".x": a copy in progress
    std::string sub = rel.empty() ? name : rel + "/" + name;
    if (depth > 0 && has(name, "config.json"))
      out.push_back(sub);
    else if (!has(name, "rootfs") && depth < 8)  // never search inside an image
      GORAE_TRY(find_image_dirs(dir + "/" + name, sub, depth + 1, out));
  }
  return {};
}

class DirectoryImages final : public ImageStore {
 public:
  Status index(const std::string& images_dir) {
    std::vector<std::string> found;
    GORAE_TRY(find_image_dirs(images_dir, "", 0, found));
    for (const auto& rel : found) {
      GORAE_ASSIGN_OR_RETURN(auto image, read_image(images_dir + "/" + rel));
      size_t slash = rel.rfind('/');
      auto [it, inserted] = by_id_.try_emplace(image.id, Entry{images_dir + "/" + rel, image});
      it->second.image.repo_tags.push_back(rel.substr(0, slash) + ":" + rel.substr(slash + 1));
    }
    return {};
  }

  // dockerd's order: an exact ID, then a tag, then a unique ID prefix.
  Result<Image> find(const std::string& reference) const override {
    std::string ref = reference.size() == 64 && is_hex(reference) ? "sha256:" + reference
                                                                   : reference;
    if (auto it = by_id_.find(ref); it != by_id_.end()) return it->second.image;
    std::string tag = normalize_reference(reference);
    for (const auto& [id, entry] : by_id_) {
      const auto& tags = entry.image.repo_tags;
      if (std::find(tags.begin(), tags.end(), tag) != tags.end()) return entry.image;
    }
    // IDs are sorted, so those with the prefix are neighbours; two is ambiguous,
    // which dockerd also reports as "No such image".
    std::string prefix = ref.rfind("sha256:", 0) == 0 ? ref.substr(7) : ref;
    auto first = by_id_.lower_bound("sha256:" + prefix);
    auto has_prefix = [&](auto it) {
      return it != by_id_.end() && is_hex(prefix) &&
             it->first.compare(7, prefix.size(), prefix) == 0;
    };
    if (has_prefix(first) && !has_prefix(std::next(first))) return first->second.image;
    return fail(Errc::not_found, "No such image: " + tag);
  }

  std::vector<Image> list() const override {
    std::vector<Image> images;
    for (const auto& [id, entry] : by_id_) images.push_back(entry.image);
    return images;
  }

  Status prepare_rootfs(const Image& image, const std::string& rootfs_dir) override {
    auto it = by_id_.find(image.id);
    if (it == by_id_.end()) return fail(Errc::not_found, "No such image: " + image.id);
    return copy_tree(it->second.dir + "/rootfs", rootfs_dir).map_error([&](Error e) {
      return std::move(e).wrap("copy image " + image.id.substr(7, 12));
    });
  }

  Status release_rootfs(const std::string& rootfs_dir) override {
    if (rootfs_dir.empty() || fs::path(rootfs_dir).lexically_normal() == "/")
      return fail(Errc::invalid_argument, "refusing to remove '" + rootfs_dir + "'");
    return remove_tree(rootfs_dir);
  }

 private:
  struct Entry { std::string dir; Image image; };  // dir: the first tag's, whose rootfs is copied
  std::map<std::string, Entry> by_id_;
};

/// Copies each bundled image that `images_dir` lacks, through a dot-named
/// directory that the index skips, so a crash never leaves half an image.
Status seed(const std::string& images_dir, const std::string& bundled_dir) {
  std::vector<std::string> bundled;
  GORAE_TRY(find_image_dirs(bundled_dir, "", 0, bundled).map_error([](Error e) {
    return std::move(e).wrap("bundled images");
  }));
  for (const auto& rel : bundled) {
    fs::path target = fs::path(images_dir) / rel;
    std::error_code ec;
    if (fs::exists(target, ec)) continue;
    fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".seeding");
    if (fs::create_directories(target.parent_path(), ec); ec)
      return fail(Errc::system, "mkdir " + target.parent_path().string() + ": " + ec.message());
    GORAE_TRY(remove_tree(tmp.string()));
    GORAE_TRY(copy_tree(bundled_dir + "/" + rel, tmp.string()));
    if (::rename(tmp.c_str(), target.c_str()) != 0) return sys_error("rename " + tmp.string());
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ImageStore>> open_directory_images(const std::string& images_dir,
                                                         const std::string& bundled_dir) {
  std::error_code ec;
  if (fs::create_directories(images_dir, ec); ec)
    return fail(Errc::system, "mkdir " + images_dir + ": " + ec.message());
  if (!bundled_dir.empty()) GORAE_TRY(seed(images_dir, bundled_dir));
  auto store = std::make_unique<DirectoryImages>();
  GORAE_TRY(store->index(images_dir));
  return std::unique_ptr<ImageStore>(std::move(store));
}

std::string normalize_reference(const std::string& reference) {
  if (reference.size() == 64 && is_hex(reference)) return "sha256:" + reference;
  if (reference.empty() || reference.find('@') != std::string::npos) return reference;
  // Docker Hub's names are shown short (docker.io/library/busybox → busybox);
  // other registries' (localhost:5000/app) keep their host.
  std::string name = reference;
  for (const char* hub : {"docker.io/", "index.docker.io/"})
    if (name.rfind(hub, 0) == 0) name = name.substr(std::string(hub).size());
  if (name.rfind("library/", 0) == 0 && name.find('/', 8) == std::string::npos)
    name = name.substr(8);
  size_t colon = name.rfind(':'), slash = name.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash))
    name += ":latest";
  return name;
}

}  // namespace gorae::engine
