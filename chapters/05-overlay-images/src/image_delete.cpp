// `docker rmi`, after dockerd's daemon/images/image_delete.go: what a name
// removes, what an ID removes, which conflicts a force overrides, and what
// the answer lists. Layers and blobs no remaining image needs go too.
#include <unistd.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "gorae/images/image_store.hpp"

namespace gorae::images {
namespace {

std::string truncate_id(std::string_view id) {  // dockerd's stringid.TruncateID
  if (auto colon = id.find(':'); colon != std::string_view::npos) id.remove_prefix(colon + 1);
  return std::string(id.substr(0, 12));
}

// True when `text` names the image by ID (full or prefix) rather than by reference.
bool is_id_prefix(const Digest& id, std::string_view text) {
  std::string full = id.str();
  return full.rfind(text, 0) == 0 || id.hex().rfind(text, 0) == 0;
}

// All references are in one repository, with at most one tag among them.
bool is_single_reference(const std::vector<Reference>& refs) {
  if (refs.size() <= 1) return refs.size() == 1;
  const Reference* tagged = nullptr;
  std::set<std::string> names;
  for (const auto& ref : refs) {
    if (!ref.digest && tagged) return false;
    if (!ref.digest) tagged = &ref;
    names.insert(ref.name());
  }
  const Reference& single = tagged ? *tagged : refs.front();
  return names.size() == 1 && names.count(single.name()) == 1;
}

tl::unexpected<Error> image_conflict(const Digest& id, bool hard, const std::string& why) {
  return tl::unexpected(Error(Errc::conflict, "conflict: unable to delete " + truncate_id(id.str()) +
                                                  (hard ? " (cannot be forced) - " : " (must be forced) - ") +
                                                  why));
}

const ImageUser* first_user(const std::vector<ImageUser>& users, bool running) {
  auto it = std::find_if(users.begin(), users.end(), [&](const ImageUser& u) { return u.running == running; });
  return it == users.end() ? nullptr : &*it;
}

}  // namespace

void to_json(nlohmann::json& out, const DeleteRecord& record) {
  out = {{record.kind == DeleteRecord::Kind::untagged ? "Untagged" : "Deleted", record.value}};
}

Result<std::vector<DeleteRecord>> Store::remove(std::string_view text, const ImageUsers& users_of,
                                                const RemoveOptions& options) {
  std::lock_guard lock(mu_);
  GORAE_ASSIGN_OR_RETURN(auto id, resolve(text));
  std::vector<ImageUser> users = users_of ? users_of(id) : std::vector<ImageUser>{};
  const ImageUser* running = first_user(users, true);
  const ImageUser* stopped = first_user(users, false);
  auto refs = references_of(id);
  std::vector<DeleteRecord> records;
  auto untag_locked = [&](const Reference& ref) {
    references_.erase(ref.store_key().str());
    records.push_back({DeleteRecord::Kind::untagged, ref.familiar()});
  };

  bool by_name = !is_id_prefix(id, text);
  if (by_name) {
    // Untagging the last name of an image a container uses would leave it
    // nameless under the container: that needs force.
    if (!options.force && is_single_reference(refs) && !users.empty())
      return fail(Errc::conflict, "conflict: unable to remove repository reference \"" + std::string(text) +
                                      "\" (must force) - container " + truncate_id(users.front().container_id) +
                                      " is using its referenced image " + truncate_id(id.str()));
    GORAE_ASSIGN_OR_RETURN(auto named, Reference::parse(text));
    Reference key = named.store_key();
    untag_locked(key);
    refs = references_of(id);
    // The last tag of a repository takes that repository's digests with it.
    bool tag_left = std::any_of(refs.begin(), refs.end(),
                                [&](const Reference& r) { return !r.digest && r.name() == key.name(); });
    if (!key.digest && !tag_left) {
      for (const auto& ref : refs)
        if (ref.digest && ref.name() == key.name()) untag_locked(ref);
      refs = references_of(id);
    }
    GORAE_TRY(save_references());
    if (!refs.empty()) return records;
    // Nameless now; a container or a child image keeps it, quietly.
    if (!users.empty() || !children_locked(id).empty()) return records;
  } else {
    if (!children_locked(id).empty()) return image_conflict(id, true, "image has dependent child images");
    if (running) return image_conflict(id, true, "image is being used by running container " +
                                                     truncate_id(running->container_id));
    if (stopped)
      return image_conflict(id, options.force, "image is being used by stopped container " +
                                                   truncate_id(stopped->container_id));
    if (is_single_reference(refs)) {
      for (const auto& ref : refs) untag_locked(ref);
      GORAE_TRY(save_references());
      refs.clear();
    }
    if (!refs.empty() && !options.force)
      return image_conflict(id, false, "image is referenced in multiple repositories");
    for (const auto& ref : refs) untag_locked(ref);
    GORAE_TRY(save_references());
  }
  std::optional<Digest> parent = images_.at(id).image.parent;
  GORAE_TRY(delete_image(id, records));
  if (options.prune) prune_parents(parent, users_of, records);
  return records;
}

Status Store::delete_image(const Digest& id, std::vector<DeleteRecord>& records) {
  auto it = images_.find(id);
  if (it == images_.end()) return fail(Errc::not_found, "No such image: " + id.str());
  Record record = std::move(it->second);
  if (::unlink(record_path(id).c_str()) != 0 && errno != ENOENT)
    return tl::unexpected(Error::from_errno("remove " + record_path(id)));
  images_.erase(it);
  records.push_back({DeleteRecord::Kind::deleted, id.str()});

  const auto& diff_ids = record.image.config.diff_ids;
  auto removed = drop_unused_layers(diff_ids);
  auto chain = chain_ids(diff_ids);
  std::set<Digest> reported;
  for (std::size_t i = 0; i < diff_ids.size(); ++i)  // dockerd names removed layers by ChainID
    if (std::count(removed.begin(), removed.end(), diff_ids[i]) && reported.insert(diff_ids[i]).second)
      records.push_back({DeleteRecord::Kind::deleted, chain[i].str()});

  // Blobs other images do not name. A pull that stored a blob and has not
  // called add() yet can lose it here; its add() then fails with not_found.
  std::set<Digest> kept;
  for (const auto& [other_id, other] : images_) {
    kept.insert(other_id);
    kept.insert(other.image.manifest.digest);
    kept.insert(other.layer_blobs.begin(), other.layer_blobs.end());
  }
  std::vector<Digest> blobs = record.layer_blobs;
  blobs.push_back(id);
  blobs.push_back(record.image.manifest.digest);
  for (const auto& blob : blobs)
    if (!kept.count(blob)) (void)blobs_.remove(blob);  // already gone is fine
  return {};
}

std::vector<Digest> Store::drop_unused_layers(const std::vector<Digest>& candidates) {
  std::vector<Digest> removed;
  for (const auto& diff_id : candidates) {
    if (std::count(removed.begin(), removed.end(), diff_id) || layer_users_locked(diff_id) > 0) continue;
    if (layers_.exists(diff_id) && layers_.remove(diff_id)) removed.push_back(diff_id);
  }
  return removed;
}

}  // namespace gorae::images
