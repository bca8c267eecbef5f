// Tags and digest references: repositories.json, in dockerd's own format
// ({"Repositories": {"busybox": {"busybox:latest": "sha256:..."}}}), so a
// reader can hold it next to /var/lib/docker/image/overlay2/repositories.json.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "gorae/daemon/state_files.hpp"
#include "gorae/images/image_store.hpp"

namespace gorae::images {

using json = nlohmann::json;

std::vector<Reference> Store::references_of(const Digest& id) const {
  std::vector<Reference> refs;
  for (const auto& [key, named] : references_)
    if (named.id == id) refs.push_back(named.reference);
  // dockerd sorts them by their familiar form.
  std::sort(refs.begin(), refs.end(),
            [](const Reference& a, const Reference& b) { return a.familiar() < b.familiar(); });
  return refs;
}

Image Store::with_references(const Record& record) const {
  Image image = record.image;
  for (const auto& ref : references_of(image.id))
    (ref.digest ? image.repo_digests : image.repo_tags).push_back(ref.familiar());
  return image;
}

Status Store::save_references() const {
  json repositories = json::object();
  for (const auto& [key, named] : references_)
    repositories[named.reference.familiar_name()][named.reference.familiar()] = named.id.str();
  json doc = {{"Repositories", repositories}};
  return daemon::write_file_atomic(root_ + "/repositories.json", doc.dump() + "\n");
}

Status Store::tag(const Digest& id, const Reference& reference, bool force) {
  if (reference.digest)
    return fail(Errc::invalid_argument, "refusing to create a tag with a digest reference");
  Reference key = reference.with_default_tag();
  // "sha256:abc" would read as an image ID prefix as much as a tag.
  if (key.familiar_name() == "sha256")
    return fail(Errc::invalid_argument, "refusing to create an ambiguous tag using digest algorithm as name");
  std::lock_guard lock(mu_);
  if (!images_.count(id)) return fail(Errc::not_found, "No such image: " + id.str());
  auto it = references_.find(key.str());
  std::optional<NamedRef> previous;
  if (it != references_.end()) {
    if (it->second.id == id) return {};
    if (!force)
      return fail(Errc::conflict, "Conflict: Tag " + key.familiar() + " is already set to image " +
                                      it->second.id.str() +
                                      ", if you want to replace it, please use the force option");
    previous = it->second;
  }
  references_[key.str()] = NamedRef{key, id};
  auto saved = save_references();
  if (!saved) {  // memory follows the disk
    if (previous) references_[key.str()] = *previous;
    else references_.erase(key.str());
  }
  return saved;
}

Status Store::add_digest_reference(const Digest& id, const Reference& reference) {
  if (!reference.digest)
    return fail(Errc::invalid_argument, "a digest reference needs a digest: " + reference.familiar());
  Reference key = reference.store_key();
  std::lock_guard lock(mu_);
  if (!images_.count(id)) return fail(Errc::not_found, "No such image: " + id.str());
  if (auto it = references_.find(key.str()); it != references_.end()) {
    if (it->second.id == id) return {};
    return fail(Errc::conflict, "Cannot overwrite digest " + key.digest->str());
  }
  references_[key.str()] = NamedRef{key, id};
  auto saved = save_references();
  if (!saved) references_.erase(key.str());
  return saved;
}

Result<Digest> Store::untag(const Reference& reference) {
  Reference key = reference.store_key();
  std::lock_guard lock(mu_);
  auto it = references_.find(key.str());
  if (it == references_.end()) return fail(Errc::not_found, "No such image: " + key.familiar());
  NamedRef removed = it->second;
  references_.erase(it);
  if (auto saved = save_references(); !saved) {
    references_[key.str()] = removed;
    return tl::unexpected(std::move(saved).error());
  }
  return removed.id;
}

}  // namespace gorae::images
