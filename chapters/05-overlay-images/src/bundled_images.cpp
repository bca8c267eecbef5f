// The images gorae's build makes (hello-world, busybox) come as image
// archives, ARCHIVES/NAME/TAG.tar, written by images/pack-image.py. goraed
// loads each one its store lacks when it opens, the way a user would run
// `docker load -i busybox.tar`: from then on they are images like any other.

#include <fcntl.h>

#include <filesystem>

#include "gorae/base/unique_fd.hpp"
#include "gorae/engine/overlay_images.hpp"
#include "gorae/images/archive.hpp"

namespace gorae::engine {

namespace fs = std::filesystem;

Status import_bundled_images(images::Store& store, const std::string& archives_dir) {
  std::error_code ec;
  if (!fs::is_directory(archives_dir, ec)) return {};
  for (const auto& name : fs::directory_iterator(archives_dir, ec)) {
    if (!name.is_directory(ec)) continue;
    for (const auto& archive : fs::directory_iterator(name.path(), ec)) {
      if (archive.path().extension() != ".tar") continue;
      std::string reference = name.path().filename().string() + ":" + archive.path().stem().string();
      if (store.find(reference)) continue;  // loaded on an earlier start (or the user's own)
      base::UniqueFd fd(::open(archive.path().c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) return tl::unexpected(Error::from_errno("open " + archive.path().string()));
      auto loaded = images::load_archive(store, fd.get());
      if (!loaded) return tl::unexpected(std::move(loaded.error()).wrap("load " + archive.path().string()));
    }
  }
  return {};
}

}  // namespace gorae::engine
