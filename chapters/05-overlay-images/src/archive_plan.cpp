// Which images a spooled archive holds. `docker save` lists them in
// manifest.json (paths to a config and to layer tars, plus tags); an OCI
// image layout lists manifests in index.json. Docker 25's archives have
// both, and dockerd reads manifest.json, so that wins.
#include <sys/utsname.h>

#include <nlohmann/json.hpp>

#include "archive_internal.hpp"

namespace gorae::images::archive_detail {
namespace {

using json = nlohmann::json;

tl::unexpected<Error> invalid(const std::string& why) {
  return tl::unexpected(Error(Errc::invalid_argument, why));
}

// Go's GOARCH names, which image configs and platforms use.
std::string host_architecture() {
  struct utsname name {};
  ::uname(&name);
  std::string machine = name.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "i686" || machine == "i386") return "386";
  return machine;
}

// Reads the config and checks what dockerd checks before adding: a Linux
// image, as many layers as diff_ids, and each layer's content.
Status check_image(const BlobStore& blobs, PlannedImage& plan, const std::string& where) {
  auto config = parse_config(plan.config_json);
  if (!config) return tl::unexpected(std::move(config).error().wrap(where));
  if (config->os != "linux") return invalid("cannot load " + config->os + " image on linux");
  if (config->diff_ids.size() != plan.layers.size())
    return invalid("invalid manifest, layers length mismatch: expected " +
                   std::to_string(plan.layers.size()) + ", got " + std::to_string(config->diff_ids.size()));
  for (std::size_t i = 0; i < plan.layers.size(); ++i)
    GORAE_TRY(verify_layer(blobs, plan.layers[i].digest, config->diff_ids[i], i));
  return {};
}

Result<std::string> clean_manifest_path(const json& value, const std::string& what) {
  if (!value.is_string()) return invalid("invalid manifest.json: " + what + " is not a path");
  auto clean = clean_path(value.get<std::string>());
  if (!clean || clean->empty())
    return invalid("invalid path in manifest.json: " + value.get<std::string>());
  return *clean;
}

Result<PlannedImage> plan_saved(const BlobStore& blobs, const Spool& spool, const json& item,
                                std::size_t index) {
  std::string where = "manifest.json[" + std::to_string(index) + "]";
  if (!item.is_object()) return invalid("invalid manifest.json: " + where + " is not an object");
  PlannedImage plan;
  GORAE_ASSIGN_OR_RETURN(auto config_path, clean_manifest_path(item.value("Config", json()), where + ".Config"));
  GORAE_ASSIGN_OR_RETURN(plan.config_json, spool.read_text(blobs, config_path, where + ".Config"));
  plan.config = Digest::of(plan.config_json);
  const json& layers = item.value("Layers", json::array());
  if (!layers.is_array()) return invalid("invalid manifest.json: " + where + ".Layers is not a list");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::string what = where + ".Layers[" + std::to_string(i) + "]";
    GORAE_ASSIGN_OR_RETURN(auto path, clean_manifest_path(layers[i], what));
    GORAE_ASSIGN_OR_RETURN(auto digest, spool.blob(path, what));
    GORAE_ASSIGN_OR_RETURN(auto fd, blobs.open_blob(digest));
    GORAE_ASSIGN_OR_RETURN(auto compression, sniff_compression(fd.get()));
    GORAE_ASSIGN_OR_RETURN(auto size, blobs.size(digest));
    plan.layers.push_back({std::string(layer_media_type(compression)), digest, size, {}});
  }
  const json& tags = item.value("RepoTags", json::array());
  for (const auto& tag : tags.is_array() ? tags : json::array()) {
    std::string text = tag.is_string() ? tag.get<std::string>() : tag.dump();
    auto reference = Reference::parse(text);
    if (!reference) return tl::unexpected(std::move(reference).error());
    if (reference->tag.empty() || reference->digest) return invalid("invalid tag \"" + text + "\"");
    plan.tags.push_back(*reference);
  }
  GORAE_TRY(check_image(blobs, plan, where));
  return plan;
}

Result<std::vector<PlannedImage>> plan_docker_save(const BlobStore& blobs, const Spool& spool) {
  GORAE_ASSIGN_OR_RETURN(auto text, spool.read_text(blobs, "manifest.json", "the archive"));
  json doc = json::parse(text, nullptr, false);
  if (doc.is_null()) return invalid("invalid manifest, manifest cannot be null (but can be [])");
  if (!doc.is_array()) return invalid("invalid manifest.json: not a JSON list");
  std::vector<PlannedImage> plans;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    GORAE_ASSIGN_OR_RETURN(auto plan, plan_saved(blobs, spool, doc[i], i));
    plans.push_back(std::move(plan));
  }
  return plans;
}

// The tag an OCI layout gives a manifest. containerd and Docker 25 write
// the whole name in io.containerd.image.name; umoci and skopeo write
// org.opencontainers.image.ref.name, which is a whole reference when it has
// a ':' or a '/' ("busybox:1.36") and otherwise only a tag of no repository.
Result<std::optional<Reference>> oci_tag(const json& annotations) {
  std::string name;
  if (annotations.is_object()) {
    name = annotations.value("io.containerd.image.name", "");
    std::string ref = annotations.value("org.opencontainers.image.ref.name", "");
    if (name.empty() && ref.find_first_of(":/") != std::string::npos) name = ref;
  }
  if (name.empty()) return std::optional<Reference>();
  auto reference = Reference::parse(name);
  if (!reference) return tl::unexpected(std::move(reference).error().wrap("index.json"));
  if (reference->digest) return std::optional<Reference>();  // a digest is not a tag
  return std::optional<Reference>(reference->with_default_tag());
}

// An index inside the index (a multi-platform image): the manifest for
// this machine's platform.
Result<Digest> pick_platform(const BlobStore& blobs, const Digest& index, int depth) {
  if (depth > 4) return invalid("index.json: indexes nested too deep");
  GORAE_ASSIGN_OR_RETURN(auto text, blobs.read(index));
  json doc = json::parse(text, nullptr, false);
  const json& manifests = doc.is_object() ? doc.value("manifests", json::array()) : json::array();
  const std::string arch = host_architecture();
  for (const auto& entry : manifests.is_array() ? manifests : json::array()) {
    const json& platform = entry.value("platform", json::object());
    if (!platform.is_object() || platform.value("os", "") != "linux" ||
        platform.value("architecture", "") != arch)
      continue;
    auto digest = Digest::parse(entry.value("digest", ""));
    if (!digest) continue;
    std::string type = entry.value("mediaType", "");
    if (type == media_type::kOciIndex || type == media_type::kDockerManifestList)
      return pick_platform(blobs, *digest, depth + 1);
    return *digest;
  }
  return invalid("index " + index.str() + " has no image for linux/" + arch);
}

Result<PlannedImage> plan_manifest(const BlobStore& blobs, const Digest& digest, const std::string& where) {
  if (!blobs.exists(digest)) return invalid(where + " names blob " + digest.str() + ", which is not in the archive");
  GORAE_ASSIGN_OR_RETURN(auto text, blobs.read(digest));
  auto manifest = parse_manifest(text);
  if (!manifest) return tl::unexpected(std::move(manifest).error().wrap(where));
  PlannedImage plan;
  plan.manifest = digest;
  plan.config = manifest->config.digest;
  auto config_size = blobs.size(plan.config);
  if (!config_size) return invalid(where + ": config blob " + plan.config.str() + " is not in the archive");
  if (*config_size > (16 << 20)) return invalid(where + ": config blob " + plan.config.str() + " is larger than 16 MiB");
  GORAE_ASSIGN_OR_RETURN(plan.config_json, blobs.read(plan.config));
  for (const auto& layer : manifest->layers) {
    auto size = blobs.size(layer.digest);
    if (!size) return invalid(where + ": layer blob " + layer.digest.str() + " is not in the archive");
    if (*size != layer.size)
      return invalid(where + ": layer blob " + layer.digest.str() + " has " + std::to_string(*size) +
                     " bytes, the manifest says " + std::to_string(layer.size));
    plan.layers.push_back(layer);
  }
  GORAE_TRY(check_image(blobs, plan, where));
  return plan;
}

Result<std::vector<PlannedImage>> plan_oci_layout(const BlobStore& blobs, const Spool& spool) {
  GORAE_ASSIGN_OR_RETURN(auto text, spool.read_text(blobs, "index.json", "the archive"));
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.value("manifests", json()).is_array())
    return invalid("invalid index.json: no list of manifests");
  std::vector<PlannedImage> plans;
  const json& manifests = doc["manifests"];
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    std::string where = "index.json manifests[" + std::to_string(i) + "]";
    const json& entry = manifests[i];
    auto digest = Digest::parse(entry.is_object() ? entry.value("digest", "") : "");
    if (!digest) return tl::unexpected(std::move(digest).error().wrap(where));
    std::string type = entry.value("mediaType", "");
    if (type == media_type::kOciIndex || type == media_type::kDockerManifestList) {
      GORAE_ASSIGN_OR_RETURN(digest, pick_platform(blobs, *digest, 0));
    }
    GORAE_ASSIGN_OR_RETURN(auto tag, oci_tag(entry.value("annotations", json())));
    // One manifest under several tags is one image.
    auto same = std::find_if(plans.begin(), plans.end(), [&](const PlannedImage& p) { return p.manifest == *digest; });
    if (same == plans.end()) {
      GORAE_ASSIGN_OR_RETURN(auto plan, plan_manifest(blobs, *digest, where));
      plans.push_back(std::move(plan));
      same = plans.end() - 1;
    }
    if (tag && std::find(same->tags.begin(), same->tags.end(), *tag) == same->tags.end())
      same->tags.push_back(*tag);
  }
  return plans;
}

}  // namespace

Result<std::vector<PlannedImage>> plan_images(const BlobStore& blobs, const Spool& spool) {
  if (spool.has("manifest.json")) return plan_docker_save(blobs, spool);
  if (spool.has("index.json")) return plan_oci_layout(blobs, spool);
  return invalid("the archive has neither manifest.json (docker save) nor index.json (an OCI image layout)");
}

}  // namespace gorae::images::archive_detail
