#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/images/blob_store.hpp"
#include "gorae/images/digest.hpp"
#include "gorae/images/image_config.hpp"
#include "gorae/images/layer_store.hpp"
#include "gorae/images/manifest.hpp"
#include "gorae/images/reference.hpp"

namespace gorae::images {

/// An image as the store knows it.
struct Image {
  Digest id;            ///< the config blob's digest: Docker's image ID
  Descriptor manifest;  ///< the manifest blob it was added with
  ImageConfig config;
  std::vector<std::string> repo_tags;     ///< familiar and sorted: "busybox:latest"
  std::vector<std::string> repo_digests;  ///< "busybox@sha256:<manifest digest>"
  std::int64_t size = 0;                  ///< the sum of its layers' sizes
  std::optional<std::chrono::system_clock::time_point> created;  ///< config "created"
  std::optional<Digest> parent;  ///< the image it was committed from (Docker's "Parent")
};

/// A container that uses an image, as the engine reports it.
struct ImageUser {
  std::string container_id;
  bool running = false;
};
/// Asked by remove(): which containers use this image?
using ImageUsers = std::function<std::vector<ImageUser>(const Digest& image_id)>;

/// One entry of `DELETE /images/{name}`'s answer: {"Untagged": "busybox:latest"}
/// or {"Deleted": "sha256:..."} (the image ID, then the ChainID of each layer
/// that went with it, as dockerd reports them).
struct DeleteRecord {
  enum class Kind { untagged, deleted };
  Kind kind;
  std::string value;
  bool operator==(const DeleteRecord&) const = default;
};
void to_json(nlohmann::json& out, const DeleteRecord& record);

struct RemoveOptions {
  /// `docker rmi -f`: also untag an image a stopped container uses, and an
  /// image with tags in several repositories when given by ID.
  bool force = false;
  /// Docker's default (`--no-prune` turns it off): the parents the deleted
  /// image was committed from go too, each while it has no name, no other
  /// child and no container.
  bool prune = true;
};

/// Images by content under DATA_ROOT/images: blobs/ (BlobStore), layers/
/// (LayerStore), imagedb/<id hex>.json (which manifest an image came with)
/// and repositories.json (Docker's own format: familiar reference → image
/// ID). Every file is replaced atomically. Layers are counted by the images
/// that use them and removed with the last. Thread-safe.
class Store {
 public:
  /// Opens (and creates) DATA_ROOT/images and loads every image record; a
  /// record that cannot be read is skipped and listed in load_warnings().
  static Result<std::unique_ptr<Store>> open(const std::string& data_root);

  const BlobStore& blobs() const { return blobs_; }
  const LayerStore& layers() const { return layers_; }
  const std::vector<std::string>& load_warnings() const { return warnings_; }

  /// Adds the image whose manifest (and config and layer blobs) is already
  /// in blobs(); layers not yet unpacked are unpacked and their diff_ids
  /// checked. Adding an image that is there already changes nothing.
  /// @return the image; Errc::invalid_argument for a bad manifest, config or
  ///         layer (then no layer it unpacked is kept); Errc::not_found for a missing blob.
  Result<Image> add(const Digest& manifest);
  /// Stores `config_json`, writes an OCI manifest for it and `layers` (blobs
  /// already in blobs(), lowest first), and adds that.
  Result<Image> add(std::string_view config_json, const std::vector<Descriptor>& layers);

  /// Docker's lookup order: a full ID ("sha256:<hex>" or 64 hex digits);
  /// then a reference ("busybox" means docker.io/library/busybox:latest);
  /// then a unique ID prefix of any length ("3f57d9", "sha256:3f57d9").
  /// @return Errc::not_found "No such image: busybox:latest" (also for an
  ///         ambiguous prefix, as dockerd); Errc::invalid_argument for a malformed reference.
  Result<Image> find(std::string_view reference_or_id) const;
  Result<Image> get(const Digest& id) const;
  std::vector<Image> list() const;  ///< sorted by ID

  /// Points a tag at an image (`docker tag`). Without `force`, moving an
  /// existing tag to another image is a conflict.
  /// @return Errc::invalid_argument "refusing to create a tag with a digest
  ///         reference"; Errc::conflict "Conflict: Tag busybox:x is already set to image sha256:..., ..."
  Status tag(const Digest& id, const Reference& reference, bool force = true);
  /// Records `name@sha256:<manifest digest>` for an image (after a pull or push).
  Status add_digest_reference(const Digest& id, const Reference& reference);
  /// Removes one reference; the image stays.
  /// @return the image it named, or Errc::not_found "No such image: busybox:x".
  Result<Digest> untag(const Reference& reference);

  /// `docker rmi`, with dockerd's rules: a name untags; the image goes with
  /// its last reference unless a container uses it; an ID removes the image
  /// and its references when they are all in one repository. Layers no other
  /// image uses are removed too.
  /// @return what was untagged and deleted, in order; Errc::conflict with
  ///         Docker's messages when a container or other references stand in the way.
  ///         gorae never deletes an image a container uses, even with force:
  ///         its layers are the container's lower directories. `users` is
  ///         called with the store locked and must not call back into it.
  Result<std::vector<DeleteRecord>> remove(std::string_view reference_or_id, const ImageUsers& users,
                                           const RemoveOptions& options = {});

  /// Records that `id` was committed from `parent` (dockerd's SetParent).
  /// Inspect shows it, history names the parent's steps by its ID, rmi
  /// refuses to delete a parent by ID and keeps it when its last name goes.
  /// @return Errc::not_found when either image is missing.
  Status set_parent(const Digest& id, const Digest& parent);
  /// The images recorded as committed from `id`, sorted.
  std::vector<Digest> children(const Digest& id) const;

  /// How many images use the layer (and how many add()s in progress rely on it).
  std::size_t layer_users(const Digest& diff_id) const;

 private:
  Store(std::string root, BlobStore blobs, LayerStore layers);
  struct Record {
    Image image;  // repo_tags and repo_digests are filled when handed out
    std::vector<Digest> layer_blobs;
  };
  struct NamedRef {
    Reference reference;
    Digest id;
  };

  Status load();
  Result<Record> read_manifest(const Digest& manifest) const;
  Result<Record> read_record(const Digest& id) const;
  Result<Digest> resolve(std::string_view reference_or_id) const;
  Image with_references(const Record& record) const;
  std::vector<Reference> references_of(const Digest& id) const;
  Status save_references() const;
  std::size_t layer_users_locked(const Digest& diff_id) const;
  std::vector<Digest> children_locked(const Digest& id) const;
  void prune_parents(std::optional<Digest> parent, const ImageUsers& users, std::vector<DeleteRecord>& records);
  std::vector<Digest> drop_unused_layers(const std::vector<Digest>& candidates);
  Status delete_image(const Digest& id, std::vector<DeleteRecord>& records);
  std::string record_path(const Digest& id) const { return root_ + "/imagedb/" + id.hex() + ".json"; }

  std::string root_;
  BlobStore blobs_;
  LayerStore layers_;
  std::vector<std::string> warnings_;
  mutable std::mutex mu_;
  std::map<Digest, Record> images_;
  std::map<std::string, NamedRef> references_;  // by Reference::store_key().str()
  std::map<Digest, int> pins_;               // layers that add()s in progress rely on
};

}  // namespace gorae::images
