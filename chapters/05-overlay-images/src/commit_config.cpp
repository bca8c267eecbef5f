// The config of a committed image: dockerd's merge() of the requested config
// over the container's (daemon/commit.go), then image.NewChildImage around
// it. Both work on Docker's JSON shapes so that fields gorae itself never
// reads (Healthcheck, OnBuild, Shell, ...) pass through unchanged.
#include <nlohmann/json.hpp>

#include "gorae/images/commit_config.hpp"

namespace gorae::images {
namespace {

using json = nlohmann::json;

// Go's len(): null, a missing field, "" and empty arrays and objects are empty.
bool empty(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty()) ||
         ((it->is_array() || it->is_object()) && it->empty());
}

void take_if_empty(json& user, const json& container, const char* key) {
  if (empty(user, key) && container.contains(key)) user[key] = container[key];
}

// Sets (ExposedPorts, Volumes) and Labels: the container's entries join the user's.
void union_objects(json& user, const json& container, const char* key) {
  const json& theirs = container.value(key, json());
  if (!theirs.is_object()) return;
  if (!user[key].is_object()) user[key] = json::object();
  for (const auto& [name, value] : theirs.items())
    if (!user[key].contains(name)) user[key][name] = value;
}

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

void merge_config(json& user, const json& container) {
  take_if_empty(user, container, "User");
  if (empty(user, "ExposedPorts")) take_if_empty(user, container, "ExposedPorts");
  else union_objects(user, container, "ExposedPorts");
  if (empty(user, "Env")) {
    take_if_empty(user, container, "Env");
  } else if (container.value("Env", json()).is_array()) {
    for (const auto& entry : container["Env"]) {
      if (!entry.is_string()) continue;
      std::string key = env_key(entry.get<std::string>());
      bool found = false;
      for (const auto& mine : user["Env"]) found = found || (mine.is_string() && env_key(mine.get<std::string>()) == key);
      if (!found) user["Env"].push_back(entry);
    }
  }
  if (!user["Labels"].is_object()) user["Labels"] = json::object();  // dockerd: never nil after a commit
  union_objects(user, container, "Labels");
  if (empty(user, "Entrypoint")) {
    take_if_empty(user, container, "Cmd");
    // Go tells a nil Entrypoint (take the container's) from an empty one.
    if (user.value("Entrypoint", json()).is_null() && container.contains("Entrypoint"))
      user["Entrypoint"] = container["Entrypoint"];
  }
  if (const json& theirs = container.value("Healthcheck", json()); theirs.is_object()) {
    if (!user.value("Healthcheck", json()).is_object()) {
      user["Healthcheck"] = theirs;
    } else {
      for (const char* key : {"Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"}) {
        json& mine = user["Healthcheck"];
        bool zero = !mine.contains(key) || mine[key].is_null() || mine[key] == 0 ||
                    (mine[key].is_array() && mine[key].empty());
        if (zero && theirs.contains(key)) mine[key] = theirs[key];
      }
    }
  }
  take_if_empty(user, container, "WorkingDir");
  if (empty(user, "Volumes")) take_if_empty(user, container, "Volumes");
  else union_objects(user, container, "Volumes");
  take_if_empty(user, container, "StopSignal");
}

Result<std::string> child_config(std::string_view parent_config, const json& config, const CommitStep& step) {
  json parent = json::parse(parent_config, nullptr, false);
  if (!parent.is_object()) return fail(Errc::invalid_argument, "the parent image's config is not a JSON object");
  json child = json::object();
  child["architecture"] = parent.value("architecture", "amd64");
  child["os"] = parent.value("os", "linux");
  for (const char* key : {"variant", "os.version", "os.features"})
    if (parent.contains(key)) child[key] = parent[key];
  if (!step.author.empty()) child["author"] = step.author;
  child["config"] = config;
  child["created"] = step.created;

  json diff_ids = json::array();
  if (const json& rootfs = parent.value("rootfs", json()); rootfs.is_object() && rootfs.value("diff_ids", json()).is_array())
    diff_ids = rootfs["diff_ids"];
  if (step.diff_id) diff_ids.push_back(step.diff_id->str());
  child["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};

  json history = parent.value("history", json::array());
  if (!history.is_array()) history = json::array();
  json entry = {{"created", step.created}};
  if (!step.created_by.empty()) entry["created_by"] = step.created_by;
  if (!step.author.empty()) entry["author"] = step.author;
  if (!step.comment.empty()) entry["comment"] = step.comment;
  if (!step.diff_id) entry["empty_layer"] = true;
  history.push_back(std::move(entry));
  child["history"] = std::move(history);
  return child.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace gorae::images
