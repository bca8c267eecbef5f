// docker commit, after dockerd's CreateImageFromContainer and CommitImage:
// config first (so a bad --change costs no copying), then the layer, then
// the image through the content store like any other.
#include "gorae/engine/container_commit.hpp"

#include <ctime>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "gorae/base/log.hpp"
#include "gorae/engine/container_freezer.hpp"
#include "gorae/engine/resources.hpp"
#include "gorae/images/commit_config.hpp"
#include "gorae/images/upper_layer.hpp"

namespace gorae::engine {
namespace {

using json = nlohmann::json;

// Go's time.RFC3339Nano, trailing zeros of the fraction cut.
std::string rfc3339_now() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  struct tm utc {};
  ::gmtime_r(&now.tv_sec, &utc);
  char date[32], fraction[16];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(fraction, sizeof fraction, ".%09ld", now.tv_nsec);
  std::string text = std::string(date) + fraction;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "Z";
}

// dockerd's container.Config holds what create merged in from the image;
// gorae's record keeps only the fields it runs with, so the rest comes
// from the image again.
json docker_config(const Container& container, const json& image_config) {
  json config = inspect_json(container)["Config"];
  for (const char* key : {"ExposedPorts", "Volumes", "StopSignal", "OnBuild", "Shell", "Healthcheck"})
    if ((!config.contains(key) || config[key].is_null()) && image_config.contains(key)) config[key] = image_config[key];
  if (image_config.value("Labels", json()).is_object())
    for (const auto& [key, value] : image_config["Labels"].items())
      if (!config["Labels"].contains(key)) config["Labels"][key] = value;
  return config;
}

Result<images::Image> parent_of(const images::Store& store, const Container& container) {
  auto id = images::parse_image_id(container.image_id);
  if (!id) return fail(Errc::internal, "container " + container.id + " names no image ID: " + container.image_id);
  return store.get(*id);
}

}  // namespace

Result<std::vector<std::string>> container_layers(const images::Store& store, const Container& container,
                                                  const std::string& container_dir) {
  GORAE_ASSIGN_OR_RETURN(images::Image image, parent_of(store, container));
  std::vector<std::string> layers;
  for (const auto& diff_id : image.config.diff_ids) layers.push_back(store.layers().diff_dir(diff_id));
  std::error_code ec;
  if (std::filesystem::is_directory(container_dir + "/init", ec)) layers.push_back(container_dir + "/init");
  return layers;
}

Result<std::vector<images::Change>> changes_of(const images::Store& store, const Container& container,
                                               const std::string& container_dir) {
  GORAE_ASSIGN_OR_RETURN(auto layers, container_layers(store, container, container_dir));
  return images::container_changes(container_dir + "/upper", layers);
}

Result<images::Image> commit_container(images::Store& store, const Container& container,
                                       const std::string& container_dir, const CommitOptions& options) {
  if (container.state.status == RunStatus::dead)
    return fail(Errc::conflict, "You cannot commit container " + container.id + " which is Dead");
  if (container.state.status == RunStatus::removing)
    return fail(Errc::conflict, "You cannot commit container " + container.id + " which is being removed");
  GORAE_ASSIGN_OR_RETURN(images::Image parent, parent_of(store, container));
  GORAE_ASSIGN_OR_RETURN(std::string parent_text, store.blobs().read(parent.id));
  json image_config = json::parse(parent_text, nullptr, false).value("config", json::object());
  json ours = docker_config(container, image_config.is_object() ? image_config : json::object());
  json config = options.config_json.empty() ? ours : json::parse(options.config_json, nullptr, false);
  if (!config.is_object()) return fail(Errc::invalid_argument, "the commit's config is not a JSON object");
  GORAE_TRY(images::apply_changes(config, options.changes));
  images::merge_config(config, ours);

  std::optional<ScopedFreeze> frozen;
  if (options.pause && container.state.status == RunStatus::running) {
    auto path = cgroup_path_of(container);
    auto freeze = path ? ScopedFreeze::freeze(*path) : tl::unexpected(std::move(path).error());
    if (freeze) frozen.emplace(std::move(*freeze));
    else GORAE_LOG_WARN("commit %s without a pause: %s", container.id.c_str(), freeze.error().what().c_str());
  }
  GORAE_ASSIGN_OR_RETURN(images::BlobWriter blob, store.blobs().writer());
  GORAE_ASSIGN_OR_RETURN(std::size_t entries, images::write_upper_layer(container_dir + "/upper", [&](std::string_view bytes) {
    return blob.write(bytes);
  }));
  frozen.reset();

  GORAE_ASSIGN_OR_RETURN(std::string manifest_text, store.blobs().read(parent.manifest.digest));
  GORAE_ASSIGN_OR_RETURN(images::Manifest manifest, images::parse_manifest(manifest_text));
  images::CommitStep step{rfc3339_now(), options.author, options.comment, "", std::nullopt};
  for (const auto& word : container.config.cmd) step.created_by += (step.created_by.empty() ? "" : " ") + word;
  if (entries > 0) {  // an uncompressed layer: its blob digest is its diff_id
    std::int64_t size = blob.written();
    GORAE_ASSIGN_OR_RETURN(images::Digest digest, blob.commit());
    manifest.layers.push_back({std::string(images::media_type::kOciLayer), digest, size, {}});
    step.diff_id = digest;
  }
  GORAE_ASSIGN_OR_RETURN(std::string child, images::child_config(parent_text, config, step));
  GORAE_ASSIGN_OR_RETURN(images::Image image, store.add(child, manifest.layers));
  GORAE_TRY(store.set_parent(image.id, parent.id));
  if (options.reference) GORAE_TRY(store.tag(image.id, *options.reference, true));
  return store.get(image.id);
}

}  // namespace gorae::engine
