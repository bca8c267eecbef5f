// The two images gorae's build makes (hello-world, busybox) into the content
// store on first start: each rootfs directory is packed as one layer tar
// (libarchive reading the disk), and chapter 02's small config.json becomes
// a Docker image config around it.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gorae/base/unique_fd.hpp"
#include "gorae/engine/overlay_images.hpp"

namespace gorae::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using ReadDisk = std::unique_ptr<archive, decltype(&archive_read_free)>;
using Writer = std::unique_ptr<archive, decltype(&archive_write_free)>;

// Packs `rootfs` (its contents, not the directory itself) as a pax tar into `out`.
Status pack_directory(const std::string& rootfs, int out) {
  ReadDisk disk(archive_read_disk_new(), archive_read_free);
  Writer tar(archive_write_new(), archive_write_free);
  if (!disk || !tar) return fail(Errc::internal, "libarchive: out of memory");
  archive_read_disk_set_standard_lookup(disk.get());
  archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
  archive_write_set_format_pax_restricted(tar.get());
  if (archive_write_open_fd(tar.get(), out) != ARCHIVE_OK)
    return fail(Errc::system, std::string("tar: ") + archive_error_string(tar.get()));
  if (archive_read_disk_open(disk.get(), rootfs.c_str()) != ARCHIVE_OK)
    return fail(Errc::system, "read " + rootfs + ": " + archive_error_string(disk.get()));
  for (;;) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(disk.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) return fail(Errc::system, std::string("read ") + archive_error_string(disk.get()));
    archive_read_disk_descend(disk.get());
    // Names inside the layer are relative to its root: "bin/sh", not "/tmp/.../rootfs/bin/sh".
    std::string path = archive_entry_pathname(entry);
    std::string relative = fs::path(path).lexically_relative(rootfs).string();
    if (relative == "." || relative.empty()) continue;
    archive_entry_set_pathname(entry, relative.c_str());
    if (archive_write_header(tar.get(), entry) != ARCHIVE_OK)
      return fail(Errc::system, "tar " + relative + ": " + archive_error_string(tar.get()));
    if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_size(entry) > 0) {
      std::ifstream file(path, std::ios::binary);
      char buffer[65536];
      while (file.read(buffer, sizeof buffer) || file.gcount() > 0)
        archive_write_data(tar.get(), buffer, static_cast<std::size_t>(file.gcount()));
    }
  }
  if (archive_write_close(tar.get()) != ARCHIVE_OK)
    return fail(Errc::system, std::string("tar: ") + archive_error_string(tar.get()));
  return {};
}

Status import_one(images::Store& store, const std::string& name, const std::string& tag,
                  const fs::path& dir) {
  std::ifstream config_file(dir / "config.json");
  json small = json::parse(config_file, nullptr, false);
  if (!small.is_object()) return fail(Errc::invalid_argument, (dir / "config.json").string() + ": not JSON");

  char temp_name[] = "/tmp/gorae-layer-XXXXXX";
  base::UniqueFd temp(::mkstemp(temp_name));
  if (!temp.valid()) return tl::unexpected(Error::from_errno("mkstemp"));
  ::unlink(temp_name);
  GORAE_TRY(pack_directory((dir / "rootfs").string(), temp.get()));
  if (::lseek(temp.get(), 0, SEEK_SET) < 0) return tl::unexpected(Error::from_errno("lseek"));
  GORAE_ASSIGN_OR_RETURN(images::Digest digest, store.blobs().put_from(temp.get()));
  images::Descriptor layer{std::string(images::media_type::kOciLayer), digest,
                           static_cast<std::int64_t>(::lseek(temp.get(), 0, SEEK_END)), {}};

  std::string created = small.value("Created", "");
  json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"created", created},
      {"config",
       {{"Cmd", small.value("Cmd", json(nullptr))},
        {"Entrypoint", small.value("Entrypoint", json(nullptr))},
        {"Env", small.value("Env", json::array())},
        {"WorkingDir", small.value("WorkingDir", "")},
        {"User", small.value("User", "")}}},
      // An uncompressed layer's diff_id is its blob digest.
      {"rootfs", {{"type", "layers"}, {"diff_ids", {digest.str()}}}},
      {"history", {{{"created", created}, {"created_by", "gorae's build: " + name + " (chapter 02's image directory)"}}}},
  };
  GORAE_ASSIGN_OR_RETURN(images::Image image, store.add(config.dump(), {layer}));
  GORAE_ASSIGN_OR_RETURN(images::Reference reference, images::Reference::parse(name + ":" + tag));
  return store.tag(image.id, reference);
}

}  // namespace

Status import_bundled_images(images::Store& store, const std::string& bundled_dir) {
  std::error_code ec;
  if (!fs::is_directory(bundled_dir, ec)) return {};
  for (const auto& name : fs::directory_iterator(bundled_dir, ec)) {
    if (!name.is_directory(ec)) continue;
    for (const auto& tag : fs::directory_iterator(name.path(), ec)) {
      std::string reference = name.path().filename().string() + ":" + tag.path().filename().string();
      if (store.find(reference)) continue;  // imported on an earlier start
      GORAE_TRY(import_one(store, name.path().filename().string(), tag.path().filename().string(), tag.path())
                    .map_error([&](Error error) { return std::move(error).wrap("import " + reference); }));
    }
  }
  return {};
}

}  // namespace gorae::engine
