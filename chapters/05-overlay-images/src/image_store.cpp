// The image store: records, lookup and add. An image is its config blob
// (whose digest is the ID), the manifest that lists its layer blobs, and the
// unpacked layers. imagedb/<id>.json only says which manifest; everything
// else is content and can be checked against its digest.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gorae/daemon/state_files.hpp"
#include "gorae/images/image_store.hpp"

namespace gorae::images {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(Error::from_errno("open " + path));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// imagedb/<id>.json: {"manifest": {"mediaType": ..., "digest": ..., "size": ...}},
// and "parent": "sha256:..." for an image made by commit.
std::string field_of(const std::string& record_json, const char* outer, const char* inner) {
  json doc = json::parse(record_json, nullptr, false);
  try {
    return inner ? doc.at(outer).at(inner).get<std::string>() : doc.value(outer, "");
  } catch (const json::exception&) {
    return "";
  }
}

tl::unexpected<Error> no_such_image(const std::string& what) {
  return tl::unexpected(Error(Errc::not_found, "No such image: " + what));
}

}  // namespace

Store::Store(std::string root, BlobStore blobs, LayerStore layers)
    : root_(std::move(root)), blobs_(std::move(blobs)), layers_(std::move(layers)) {}

Result<std::unique_ptr<Store>> Store::open(const std::string& data_root) {
  std::string root = data_root + "/images";
  GORAE_ASSIGN_OR_RETURN(auto blobs, BlobStore::create(root + "/blobs"));
  GORAE_ASSIGN_OR_RETURN(auto layers, LayerStore::create(root + "/layers"));
  std::unique_ptr<Store> store(new Store(root, std::move(blobs), std::move(layers)));
  GORAE_TRY(store->load());
  return store;
}

Status Store::load() {
  std::error_code ec;
  fs::create_directories(root_ + "/imagedb", ec);
  if (ec) return fail(Errc::system, "create " + root_ + "/imagedb: " + ec.message());
  for (const auto& entry : fs::directory_iterator(root_ + "/imagedb", ec)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json") continue;  // a temporary file of an interrupted write
    auto id = Digest::from_hex(entry.path().stem().string());
    if (!id) continue;
    auto record = read_record(*id);
    if (!record) {
      warnings_.push_back("image record " + name + " skipped: " + record.error().what());
      continue;
    }
    images_.emplace(*id, std::move(*record));
  }
  if (ec) return fail(Errc::system, "list " + root_ + "/imagedb: " + ec.message());

  std::string path = root_ + "/repositories.json";
  if (!fs::exists(path)) return {};
  GORAE_ASSIGN_OR_RETURN(auto text, read_text(path));
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.value("Repositories", json::object()).is_object()) {
    warnings_.push_back(path + " is not valid JSON: every tag is lost");
    return {};
  }
  for (const auto& [repository, refs] : doc["Repositories"].items()) {
    if (!refs.is_object()) continue;
    for (const auto& [text_ref, text_id] : refs.items()) {
      auto reference = Reference::parse(text_ref);
      auto id = Digest::parse(text_id.is_string() ? text_id.get<std::string>() : "");
      if (!reference || !id || !images_.count(*id)) {
        warnings_.push_back("reference " + text_ref + " skipped: no such image");
        continue;
      }
      Reference key = reference->store_key();
      references_[key.str()] = NamedRef{key, *id};
    }
  }
  return {};
}

Result<Store::Record> Store::read_manifest(const Digest& manifest_digest) const {
  GORAE_ASSIGN_OR_RETURN(auto manifest_json, blobs_.read(manifest_digest));
  GORAE_ASSIGN_OR_RETURN(auto manifest, parse_manifest(manifest_json));
  GORAE_ASSIGN_OR_RETURN(auto config_json, blobs_.read(manifest.config.digest));
  GORAE_ASSIGN_OR_RETURN(auto config, parse_config(config_json));
  if (config.diff_ids.size() != manifest.layers.size())
    return fail(Errc::invalid_argument, "image manifest lists " + std::to_string(manifest.layers.size()) +
                                            " layers but its config has " +
                                            std::to_string(config.diff_ids.size()) + " diff_ids");
  Record record;
  record.image.id = manifest.config.digest;
  record.image.manifest = {manifest.media_type.empty() ? std::string(media_type::kOciManifest)
                                                       : manifest.media_type,
                           manifest_digest, static_cast<std::int64_t>(manifest_json.size()), {}};
  record.image.created = parse_rfc3339(config.created);
  record.image.config = std::move(config);
  for (const auto& layer : manifest.layers) record.layer_blobs.push_back(layer.digest);
  return record;
}

Result<Store::Record> Store::read_record(const Digest& id) const {
  GORAE_ASSIGN_OR_RETURN(auto text, read_text(record_path(id)));
  GORAE_ASSIGN_OR_RETURN(auto manifest, Digest::parse(field_of(text, "manifest", "digest")));
  GORAE_ASSIGN_OR_RETURN(auto record, read_manifest(manifest));
  if (record.image.id != id) return fail(Errc::internal, "its manifest names config " + record.image.id.str());
  if (auto parent = Digest::parse(field_of(text, "parent", nullptr))) record.image.parent = *parent;
  for (const auto& diff_id : record.image.config.diff_ids) {
    auto size = layers_.size(diff_id);
    if (!size) return tl::unexpected(std::move(size).error());
    record.image.size += *size;
  }
  return record;
}

Result<Image> Store::add(const Digest& manifest_digest) {
  GORAE_ASSIGN_OR_RETURN(auto record, read_manifest(manifest_digest));
  const Digest id = record.image.id;
  const auto& diff_ids = record.image.config.diff_ids;
  {
    std::lock_guard lock(mu_);
    if (auto it = images_.find(id); it != images_.end()) return with_references(it->second);
    for (const auto& diff_id : diff_ids) ++pins_[diff_id];  // no remove() may take them meanwhile
  }
  // Unpacking takes long and needs no lock: a layer appears by rename only.
  std::vector<Digest> unpacked;
  Status status;
  for (std::size_t i = 0; status && i < diff_ids.size(); ++i) {
    if (layers_.exists(diff_ids[i])) continue;
    auto blob = blobs_.open_blob(record.layer_blobs[i]);
    if (!blob) {
      status = tl::unexpected(std::move(blob).error());
      break;
    }
    auto size = layers_.unpack(blob->get(), diff_ids[i]);
    if (size) unpacked.push_back(diff_ids[i]);
    else status = tl::unexpected(std::move(size).error());
  }
  for (std::size_t i = 0; status && i < diff_ids.size(); ++i) {
    auto size = layers_.size(diff_ids[i]);
    if (size) record.image.size += *size;
    else status = tl::unexpected(std::move(size).error());
  }
  if (status) {
    json doc = {{"manifest", {{"mediaType", record.image.manifest.media_type},
                              {"digest", record.image.manifest.digest.str()},
                              {"size", record.image.manifest.size}}}};
    status = daemon::write_file_atomic(record_path(id), doc.dump() + "\n");
  }

  std::lock_guard lock(mu_);
  for (const auto& diff_id : diff_ids)
    if (--pins_[diff_id] == 0) pins_.erase(diff_id);
  if (!status) {
    drop_unused_layers(unpacked);  // what this add() unpacked, unless another image took it since
    return tl::unexpected(std::move(status).error().wrap("add image " + id.str()));
  }
  auto [it, inserted] = images_.emplace(id, std::move(record));
  return with_references(it->second);
}

Result<Image> Store::add(std::string_view config_json, const std::vector<Descriptor>& layers) {
  GORAE_ASSIGN_OR_RETURN(auto config_digest, blobs_.put(config_json));
  Manifest manifest;
  manifest.config = {std::string(media_type::kOciConfig), config_digest,
                     static_cast<std::int64_t>(config_json.size()), {}};
  manifest.layers = layers;
  GORAE_ASSIGN_OR_RETURN(auto manifest_digest, blobs_.put(serialize_manifest(manifest)));
  return add(manifest_digest);
}

Result<Digest> Store::resolve(std::string_view text) const {
  if (auto id = parse_image_id(text)) {
    if (images_.count(*id)) return *id;
    return no_such_image(id->str());
  }
  GORAE_ASSIGN_OR_RETURN(auto reference, Reference::parse(text));
  if (auto it = references_.find(reference.store_key().str()); it != references_.end())
    return it->second.id;
  // Docker's digest set: a prefix of any length, if only one ID has it.
  std::string_view prefix = text.substr(text.rfind("sha256:", 0) == 0 ? 7 : 0);
  const Digest* match = nullptr;
  if (is_lower_hex(prefix)) {
    for (const auto& [id, record] : images_) {
      if (id.hex().compare(0, prefix.size(), prefix) != 0) continue;
      if (match) return no_such_image(reference.with_default_tag().familiar());  // ambiguous
      match = &id;
    }
  }
  if (match) return *match;
  return no_such_image(reference.with_default_tag().familiar());
}

Result<Image> Store::find(std::string_view reference_or_id) const {
  std::lock_guard lock(mu_);
  GORAE_ASSIGN_OR_RETURN(auto id, resolve(reference_or_id));
  return with_references(images_.at(id));
}

Result<Image> Store::get(const Digest& id) const {
  std::lock_guard lock(mu_);
  auto it = images_.find(id);
  if (it == images_.end()) return no_such_image(id.str());
  return with_references(it->second);
}

std::vector<Image> Store::list() const {
  std::lock_guard lock(mu_);
  std::vector<Image> images;
  for (const auto& [id, record] : images_) images.push_back(with_references(record));
  return images;
}

std::size_t Store::layer_users(const Digest& diff_id) const {
  std::lock_guard lock(mu_);
  return layer_users_locked(diff_id);
}

std::size_t Store::layer_users_locked(const Digest& diff_id) const {
  // LAB(05) layer-users: Count who needs a layer: every image whose diff_ids name it, and the add()s in progress
  // A layer with no user is removed with the image that used it last.
  std::size_t users = 0;
  if (auto it = pins_.find(diff_id); it != pins_.end()) users += static_cast<std::size_t>(it->second);
  for (const auto& [id, record] : images_) {
    const auto& diff_ids = record.image.config.diff_ids;
    if (std::find(diff_ids.begin(), diff_ids.end(), diff_id) != diff_ids.end()) ++users;
  }
  return users;
  // LAB-END
}

}  // namespace gorae::images
