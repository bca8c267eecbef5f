// The engine's view of the content store: chapter 02 asked an ImageStore for
// a copy of the image's files; here the container gets an overlay of the
// image's layers instead, so starting costs a mount and no copying.

#include "gorae/engine/overlay_images.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "gorae/base/log.hpp"
#include "gorae/engine/commit_routes.hpp"
#include "gorae/engine/image_routes.hpp"
#include "gorae/engine/volume_parts.hpp"
#include "gorae/images/init_layer.hpp"
#include "gorae/images/snapshotter.hpp"

namespace gorae::engine {
namespace {

namespace fs = std::filesystem;

Image to_engine(const images::Image& image) {
  Image out;
  out.id = image.id.str();
  out.repo_tags = image.repo_tags;
  if (image.created) out.created = *image.created;
  out.size = image.size;
  const auto& run = image.config.config;
  out.config.cmd = run.cmd.value_or(std::vector<std::string>{});
  out.config.entrypoint = run.entrypoint;
  out.config.env = run.env;
  out.config.working_dir = run.working_dir;
  out.config.user = run.user;
  return out;
}

class OverlayImages final : public ImageStore {
 public:
  explicit OverlayImages(std::shared_ptr<images::Store> store)
      : store_(std::move(store)), snapshotter_(store_->layers().dir() + "/l") {}

  Result<Image> find(const std::string& reference) const override {
    GORAE_ASSIGN_OR_RETURN(images::Image image, store_->find(reference));
    return to_engine(image);
  }

  std::vector<Image> list() const override {
    std::vector<Image> out;
    for (const auto& image : store_->list()) out.push_back(to_engine(image));
    return out;
  }

  Status prepare_rootfs(const Image& image, const std::string& rootfs_dir) override {
    GORAE_ASSIGN_OR_RETURN(images::OverlayLayout layout, layout_for(image.id, rootfs_dir));
    // The init layer is also what makes the lower list never empty, even
    // for an image without layers (FROM scratch, nothing added).
    const std::string init = layout.lower.back();
    layout.lower.pop_back();
    Status made = images::make_init_layer(init, layout.lower);
    layout.lower.push_back(init);
    if (made) made = snapshotter_.mount(layout);
    if (!made) {
      std::error_code ec;
      for (const auto& dir : {layout.upper, layout.work, init}) fs::remove_all(dir, ec);
      (void)snapshotter_.remove_link(init);
    }
    return made;
  }

  // After a reboot the directories are all there, and only the mount is not.
  Status mount_rootfs(const std::string& image_id, const std::string& rootfs_dir) override {
    if (images::is_mount_point(rootfs_dir)) return {};
    GORAE_ASSIGN_OR_RETURN(images::OverlayLayout layout, layout_for(image_id, rootfs_dir));
    if (!fs::is_directory(layout.lower.back()) || !fs::is_directory(layout.upper))
      return fail(Errc::internal, "the container's layers are gone from " + fs::path(rootfs_dir).parent_path().string());
    return snapshotter_.mount(layout);
  }

  Status release_rootfs(const std::string& rootfs_dir) override {
    GORAE_TRY(snapshotter_.unmount(rootfs_dir));
    std::string parent = fs::path(rootfs_dir).parent_path().string();
    std::error_code ec;
    for (const char* dir : {"/upper", "/work", "/init"}) fs::remove_all(parent + dir, ec);
    GORAE_TRY(snapshotter_.remove_link(parent + "/init"));
    fs::remove(rootfs_dir, ec);
    return {};
  }

 private:
  // The image's layers, then the container's init layer, under its upper
  // and work directories, all beside `rootfs_dir`.
  Result<images::OverlayLayout> layout_for(const std::string& image_id, const std::string& rootfs_dir) const {
    auto id = images::parse_image_id(image_id);
    if (!id) return fail(Errc::invalid_argument, "not an image ID: " + image_id);
    GORAE_ASSIGN_OR_RETURN(images::Image found, store_->get(*id));
    images::OverlayLayout layout;
    for (const auto& diff_id : found.config.diff_ids) layout.lower.push_back(store_->layers().diff_dir(diff_id));
    std::string parent = fs::path(rootfs_dir).parent_path().string();
    layout.lower.push_back(parent + "/init");
    layout.upper = parent + "/upper";
    layout.work = parent + "/work";
    layout.target = rootfs_dir;
    return layout;
  }

  std::shared_ptr<images::Store> store_;
  images::Snapshotter snapshotter_;
};

// inspect's Driver and GraphDriver as overlay2 reports them: LowerDir top
// first (the init layer, then the image's layers), full paths.
InspectContributor graph_driver(std::shared_ptr<images::Store> store, std::string containers_dir) {
  return [store, containers_dir](const Container& container, nlohmann::json& document) {
    std::string dir = containers_dir + "/" + container.id;
    std::string lower = dir + "/init";
    auto id = images::parse_image_id(container.image_id);
    auto image = id ? store->get(*id) : Result<images::Image>(fail(Errc::not_found, "no image"));
    if (image)
      for (auto diff_id = image->config.diff_ids.rbegin(); diff_id != image->config.diff_ids.rend(); ++diff_id)
        lower += ":" + store->layers().diff_dir(*diff_id);
    document["Driver"] = "overlay2";
    document["GraphDriver"] = {{"Name", "overlay2"},
                               {"Data",
                                {{"LowerDir", lower},
                                 {"MergedDir", dir + "/rootfs"},
                                 {"UpperDir", dir + "/upper"},
                                 {"WorkDir", dir + "/work"}}}};
  };
}

}  // namespace

std::unique_ptr<ImageStore> overlay_images(std::shared_ptr<images::Store> store) {
  return std::make_unique<OverlayImages>(std::move(store));
}

daemon::Installer overlay_installer(std::string archives_dir, EngineParts parts) {
  return [archives_dir, parts](daemon::Context& context) mutable -> Status {
    GORAE_ASSIGN_OR_RETURN(std::shared_ptr<images::Store> store,
                           images::Store::open(context.options.data_root));
    for (const auto& warning : store->load_warnings()) GORAE_LOG_WARN("images: %s", warning.c_str());
    if (!fs::is_directory(archives_dir))
      GORAE_LOG_WARN("no bundled image archives at \"%s\": hello-world and busybox will be missing",
                     archives_dir.c_str());
    if (auto imported = import_bundled_images(*store, archives_dir); !imported)
      GORAE_LOG_WARN("bundled images: %s", imported.error().what().c_str());
    parts.open_images = [store](const daemon::Options&) -> Result<std::unique_ptr<ImageStore>> {
      return overlay_images(store);
    };
    parts.routes.push_back(image_routes(store));
    parts.routes.push_back(commit_routes(store, context.options.data_root));
    parts.inspect.push_back(graph_driver(store, context.options.data_root + "/containers"));
    GORAE_TRY(add_volume_parts(parts, context.options));
    GORAE_TRY(installer("", parts)(context));  // chapter 02's image directories are not used
    context.system.add_info_contributor([](nlohmann::json& info) {
      info["Driver"] = "overlay2";
      info["Plugins"]["Volume"] = nlohmann::json::array({"local"});
    });
    return {};
  };
}

}  // namespace gorae::engine
