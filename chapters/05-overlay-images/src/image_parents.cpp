// Which image a commit was made from. dockerd keeps it beside the image
// (imagedb/metadata/sha256/<id>/parent), not in the config, so the image ID
// does not depend on it; here it is a field of imagedb/<id>.json.
#include <fstream>

#include <nlohmann/json.hpp>

#include "gorae/daemon/state_files.hpp"
#include "gorae/images/image_store.hpp"

namespace gorae::images {

using json = nlohmann::json;

Status Store::set_parent(const Digest& id, const Digest& parent) {
  std::lock_guard lock(mu_);
  auto it = images_.find(id);
  if (it == images_.end()) return fail(Errc::not_found, "No such image: " + id.str());
  if (!images_.count(parent)) return fail(Errc::not_found, "No such image: " + parent.str());
  std::ifstream in(record_path(id), std::ios::binary);
  json doc = json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (!doc.is_object()) return fail(Errc::internal, record_path(id) + " is not a JSON object");
  doc["parent"] = parent.str();
  GORAE_TRY(daemon::write_file_atomic(record_path(id), doc.dump() + "\n"));
  it->second.image.parent = parent;
  return {};
}

std::vector<Digest> Store::children(const Digest& id) const {
  std::lock_guard lock(mu_);
  return children_locked(id);
}

std::vector<Digest> Store::children_locked(const Digest& id) const {
  std::vector<Digest> out;  // images_ is ordered, so this is sorted
  for (const auto& [child, record] : images_)
    if (record.image.parent == id) out.push_back(child);
  return out;
}

// dockerd's imageDeleteHelper called again, quietly, for each parent: one
// that still has a name, another child or a container stays, and so does
// every image above it.
void Store::prune_parents(std::optional<Digest> parent, const ImageUsers& users,
                          std::vector<DeleteRecord>& records) {
  while (parent && images_.count(*parent) && references_of(*parent).empty() && children_locked(*parent).empty() &&
         (!users || users(*parent).empty())) {
    std::optional<Digest> next = images_.at(*parent).image.parent;
    if (!delete_image(*parent, records)) return;
    parent = next;
  }
}

}  // namespace gorae::images
