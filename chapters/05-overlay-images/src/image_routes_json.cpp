// Images in the Docker Engine API's shapes (dockerd 20.10's answers, as
// captured in API-CHECKLIST.md), and the filters of /images/json.
#include <fnmatch.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gorae/api/error.hpp"
#include "gorae/cli/cli.hpp"
#include "image_routes_internal.hpp"

namespace gorae::engine::image_api {
namespace {

using nlohmann::json;

std::int64_t unix_seconds(const images::Image& image) {
  if (!image.created) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(image.created->time_since_epoch()).count();
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : " ") + value;
  return out;
}

// reference.FamiliarMatch: Go's path.Match ('*' stops at '/') on
// "busybox:latest", then on the name alone.
bool reference_matches(const std::vector<std::string>& patterns, const std::string& familiar) {
  auto reference = images::Reference::parse(familiar);
  std::string name = reference ? reference->familiar_name() : familiar;
  for (const auto& pattern : patterns) {
    if (::fnmatch(pattern.c_str(), familiar.c_str(), FNM_PATHNAME) == 0) return true;
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

// before=/since=: images older or newer than the one named.
bool created_in_range(const images::Store& store, const Filters& filters, const images::Image& image) {
  for (const char* key : {"before", "since"}) {
    auto it = filters.find(key);
    if (it == filters.end()) continue;
    for (const auto& name : it->second) {
      auto other = api::unwrap(store.find(name));
      bool before = std::string(key) == "before";
      if (before ? unix_seconds(image) >= unix_seconds(other) : unix_seconds(image) <= unix_seconds(other))
        return false;
    }
  }
  return true;
}

// An image config's "config" over the container.Config fields dockerd
// always prints, so clients find every key they look for.
json container_config(const json& raw) {
  json out = {{"Hostname", ""},      {"Domainname", ""}, {"User", ""},        {"AttachStdin", false},
              {"AttachStdout", false}, {"AttachStderr", false}, {"Tty", false}, {"OpenStdin", false},
              {"StdinOnce", false},   {"Env", nullptr},  {"Cmd", nullptr},   {"Image", ""},
              {"Volumes", nullptr},   {"WorkingDir", ""}, {"Entrypoint", nullptr}, {"OnBuild", nullptr},
              {"Labels", nullptr}};
  if (raw.is_object())
    for (const auto& [key, value] : raw.items()) out[key] = value;
  return out;
}

std::string text_of(const json& raw, const char* key) {
  auto it = raw.find(key);
  return it != raw.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Filters parse_filters(const api::Request& request, const std::set<std::string>& allowed) {
  Filters filters;
  auto text = request.query_value("filters");
  if (!text || text->empty()) return filters;
  json doc = json::parse(*text, nullptr, false);
  if (!doc.is_object()) throw api::Error::bad_request("invalid filter: " + *text);
  for (const auto& [key, values] : doc.items()) {
    if (!allowed.count(key)) throw api::Error::bad_request("Invalid filter '" + key + "'");
    auto& out = filters[key];
    if (values.is_array()) {
      for (const auto& value : values)
        if (value.is_string()) out.push_back(value.get<std::string>());
    } else if (values.is_object()) {
      for (const auto& [value, enabled] : values.items())
        if (enabled.is_boolean() && enabled.get<bool>()) out.push_back(value);
    } else {
      throw api::Error::bad_request("invalid filter: " + *text);
    }
  }
  return filters;
}

bool dangling_filter(const Filters& filters, bool fallback) {
  auto it = filters.find("dangling");
  if (it == filters.end() || it->second.empty()) return fallback;
  bool value = fallback;
  for (const auto& text : it->second) {
    if (text == "true" || text == "1") value = true;
    else if (text == "false" || text == "0") value = false;
    else throw api::Error::bad_request("Invalid filter 'dangling=[" + joined(it->second) + "]'");
  }
  return value;
}

bool labels_match(const std::vector<std::string>& wanted, const std::map<std::string, std::string>& labels) {
  for (const auto& label : wanted) {
    auto equals = label.find('=');
    auto it = labels.find(label.substr(0, equals));
    if (it == labels.end()) return false;
    if (equals != std::string::npos && it->second != label.substr(equals + 1)) return false;
  }
  return true;
}

json list_json(const images::Store& store, const Filters& filters, bool all) {
  std::optional<bool> dangling;
  if (filters.count("dangling")) dangling = dangling_filter(filters, true);
  auto references = filters.find("reference");
  auto labels = filters.find("label");
  auto images = store.list();
  std::stable_sort(images.begin(), images.end(),
                   [](const auto& a, const auto& b) { return unix_seconds(a) > unix_seconds(b); });
  json list = json::array();
  for (const auto& image : images) {
    if (labels != filters.end() && !labels_match(labels->second, image.config.config.labels)) continue;
    if (!created_in_range(store, filters, image)) continue;
    json tags = json::array();
    for (const auto& tag : image.repo_tags)
      if (references == filters.end() || reference_matches(references->second, tag)) tags.push_back(tag);
    json digests = json::array();
    for (const auto& digest : image.repo_digests)
      if (references == filters.end() || reference_matches(references->second, digest)) digests.push_back(digest);
    bool untagged = image.repo_tags.empty() && image.repo_digests.empty();
    if (untagged && !all && !store.children(image.id).empty()) continue;
    if (references != filters.end() && tags.empty() && digests.empty()) continue;
    if (dangling && *dangling != untagged) continue;
    if (untagged) {
      tags = json::array({"<none>:<none>"});
      digests = json::array({"<none>@<none>"});
    }
    list.push_back({{"Containers", -1},
                    {"Created", unix_seconds(image)},
                    {"Id", image.id.str()},
                    {"Labels", image.config.config.labels.empty() ? json(nullptr) : json(image.config.config.labels)},
                    {"ParentId", image.parent ? image.parent->str() : ""},
                    {"RepoDigests", digests.empty() ? json(nullptr) : digests},
                    {"RepoTags", tags.empty() ? json(nullptr) : tags},
                    {"SharedSize", -1},
                    {"Size", image.size},
                    {"VirtualSize", image.size}});
  }
  return list;
}

json inspect_json(const images::Store& store, const images::Image& image) {
  auto text = store.blobs().read(image.id);
  json raw = text ? json::parse(*text, nullptr, false) : json();
  if (!raw.is_object()) raw = json::object();
  json layers = json::array();
  for (const auto& diff_id : image.config.diff_ids) layers.push_back(diff_id.str());
  // overlay2's view of an image: its top layer and the ones below it, top first.
  json driver = json::object();
  const auto& diff_ids = image.config.diff_ids;
  if (!diff_ids.empty()) driver["UpperDir"] = store.layers().diff_dir(diff_ids.back());
  std::string lower;
  for (std::size_t i = diff_ids.size(); i-- > 1;)
    lower += (lower.empty() ? "" : ":") + store.layers().diff_dir(diff_ids[i - 1]);
  if (!lower.empty()) driver["LowerDir"] = lower;
  // dockerd's inspect: the config's comment, else the newest step's (commit's -m).
  std::string comment = text_of(raw, "comment");
  if (comment.empty() && !image.config.history.empty()) comment = image.config.history.back().comment;
  json out = {{"Id", image.id.str()},
              {"RepoTags", image.repo_tags},
              {"RepoDigests", image.repo_digests},
              {"Parent", image.parent ? image.parent->str() : ""},
              {"Comment", comment},
              {"Created", image.config.created.empty() ? "0001-01-01T00:00:00Z" : image.config.created},
              {"Container", text_of(raw, "container")},
              {"ContainerConfig", container_config(raw.value("container_config", json()))},
              {"DockerVersion", text_of(raw, "docker_version")},
              {"Author", image.config.author},
              {"Config", container_config(raw.value("config", json()))},
              {"Architecture", image.config.architecture},
              {"Os", image.config.os},
              {"Size", image.size},
              {"VirtualSize", image.size},
              {"GraphDriver", {{"Data", driver}, {"Name", "overlay2"}}},
              {"RootFS", {{"Type", "layers"}, {"Layers", layers}}},
              {"Metadata", {{"LastTagTime", "0001-01-01T00:00:00Z"}}}};
  if (!image.config.variant.empty()) out["Variant"] = image.config.variant;
  return out;
}

json history_json(const images::Store& store, const images::Image& image) {
  json steps = json::array();
  std::size_t layer = 0;
  for (const auto& step : image.config.history) {
    std::int64_t size = 0;
    if (!step.empty_layer && layer < image.config.diff_ids.size())
      size = store.layers().size(image.config.diff_ids[layer++]).value_or(0);
    auto created = images::parse_rfc3339(step.created);
    steps.push_back({{"Comment", step.comment},
                     {"Created", created ? std::chrono::duration_cast<std::chrono::seconds>(
                                               created->time_since_epoch()).count()
                                         : 0},
                     {"CreatedBy", step.created_by},
                     {"Id", "<missing>"},
                     {"Size", size},
                     {"Tags", nullptr}});
  }
  std::reverse(steps.begin(), steps.end());
  images::Image named = image;
  for (auto& step : steps) {
    step["Id"] = named.id.str();
    if (!named.repo_tags.empty()) step["Tags"] = named.repo_tags;
    auto parent = named.parent ? store.get(*named.parent) : tl::unexpected(Error(Errc::not_found, "no parent"));
    if (!parent) break;
    named = std::move(*parent);
  }
  return steps;
}

std::string stream_line(const std::string& text) { return json{{"stream", text}}.dump() + "\r\n"; }

// JSONProgress as dockerd renders it for a terminal 200 columns wide.
std::string progress_line(const images::LoadEvent& event) {
  int half = event.total > 0 ? static_cast<int>(100.0 * event.current / event.total) / 2 : 0;
  half = std::clamp(half, 0, 50);
  std::string bar = "[" + std::string(half, '=') + ">" + std::string(50 - half, ' ') + "] ";
  std::string current = cli::human_size(static_cast<double>(event.current));
  if (current.size() < 8) current.insert(0, 8 - current.size(), ' ');  // Go's "%8v/%v"
  std::string numbers = current + "/" + cli::human_size(static_cast<double>(event.total));
  return json{{"status", "Loading layer"},
              {"progressDetail", {{"current", event.current}, {"total", event.total}}},
              {"progress", bar + numbers},
              {"id", event.id}}
             .dump() +
         "\r\n";
}

std::string error_line(const std::string& message) {
  return json{{"errorDetail", {{"message", message}}}, {"error", message}}.dump() + "\r\n";
}

}  // namespace gorae::engine::image_api
