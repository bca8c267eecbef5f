// Reading an image archive once, front to back. `docker save` writes
// manifest.json last, so nothing can be interpreted until the end: every
// file is kept, small JSON in memory and the rest in the blob store, where
// a layer had to go anyway. Nothing is ever written under an entry's own
// name, so a hostile name can at worst fail to be found.
#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <vector>

#include "archive_internal.hpp"

namespace gorae::images::archive_detail {
namespace {

constexpr std::size_t kMaxText = 16 << 20;       // one manifest, index or config
constexpr std::size_t kMaxTextTotal = 64 << 20;  // all of them together
constexpr std::int64_t kProgressFrom = 1 << 20;  // smaller entries finish at once
constexpr int kMaxLinkHops = 16;

tl::unexpected<Error> invalid(const std::string& why) {
  return tl::unexpected(Error(Errc::invalid_argument, why));
}

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// libarchive pulls bytes through this; a source error is kept to report
// instead of libarchive's generic one.
struct Reader {
  const ArchiveSource* source;
  std::vector<char> buffer = std::vector<char>(1 << 16);
  std::optional<Error> error;

  static la_ssize_t read(struct archive* a, void* self, const void** out) {
    auto* reader = static_cast<Reader*>(self);
    auto got = (*reader->source)(reader->buffer.data(), reader->buffer.size());
    if (!got) {
      reader->error = got.error();
      archive_set_error(a, EIO, "%s", got.error().what().c_str());
      return -1;
    }
    *out = reader->buffer.data();
    return static_cast<la_ssize_t>(*got);
  }
};

bool is_blob_path(const std::string& path, std::string& hex) {
  static const std::string prefix = "blobs/sha256/";
  if (path.rfind(prefix, 0) != 0) return false;
  hex = path.substr(prefix.size());
  return hex.size() == 64 && is_lower_hex(hex);
}

// The small files that describe images: manifest.json, index.json,
// repositories, oci-layout and `docker save`'s <id>.json configs.
bool is_text_path(const std::string& path) {
  if (path.find('/') != std::string::npos) return false;
  return path == "repositories" || path == "oci-layout" ||
         (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0);
}

// `docker save` up to Docker 24 writes <v1 id>/json and <v1 id>/VERSION
// next to each layer.tar: metadata for Docker 1.9 that nobody reads now.
bool is_legacy_metadata(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return false;
  std::string base = path.substr(slash + 1);
  return base == "json" || base == "VERSION";
}

// What a progress line calls the entry: 12 characters, as dockerd's IDs.
std::string progress_id(const std::string& path) {
  std::string name = path;
  if (auto slash = name.rfind('/'); slash != std::string::npos) {
    std::string base = name.substr(slash + 1);
    name = base == "layer.tar" ? name.substr(0, slash) : base;
    if (auto inner = name.rfind('/'); inner != std::string::npos) name = name.substr(inner + 1);
  }
  if (auto dot = name.find('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  return name.substr(0, 12);
}

class Spooler {
 public:
  Spooler(const BlobStore& blobs, const std::set<Digest>& existing, const LoadObserver& observer)
      : blobs_(blobs), existing_(existing), observer_(observer) {}

  Status entry(struct archive* a, struct archive_entry* e, Spool& spool) {
    const char* raw = archive_entry_pathname(e);
    if (!raw) return invalid("archive entry without a name");
    auto path = clean_path(raw);
    if (!path) return invalid("invalid archive entry name \"" + std::string(raw) + "\"");
    if (path->empty()) return {};  // "./", the archive's root
    if (const char* target = archive_entry_hardlink(e)) {
      auto clean = clean_path(target);
      if (!clean) return invalid("invalid hard link target \"" + std::string(target) + "\"");
      spool.entries[*path] = {SpooledEntry::Kind::link, *clean, {}};
      return {};
    }
    switch (archive_entry_filetype(e)) {
      case AE_IFLNK: return link(*path, archive_entry_symlink(e), spool);
      case AE_IFREG: break;
      default: return {};  // directories, and devices nothing may name
    }
    std::string hex;
    if (is_blob_path(*path, hex)) return blob(a, e, *path, *Digest::from_hex(hex), spool);
    if (is_text_path(*path) && archive_entry_size(e) <= static_cast<la_int64_t>(kMaxText))
      return text(a, *path, spool);
    if (is_legacy_metadata(*path)) return {};
    return blob(a, e, *path, std::nullopt, spool);
  }

 private:
  // A symlink's target is relative to its own directory; "../x.tar" from
  // "<id>/layer.tar" is how skopeo shares one layer file between images.
  Status link(const std::string& path, const char* target, Spool& spool) {
    std::string text = target ? target : "";
    if (text.empty() || text[0] == '/') return invalid("invalid symlink target \"" + text + "\" of " + path);
    auto slash = path.rfind('/');
    std::string joined = slash == std::string::npos ? text : path.substr(0, slash + 1) + text;
    auto clean = clean_path(joined);
    if (!clean) return invalid("symlink " + path + " points outside the archive: \"" + text + "\"");
    spool.entries[path] = {SpooledEntry::Kind::link, *clean, {}};
    return {};
  }

  Status text(struct archive* a, const std::string& path, Spool& spool) {
    std::string content;
    char buffer[1 << 14];
    for (;;) {
      la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
      if (n < 0) return invalid("read " + path + ": " + archive_error_string(a));
      if (n == 0) break;
      content.append(buffer, static_cast<std::size_t>(n));
    }
    text_total_ += content.size();
    if (text_total_ > kMaxTextTotal) return invalid("the archive's JSON files exceed 64 MiB together");
    spool.entries[path] = {SpooledEntry::Kind::text, std::move(content), {}};
    return {};
  }

  Status blob(struct archive* a, struct archive_entry* e, const std::string& path,
              const std::optional<Digest>& expected, Spool& spool) {
    if (expected && blobs_.exists(*expected)) {  // content-addressed: already the same bytes
      spool.entries[path] = {SpooledEntry::Kind::blob, {}, *expected};
      return {};
    }
    GORAE_ASSIGN_OR_RETURN(auto writer, blobs_.writer());
    const std::int64_t total = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    const bool report = observer_ && total >= kProgressFrom;
    const std::string id = report ? progress_id(path) : "";
    // dockerd's progress reader: an update per 1% read, at most every 512 KiB.
    const std::int64_t every = std::min<std::int64_t>(512 << 10, total / 100 + 1);
    std::int64_t reported = 0;
    std::vector<char> buffer(1 << 16);
    for (;;) {
      la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
      if (n < 0) return invalid("read " + path + ": " + archive_error_string(a));
      if (n == 0) break;
      GORAE_TRY(writer.write(std::string_view(buffer.data(), static_cast<std::size_t>(n))));
      if (report && (writer.written() - reported >= every || writer.written() == total)) {
        reported = writer.written();
        observer_({LoadEvent::Kind::progress, id, reported, total, {}});
      }
    }
    auto digest = writer.commit(expected);
    if (!digest) return tl::unexpected(std::move(digest).error().wrap(path));
    if (!existing_.count(*digest)) spool.new_blobs.insert(*digest);
    spool.entries[path] = {SpooledEntry::Kind::blob, {}, *digest};
    return {};
  }

  const BlobStore& blobs_;
  const std::set<Digest>& existing_;
  const LoadObserver& observer_;
  std::size_t text_total_ = 0;
};

}  // namespace

// Go's path.Clean, except that climbing above the archive's root is an error.
Result<std::string> clean_path(std::string_view path) {
  if (!path.empty() && path[0] == '/') return invalid("invalid path \"" + std::string(path) + "\"");
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) return invalid("invalid path \"" + std::string(path) + "\"");
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (auto part : parts) out += (out.empty() ? "" : "/") + std::string(part);
  return out;
}

Result<const SpooledEntry*> Spool::find(const std::string& path, const std::string& what) const {
  std::string current = path;
  for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
    auto it = entries.find(current);
    if (it == entries.end())
      return invalid(what + " names " + path + ", which is not in the archive");
    if (it->second.kind != SpooledEntry::Kind::link) return &it->second;
    current = it->second.text;
  }
  return invalid(what + " names " + path + ": too many levels of links");
}

Result<std::string> Spool::read_text(const BlobStore& blobs, const std::string& path,
                                     const std::string& what) const {
  GORAE_ASSIGN_OR_RETURN(const SpooledEntry* entry, find(path, what));
  if (entry->kind == SpooledEntry::Kind::text) return entry->text;
  GORAE_ASSIGN_OR_RETURN(auto size, blobs.size(entry->digest));
  if (size > static_cast<std::int64_t>(kMaxText)) return invalid(what + " " + path + " is larger than 16 MiB");
  return blobs.read(entry->digest);
}

Result<Digest> Spool::blob(const std::string& path, const std::string& what) const {
  GORAE_ASSIGN_OR_RETURN(const SpooledEntry* entry, find(path, what));
  if (entry->kind == SpooledEntry::Kind::blob) return entry->digest;
  return invalid(what + " names " + path + ", a small file where a layer was expected");
}

Result<Spool> spool_archive(const BlobStore& blobs, const std::set<Digest>& existing,
                            const ArchiveSource& source, const LoadObserver& observer) {
  std::unique_ptr<struct archive, ArchiveFree> a(archive_read_new());
  archive_read_support_filter_all(a.get());  // `docker load` takes gzip/xz/zstd archives too
  archive_read_support_format_tar(a.get());
  archive_read_support_format_empty(a.get());  // then the error names what is missing
  Reader reader{&source, std::vector<char>(1 << 16), std::nullopt};
  Spool spool;
  Spooler spooler(blobs, existing, observer);
  // Blobs already written stay listed in the spool so the caller can remove them.
  auto failed = [&](Error error) -> Result<Spool> {
    for (const auto& digest : spool.new_blobs) (void)blobs.remove(digest);
    return tl::unexpected(std::move(error));
  };
  if (archive_read_open(a.get(), &reader, nullptr, &Reader::read, nullptr) != ARCHIVE_OK)
    return failed(reader.error.value_or(Error(Errc::invalid_argument,
                                              std::string("not a tar archive: ") +
                                                  archive_error_string(a.get()))));
  for (;;) {
    struct archive_entry* entry = nullptr;
    int status = archive_read_next_header(a.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      if (reader.error) return failed(*reader.error);
      return failed(Error(Errc::invalid_argument,
                          std::string("read archive: ") + archive_error_string(a.get())));
    }
    if (auto added = spooler.entry(a.get(), entry, spool); !added) {
      if (reader.error) return failed(*reader.error);
      return failed(std::move(added).error());
    }
  }
  return spool;
}

}  // namespace gorae::images::archive_detail
