// `docker save`: which images the names mean (dockerd's parseNames), and the
// archive written as Docker 25 writes it, one layout that every `docker load`
// and every OCI tool reads. Blobs stream from the store into the tar; only a
// layer the store keeps compressed is inflated first, into a nameless temp file.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <variant>

#include "archive_internal.hpp"
#include "archive_tar_writer.hpp"

namespace gorae::images {
namespace {

using archive_detail::TarWriter;
using ordered_json = nlohmann::ordered_json;

// A blob of the archive: bytes in memory (manifests), a store blob (configs,
// plain layers) or an inflated layer in a temp file.
struct Inflated {
  std::shared_ptr<base::UniqueFd> fd;
};
struct BlobSource {
  std::variant<std::string, Digest, Inflated> from;
  std::int64_t size = 0;
};

void add_tag(SavePlan& plan, const Image& image, const std::optional<Reference>& tag) {
  auto item = std::find_if(plan.items.begin(), plan.items.end(),
                           [&](const SaveItem& i) { return i.image.id == image.id; });
  if (item == plan.items.end()) {
    plan.items.push_back({image, {}});
    item = plan.items.end() - 1;
  }
  if (tag && std::find(item->tags.begin(), item->tags.end(), *tag) == item->tags.end())
    item->tags.push_back(*tag);
}

Result<base::UniqueFd> temp_file(const std::string& dir) {
  base::UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd.valid()) return fd;
  std::string path = dir + "/save-XXXXXX";  // a filesystem without O_TMPFILE
  fd = base::UniqueFd(::mkostemp(path.data(), O_CLOEXEC));
  if (!fd.valid()) return tl::unexpected(Error::from_errno("create a temporary file in " + dir));
  ::unlink(path.c_str());
  return fd;
}

Status write_fd(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tl::unexpected(Error::from_errno("write a temporary layer"));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// The layer as `docker load` wants it: the plain tar whose sha256 is its diff_id.
Result<BlobSource> plain_layer(const Store& store, const Digest& blob, const Digest& diff_id) {
  GORAE_ASSIGN_OR_RETURN(auto fd, store.blobs().open_blob(blob));
  GORAE_ASSIGN_OR_RETURN(auto compression, archive_detail::sniff_compression(fd.get()));
  if (compression == archive_detail::Compression::none) {
    GORAE_ASSIGN_OR_RETURN(auto size, store.blobs().size(blob));
    return BlobSource{blob, size};
  }
  GORAE_ASSIGN_OR_RETURN(auto temp, temp_file(store.blobs().dir() + "/tmp"));
  int out = temp.get();
  GORAE_ASSIGN_OR_RETURN(auto inflated, archive_detail::uncompress(fd.get(), [out](std::string_view bytes) {
    return write_fd(out, bytes);
  }));
  if (inflated.digest != diff_id)
    return fail(Errc::internal, "layer blob " + blob.str() + " inflates to " + inflated.digest.str() +
                                    ", not its diff_id " + diff_id.str());
  return BlobSource{Inflated{std::make_shared<base::UniqueFd>(std::move(temp))}, inflated.size};
}

// What the archive holds, by name; a std::map writes them in the lexical
// order Docker's own tar walk produces.
struct Contents {
  std::map<std::string, BlobSource> blobs;  // by hex digest
  std::map<std::string, std::string> files;  // index.json, manifest.json, ...
};

Result<Contents> gather(const Store& store, const SavePlan& plan) {
  Contents contents;
  ordered_json saved = ordered_json::array();
  ordered_json index_entries = ordered_json::array();
  ordered_json repositories = ordered_json::object();
  for (const auto& item : plan.items) {
    const Image& image = item.image;
    GORAE_ASSIGN_OR_RETURN(auto manifest_json, store.blobs().read(image.manifest.digest));
    GORAE_ASSIGN_OR_RETURN(auto stored, parse_manifest(manifest_json));
    GORAE_ASSIGN_OR_RETURN(auto config_size, store.blobs().size(image.id));
    contents.blobs[image.id.hex()] = {image.id, config_size};
    Manifest manifest;  // the stored one may name compressed blobs; this one names plain tars
    manifest.config = {std::string(media_type::kOciConfig), image.id, config_size, {}};
    ordered_json layer_paths = ordered_json::array();
    const auto& diff_ids = image.config.diff_ids;
    for (std::size_t i = 0; i < diff_ids.size() && i < stored.layers.size(); ++i) {
      auto it = contents.blobs.find(diff_ids[i].hex());
      if (it == contents.blobs.end()) {
        GORAE_ASSIGN_OR_RETURN(auto layer, plain_layer(store, stored.layers[i].digest, diff_ids[i]));
        it = contents.blobs.emplace(diff_ids[i].hex(), std::move(layer)).first;
      }
      manifest.layers.push_back({std::string(media_type::kOciLayer), diff_ids[i], it->second.size, {}});
      layer_paths.push_back("blobs/sha256/" + diff_ids[i].hex());
    }
    std::string manifest_text = serialize_manifest(manifest);
    Digest manifest_digest = Digest::of(manifest_text);
    auto manifest_size = static_cast<std::int64_t>(manifest_text.size());
    contents.blobs[manifest_digest.hex()] = {std::move(manifest_text), manifest_size};

    ordered_json tags = item.tags.empty() ? ordered_json(nullptr) : ordered_json::array();
    ordered_json descriptor = {{"mediaType", std::string(media_type::kOciManifest)},
                               {"digest", manifest_digest.str()},
                               {"size", manifest_size},
                               {"platform", {{"architecture", image.config.architecture}, {"os", image.config.os}}}};
    if (item.tags.empty()) index_entries.push_back(descriptor);
    for (const auto& tag : item.tags) {
      tags.push_back(tag.familiar());
      ordered_json named = descriptor;
      named["annotations"] = {{"io.containerd.image.name", tag.str()},
                              {"org.opencontainers.image.ref.name", tag.tag}};
      index_entries.push_back(std::move(named));
      if (!diff_ids.empty()) repositories[tag.familiar_name()][tag.tag] = diff_ids.back().hex();
    }
    saved.push_back({{"Config", "blobs/sha256/" + image.id.hex()}, {"RepoTags", tags}, {"Layers", layer_paths}});
  }
  contents.files["index.json"] = ordered_json{{"schemaVersion", 2},
                                              {"mediaType", std::string(media_type::kOciIndex)},
                                              {"manifests", index_entries}}.dump() + "\n";
  contents.files["manifest.json"] = saved.dump() + "\n";
  contents.files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
  if (!repositories.empty()) contents.files["repositories"] = repositories.dump() + "\n";
  return contents;
}

Status write_blob(const Store& store, TarWriter& tar, const std::string& name, const BlobSource& blob) {
  if (const auto* text = std::get_if<std::string>(&blob.from)) return tar.file(name, *text);
  if (const auto* digest = std::get_if<Digest>(&blob.from)) {
    GORAE_ASSIGN_OR_RETURN(auto fd, store.blobs().open_blob(*digest));
    return tar.file_from(name, fd.get(), blob.size);
  }
  return tar.file_from(name, std::get<Inflated>(blob.from).fd->get(), blob.size);
}

}  // namespace

Result<SavePlan> plan_save(const Store& store, const std::vector<std::string>& names) {
  if (names.empty()) return fail(Errc::invalid_argument, "no image names given to save");
  SavePlan plan;
  for (const auto& name : names) {
    auto reference = parse_image_id(name) ? Result<Reference>(fail(Errc::invalid_argument, ""))
                                          : Reference::parse(name);
    if (!reference || reference->digest || reference->familiar_name() == "sha256") {
      GORAE_ASSIGN_OR_RETURN(auto image, store.find(name));  // an ID, an ID prefix, or name@digest
      add_tag(plan, image, std::nullopt);
      continue;
    }
    if (!reference->name_only()) {
      GORAE_ASSIGN_OR_RETURN(auto image, store.find(name));
      add_tag(plan, image, *reference);
      continue;
    }
    // A bare repository name: every tag in it (dockerd's ReferencesByName).
    bool any = false;
    for (const auto& image : store.list()) {
      for (const auto& text : image.repo_tags) {
        auto tag = Reference::parse(text);
        if (!tag || tag->name() != reference->name()) continue;
        add_tag(plan, image, tag->with_default_tag());
        any = true;
      }
    }
    if (any) continue;
    auto image = store.find(name);  // an ID prefix that looks like a name
    if (!image) return fail(Errc::not_found, "No such image: " + name);
    add_tag(plan, *image, std::nullopt);
  }
  return plan;
}

Status write_archive(const Store& store, const SavePlan& plan, const ArchiveSink& sink) {
  GORAE_ASSIGN_OR_RETURN(auto contents, gather(store, plan));
  TarWriter tar(sink);
  GORAE_TRY(tar.open());
  GORAE_TRY(tar.directory("blobs"));
  GORAE_TRY(tar.directory("blobs/sha256"));
  for (const auto& [hex, blob] : contents.blobs)
    GORAE_TRY(write_blob(store, tar, "blobs/sha256/" + hex, blob));
  for (const auto& [name, text] : contents.files) GORAE_TRY(tar.file(name, text));
  return tar.close();
}

}  // namespace gorae::images
