// Image manifests as JSON (OCI image-spec manifest.md, Docker schema 2).
#include <nlohmann/json.hpp>

#include "gorae/images/manifest.hpp"

namespace gorae::images {
namespace {

using json = nlohmann::json;

tl::unexpected<Error> invalid(const std::string& why) {
  return tl::unexpected(Error(Errc::invalid_argument, "invalid image manifest: " + why));
}

Result<Descriptor> parse_descriptor(const json& d, const std::string& where) {
  if (!d.is_object()) return invalid(where + " is not an object");
  Descriptor descriptor;
  descriptor.media_type = d.value("mediaType", "");
  auto digest = Digest::parse(d.value("digest", ""));
  if (!digest) return invalid(where + ".digest: " + digest.error().what());
  descriptor.digest = *digest;
  descriptor.size = d.value("size", std::int64_t{-1});
  if (descriptor.size < 0) return invalid(where + ".size is missing");
  if (auto it = d.find("annotations"); it != d.end() && it->is_object())
    descriptor.annotations = it->get<std::map<std::string, std::string>>();
  return descriptor;
}

Result<Manifest> parse_document(const json& doc) {
  if (!doc.is_object()) return invalid("not a JSON object");
  Manifest manifest;
  manifest.media_type = doc.value("mediaType", "");
  if (manifest.media_type == media_type::kOciIndex ||
      manifest.media_type == media_type::kDockerManifestList || doc.contains("manifests"))
    return invalid("it is a multi-platform index: pick one manifest from it");
  manifest.schema_version = doc.value("schemaVersion", 0);
  if (manifest.schema_version != 2)
    return invalid("schemaVersion " + std::to_string(manifest.schema_version) + " (only 2 is supported)");
  if (!manifest.media_type.empty() && manifest.media_type != media_type::kOciManifest &&
      manifest.media_type != media_type::kDockerManifest)
    return invalid("unsupported mediaType " + manifest.media_type);
  if (!doc.contains("config")) return invalid("no config");
  GORAE_ASSIGN_OR_RETURN(manifest.config, parse_descriptor(doc["config"], "config"));
  const json& layers = doc.value("layers", json::array());
  if (!layers.is_array()) return invalid("layers is not an array");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    std::string where = "layers[" + std::to_string(i) + "]";
    GORAE_ASSIGN_OR_RETURN(auto layer, parse_descriptor(layers[i], where));
    if (!is_layer_media_type(layer.media_type))
      return invalid(where + ": unsupported layer mediaType \"" + layer.media_type + "\"");
    manifest.layers.push_back(std::move(layer));
  }
  if (auto it = doc.find("annotations"); it != doc.end() && it->is_object())
    manifest.annotations = it->get<std::map<std::string, std::string>>();
  return manifest;
}

json descriptor_json(const Descriptor& d) {
  json out = {{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
  if (!d.annotations.empty()) out["annotations"] = d.annotations;
  return out;
}

}  // namespace

bool is_layer_media_type(std::string_view type) {
  for (auto known : {media_type::kOciLayer, media_type::kOciLayerGzip, media_type::kOciLayerZstd,
                     media_type::kDockerLayer, media_type::kDockerLayerGzip})
    if (type == known) return true;
  return false;
}

Result<Manifest> parse_manifest(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return invalid("not JSON");
  try {
    return parse_document(doc);
  } catch (const json::exception& e) {
    return invalid(e.what());
  }
}

std::string serialize_manifest(const Manifest& manifest) {
  json doc = {{"schemaVersion", manifest.schema_version},
              {"mediaType", manifest.media_type},
              {"config", descriptor_json(manifest.config)}};
  json layers = json::array();
  for (const auto& layer : manifest.layers) layers.push_back(descriptor_json(layer));
  doc["layers"] = std::move(layers);
  if (!manifest.annotations.empty()) doc["annotations"] = manifest.annotations;
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace gorae::images
