#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/images/digest.hpp"
#include "gorae/images/image_store.hpp"
#include "gorae/images/reference.hpp"

namespace gorae::images {

/// Where an archive's bytes come from: fills `buffer` with up to `size`
/// bytes and returns how many; 0 means the archive has ended.
using ArchiveSource = std::function<Result<std::size_t>(char* buffer, std::size_t size)>;
/// Where the bytes of an archive being written go, in order.
using ArchiveSink = std::function<Status(std::string_view bytes)>;

/// What load_archive reports while it works, in the order dockerd reports it.
struct LoadEvent {
  enum class Kind {
    progress,  ///< bytes of one large entry read so far ("Loading layer")
    message,   ///< a line for the user, ending in "\n": "Loaded image: busybox:latest\n"
  };
  Kind kind = Kind::message;
  std::string id;  ///< progress: 12 characters naming the entry (its digest, or its layer directory)
  std::int64_t current = 0;
  std::int64_t total = 0;
  std::string text;  ///< message
};
using LoadObserver = std::function<void(const LoadEvent& event)>;

/// What one load added.
struct LoadResult {
  std::vector<Digest> images;     ///< image IDs, in archive order
  std::vector<std::string> tags;  ///< familiar references now pointing at them
};

/// Loads the images of a tar archive into `store`, reading it once, front to
/// back, as it streams (a `docker load` body is never held in memory: every
/// large entry goes straight into the blob store). Two layouts are accepted:
///  - `docker save`'s: manifest.json naming each image's Config, RepoTags and
///    Layers by path (`<id>.json` and `<v1 id>/layer.tar` up to Docker 24;
///    `blobs/sha256/<hex>` from Docker 25, whose archives are OCI layouts too);
///  - an OCI image layout (oci-layout, index.json, blobs/sha256/...), layers
///    plain, gzip or zstd; each manifest's tag comes from its annotation
///    io.containerd.image.name, else org.opencontainers.image.ref.name when
///    that is a whole reference ("busybox:1.36"; a bare "1.36" names no repository).
/// Every blob is checked against its digest, every layer against its diff_id,
/// before any image is added; on an error nothing the load added stays
/// (images, layers or blobs). Tags move as `docker load` moves them.
/// @return the images and tags; Errc::invalid_argument naming what is wrong
///         with the archive ("invalid diffID for layer 0: expected ..., got ...",
///         "invalid path in manifest.json: ../x"); Errc::system for I/O errors.
Result<LoadResult> load_archive(Store& store, const ArchiveSource& source,
                                const LoadObserver& observer = {});
/// The same, reading the archive from a descriptor (a file, a pipe, stdin).
Result<LoadResult> load_archive(Store& store, int fd, const LoadObserver& observer = {});

/// The images a save will write, each with the tags recorded for it.
struct SaveItem {
  Image image;
  std::vector<Reference> tags;  ///< with their tags: "docker.io/library/busybox:latest"
};
struct SavePlan {
  std::vector<SaveItem> items;  ///< one per image, in the order first named
};

/// Resolves `docker save`'s names as dockerd does: an image ID (or unique ID
/// prefix) saves the image without tags; `repo:tag` saves it with that tag;
/// a bare repository name saves every tag of that repository.
/// @return the plan; Errc::not_found "No such image: NAME";
///         Errc::invalid_argument for a malformed name or an empty list.
Result<SavePlan> plan_save(const Store& store, const std::vector<std::string>& names);

/// Writes the plan as an archive both `docker load` (every version) and OCI
/// tools read: Docker 25's layout. blobs/sha256/ holds every config, an OCI
/// manifest per image and every layer uncompressed (so its digest is its
/// diff_id); index.json and oci-layout make it an OCI image layout;
/// manifest.json and repositories make it a `docker save` archive. The bytes
/// go to `sink` as they are produced, in blocks of 64 KiB.
/// @return the sink's error when it fails (the client went away), or an error
///         reading a blob from the store.
Status write_archive(const Store& store, const SavePlan& plan, const ArchiveSink& sink);

}  // namespace gorae::images
