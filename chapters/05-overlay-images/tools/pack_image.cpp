// gorae-pack-image: turns one of chapter 02's image directories
// (rootfs/ + a small config.json) into an image archive that `docker load`,
// skopeo and goraed all read. The build runs it for hello-world and busybox;
// goraed loads the archives on its first start, like any user's `docker load`.
//
//   gorae-pack-image busybox:latest IMAGE_DIR OUT.tar
//
// The same inputs give the same bytes: entries are sorted, owned by root and
// dated at the image's creation time, so the image ID does not depend on the
// machine, the user or the hour of the build.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "gorae/base/unique_fd.hpp"
#include "gorae/images/archive.hpp"
#include "gorae/images/image_config.hpp"

namespace {

namespace fs = std::filesystem;
using gorae::Errc;
using gorae::Error;
using gorae::Result;
using gorae::Status;
using gorae::fail;
using nlohmann::json;

using ReadDisk = std::unique_ptr<archive, decltype(&archive_read_free)>;
using Writer = std::unique_ptr<archive, decltype(&archive_write_free)>;
using Entry = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

// Every path under `root`, parents before children, siblings by name.
std::vector<fs::path> sorted_tree(const fs::path& root) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    paths.push_back(entry.path().lexically_relative(root));
  std::sort(paths.begin(), paths.end());
  return paths;
}

Status write_entry(archive* disk, archive* tar, const fs::path& root, const fs::path& relative,
                   std::time_t created) {
  fs::path path = root / relative;
  Entry entry(archive_entry_new(), archive_entry_free);
  archive_entry_copy_sourcepath(entry.get(), path.c_str());
  if (archive_read_disk_entry_from_file(disk, entry.get(), -1, nullptr) != ARCHIVE_OK)
    return fail(Errc::system, "read " + path.string() + ": " + archive_error_string(disk));
  archive_entry_set_pathname(entry.get(), relative.c_str());
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  archive_entry_set_uname(entry.get(), "root");
  archive_entry_set_gname(entry.get(), "root");
  archive_entry_set_mtime(entry.get(), created, 0);
  archive_entry_unset_atime(entry.get());
  archive_entry_unset_ctime(entry.get());
  archive_entry_unset_birthtime(entry.get());
  if (archive_write_header(tar, entry.get()) != ARCHIVE_OK)
    return fail(Errc::system, "tar " + relative.string() + ": " + archive_error_string(tar));
  if (archive_entry_filetype(entry.get()) != AE_IFREG) return {};
  std::ifstream file(path, std::ios::binary);
  char buffer[65536];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0)
    if (archive_write_data(tar, buffer, static_cast<std::size_t>(file.gcount())) < 0)
      return fail(Errc::system, "tar " + relative.string() + ": " + archive_error_string(tar));
  return {};
}

// The contents of `rootfs` (not the directory itself) as a pax tar.
Status pack_layer(const fs::path& rootfs, std::time_t created, int out) {
  ReadDisk disk(archive_read_disk_new(), archive_read_free);
  Writer tar(archive_write_new(), archive_write_free);
  if (!disk || !tar) return fail(Errc::internal, "libarchive: out of memory");
  archive_write_set_format_pax_restricted(tar.get());
  if (archive_write_open_fd(tar.get(), out) != ARCHIVE_OK)
    return fail(Errc::system, std::string("tar: ") + archive_error_string(tar.get()));
  for (const auto& relative : sorted_tree(rootfs))
    if (auto written = write_entry(disk.get(), tar.get(), rootfs, relative, created); !written) return written;
  if (archive_write_close(tar.get()) != ARCHIVE_OK)
    return fail(Errc::system, std::string("tar: ") + archive_error_string(tar.get()));
  return {};
}

// Chapter 02's config.json (Cmd, Entrypoint, Env, WorkingDir, User,
// Created) wrapped into a Docker image config around one layer.
json image_config(const json& small, const std::string& reference, const gorae::images::Digest& layer) {
  std::string created = small.value("Created", "");
  return {
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
      {"rootfs", {{"type", "layers"}, {"diff_ids", {layer.str()}}}},
      {"history", {{{"created", created}, {"created_by", "gorae's build: " + reference}}}},
  };
}

Status pack(const std::string& reference, const fs::path& image_dir, const fs::path& out) {
  std::ifstream config_file(image_dir / "config.json");
  json small = json::parse(config_file, nullptr, false);
  if (!small.is_object()) return fail(Errc::invalid_argument, (image_dir / "config.json").string() + ": not JSON");
  auto created = gorae::images::parse_rfc3339(small.value("Created", ""));
  if (!created) return fail(Errc::invalid_argument, (image_dir / "config.json").string() + ": no Created time");

  // A scratch store beside the output: the archive is written by the same
  // code as `docker save` from goraed.
  fs::path scratch = out.string() + ".store";
  fs::remove_all(scratch);
  auto cleanup = std::unique_ptr<const fs::path, void (*)(const fs::path*)>(
      &scratch, [](const fs::path* dir) { std::error_code ec; fs::remove_all(*dir, ec); });
  GORAE_ASSIGN_OR_RETURN(auto store, gorae::images::Store::open(scratch.string()));

  char layer_name[] = "/tmp/gorae-layer-XXXXXX";
  gorae::base::UniqueFd layer_file(::mkstemp(layer_name));
  if (!layer_file.valid()) return tl::unexpected(Error::from_errno("mkstemp"));
  ::unlink(layer_name);
  GORAE_TRY(pack_layer(image_dir / "rootfs", std::chrono::system_clock::to_time_t(*created), layer_file.get()));
  if (::lseek(layer_file.get(), 0, SEEK_SET) < 0) return tl::unexpected(Error::from_errno("lseek"));
  GORAE_ASSIGN_OR_RETURN(gorae::images::Digest digest, store->blobs().put_from(layer_file.get()));
  gorae::images::Descriptor layer{std::string(gorae::images::media_type::kOciLayer), digest,
                                  static_cast<std::int64_t>(::lseek(layer_file.get(), 0, SEEK_END)), {}};
  GORAE_ASSIGN_OR_RETURN(gorae::images::Image image,
                         store->add(image_config(small, reference, digest).dump(), {layer}));
  GORAE_ASSIGN_OR_RETURN(gorae::images::Reference name, gorae::images::Reference::parse(reference));
  GORAE_TRY(store->tag(image.id, name.with_default_tag()));
  GORAE_ASSIGN_OR_RETURN(gorae::images::SavePlan plan, gorae::images::plan_save(*store, {reference}));

  fs::path partial = out.string() + ".partial";
  std::ofstream archive_file(partial, std::ios::binary | std::ios::trunc);
  GORAE_TRY(gorae::images::write_archive(*store, plan, [&](std::string_view bytes) -> Status {
    if (!archive_file.write(bytes.data(), static_cast<std::streamsize>(bytes.size())))
      return fail(Errc::system, "write " + partial.string());
    return {};
  }));
  archive_file.close();
  if (!archive_file) return fail(Errc::system, "write " + partial.string());
  fs::rename(partial, out);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: gorae-pack-image NAME:TAG IMAGE_DIR OUT.tar\n");
    return 2;
  }
  try {
    fs::create_directories(fs::path(argv[3]).parent_path());
    if (auto packed = pack(argv[1], argv[2], argv[3]); !packed) {
      std::fprintf(stderr, "gorae-pack-image: %s: %s\n", argv[1], packed.error().what().c_str());
      return 1;
    }
  } catch (const fs::filesystem_error& error) {
    std::fprintf(stderr, "gorae-pack-image: %s: %s\n", argv[1], error.what());
    return 1;
  }
  return 0;
}
