// `docker load`: read the archive (archive_spool.cpp), work out which images
// it holds from manifest.json or index.json, check every one of them, and
// only then add them and move their tags. A failure at any step removes
// what the load created, so a store never holds half an archive.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "archive_internal.hpp"

namespace gorae::images {
namespace {

using archive_detail::Spool;
using json = nlohmann::json;

// Every blob an image in the store relies on: its config, its manifest and
// the manifest's layers.
std::set<Digest> referenced_blobs(const Store& store) {
  std::set<Digest> used;
  for (const auto& image : store.list()) {
    used.insert(image.id);
    used.insert(image.manifest.digest);
    auto text = store.blobs().read(image.manifest.digest);
    if (!text) continue;
    auto manifest = parse_manifest(*text);
    if (!manifest) continue;
    for (const auto& layer : manifest->layers) used.insert(layer.digest);
  }
  return used;
}

// The blobs this load created that no image uses: everything after a
// failure, and after a success what the archive carried for nobody (an OCI
// layout's older manifests, `docker save`'s legacy files).
void drop_unused(const Store& store, const std::set<Digest>& created) {
  if (created.empty()) return;
  auto used = referenced_blobs(store);
  for (const auto& digest : created)
    if (!used.count(digest)) (void)store.blobs().remove(digest);
}

// dockerd's messages: the tags it loaded, or, when the last image of the
// archive had none, the IDs of all of them.
void report_tags(Store& store, const std::vector<archive_detail::PlannedImage>& plans,
                 const std::vector<Digest>& ids, const LoadObserver& observer, LoadResult& result,
                 Status& status) {
  std::string id_lines;
  std::size_t last_tags = 0;
  for (std::size_t i = 0; status && i < plans.size(); ++i) {
    id_lines += "Loaded image ID: " + ids[i].str() + "\n";
    last_tags = plans[i].tags.size();
    for (const auto& tag : plans[i].tags) {
      auto previous = store.find(tag.str());
      if (previous && previous->id != ids[i] && observer)
        observer({LoadEvent::Kind::message, {}, 0, 0,
                  "The image " + tag.familiar() + " already exists, renaming the old one with ID " +
                      previous->id.str() + " to empty string\n"});
      status = store.tag(ids[i], tag, true);
      if (!status) break;
      result.tags.push_back(tag.familiar());
      if (observer) observer({LoadEvent::Kind::message, {}, 0, 0, "Loaded image: " + tag.familiar() + "\n"});
    }
  }
  if (status && !plans.empty() && last_tags == 0 && observer)
    observer({LoadEvent::Kind::message, {}, 0, 0, id_lines});
}

Result<LoadResult> add_all(Store& store, const Spool& spool,
                           const std::vector<archive_detail::PlannedImage>& plans,
                           const LoadObserver& observer) {
  std::vector<Digest> ids;
  std::vector<Digest> added;  // images this load created, to take back on failure
  Status status;
  for (const auto& plan : plans) {
    Digest id = plan.config_id();
    bool existed = store.get(id).has_value();
    auto image = plan.manifest ? store.add(*plan.manifest) : store.add(plan.config_json, plan.layers);
    if (!image) {
      status = tl::unexpected(std::move(image).error());
      break;
    }
    ids.push_back(image->id);
    if (!existed) added.push_back(image->id);
  }
  LoadResult result;
  if (status) report_tags(store, plans, ids, observer, result, status);
  if (!status) {
    auto nobody = [](const Digest&) { return std::vector<ImageUser>{}; };
    for (const auto& id : added) (void)store.remove(id.str(), nobody, {.force = true});
    drop_unused(store, spool.new_blobs);
    return tl::unexpected(std::move(status).error());
  }
  result.images = std::move(ids);
  drop_unused(store, spool.new_blobs);
  return result;
}

}  // namespace

Result<LoadResult> load_archive(Store& store, const ArchiveSource& source,
                                const LoadObserver& observer) {
  GORAE_ASSIGN_OR_RETURN(auto listed, store.blobs().list());
  std::set<Digest> existing(listed.begin(), listed.end());
  GORAE_ASSIGN_OR_RETURN(auto spool, archive_detail::spool_archive(store.blobs(), existing, source, observer));
  auto plans = archive_detail::plan_images(store.blobs(), spool);
  if (!plans) {
    drop_unused(store, spool.new_blobs);
    return tl::unexpected(std::move(plans).error());
  }
  return add_all(store, spool, *plans, observer);
}

Result<LoadResult> load_archive(Store& store, int fd, const LoadObserver& observer) {
  ArchiveSource source = [fd](char* buffer, std::size_t size) -> Result<std::size_t> {
    for (;;) {
      ssize_t n = ::read(fd, buffer, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return tl::unexpected(Error::from_errno("read archive"));
    }
  };
  return load_archive(store, source, observer);
}

}  // namespace gorae::images
