// Image configs as JSON: read with Docker's field names, written canonically.
// nlohmann/json throws on a type mismatch; everything that throws stays in here.
#include <ctime>

#include <nlohmann/json.hpp>

#include "gorae/images/image_config.hpp"

namespace gorae::images {
namespace {

using json = nlohmann::json;

tl::unexpected<Error> invalid(const std::string& why) {
  return tl::unexpected(Error(Errc::invalid_argument, "invalid image config: " + why));
}

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> keys;  // a json object iterates in key order
  if (object.is_object())
    for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

std::optional<std::vector<std::string>> string_list(const json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return std::vector<std::string>{value.get<std::string>()};  // Docker accepts "cmd"
  return value.get<std::vector<std::string>>();
}

std::string string_or_empty(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

RunConfig parse_run_config(const json& c) {
  RunConfig run;
  if (!c.is_object()) return run;
  run.user = string_or_empty(c, "User");
  run.working_dir = string_or_empty(c, "WorkingDir");
  run.stop_signal = string_or_empty(c, "StopSignal");
  run.exposed_ports = keys_of(c.value("ExposedPorts", json()));
  run.volumes = keys_of(c.value("Volumes", json()));
  if (auto env = string_list(c.value("Env", json()))) run.env = *env;
  run.entrypoint = string_list(c.value("Entrypoint", json()));
  run.cmd = string_list(c.value("Cmd", json()));
  if (auto labels = c.find("Labels"); labels != c.end() && labels->is_object())
    run.labels = labels->get<std::map<std::string, std::string>>();
  return run;
}

Result<ImageConfig> parse_document(const json& doc) {
  if (!doc.is_object()) return invalid("not a JSON object");
  ImageConfig config;
  config.architecture = string_or_empty(doc, "architecture");
  config.os = string_or_empty(doc, "os");
  config.variant = string_or_empty(doc, "variant");
  config.created = string_or_empty(doc, "created");
  config.author = string_or_empty(doc, "author");
  config.config = parse_run_config(doc.value("config", json()));
  const json& rootfs = doc.value("rootfs", json());
  if (!rootfs.is_object() || rootfs.value("type", "") != "layers")
    return invalid("rootfs.type must be \"layers\"");
  for (const auto& id : rootfs.value("diff_ids", json::array())) {
    auto digest = Digest::parse(id.get<std::string>());
    if (!digest) return invalid("rootfs.diff_ids: " + digest.error().what());
    config.diff_ids.push_back(*digest);
  }
  for (const auto& step : doc.value("history", json::array())) {
    HistoryEntry entry;
    entry.created = string_or_empty(step, "created");
    entry.created_by = string_or_empty(step, "created_by");
    entry.author = string_or_empty(step, "author");
    entry.comment = string_or_empty(step, "comment");
    entry.empty_layer = step.value("empty_layer", false);
    config.history.push_back(std::move(entry));
  }
  return config;
}

json as_set(const std::vector<std::string>& keys) {
  json object = json::object();  // Docker writes sets as {"80/tcp": {}}
  for (const auto& key : keys) object[key] = json::object();
  return object;
}

json run_config_json(const RunConfig& run) {
  json c = json::object();
  if (!run.user.empty()) c["User"] = run.user;
  if (!run.exposed_ports.empty()) c["ExposedPorts"] = as_set(run.exposed_ports);
  if (!run.env.empty()) c["Env"] = run.env;
  if (run.entrypoint) c["Entrypoint"] = *run.entrypoint;
  if (run.cmd) c["Cmd"] = *run.cmd;
  if (!run.volumes.empty()) c["Volumes"] = as_set(run.volumes);
  if (!run.working_dir.empty()) c["WorkingDir"] = run.working_dir;
  if (!run.labels.empty()) c["Labels"] = run.labels;
  if (!run.stop_signal.empty()) c["StopSignal"] = run.stop_signal;
  return c;
}

}  // namespace

Result<ImageConfig> parse_config(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return invalid("not JSON");
  try {
    return parse_document(doc);
  } catch (const json::exception& e) {
    return invalid(e.what());
  }
}

std::string serialize_config(const ImageConfig& config) {
  json doc = json::object();
  doc["architecture"] = config.architecture;
  doc["os"] = config.os;
  if (!config.variant.empty()) doc["variant"] = config.variant;
  if (!config.created.empty()) doc["created"] = config.created;
  if (!config.author.empty()) doc["author"] = config.author;
  doc["config"] = run_config_json(config.config);
  json diff_ids = json::array();
  for (const auto& id : config.diff_ids) diff_ids.push_back(id.str());
  doc["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  if (!config.history.empty()) {
    json history = json::array();
    for (const auto& step : config.history) {
      json entry = json::object();
      if (!step.created.empty()) entry["created"] = step.created;
      if (!step.created_by.empty()) entry["created_by"] = step.created_by;
      if (!step.author.empty()) entry["author"] = step.author;
      if (!step.comment.empty()) entry["comment"] = step.comment;
      if (step.empty_layer) entry["empty_layer"] = true;
      history.push_back(std::move(entry));
    }
    doc["history"] = std::move(history);
  }
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  std::tm tm{};
  std::string copy(text);
  const char* rest = ::strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return std::nullopt;
  long long nanos = 0;
  if (*rest == '.') {  // up to nine digits of fraction; more are cut
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest)
      if (digits++ < 9) nanos = nanos * 10 + (*rest - '0');
    for (; digits < 9; ++digits) nanos *= 10;
  }
  long offset = 0;
  if (*rest == '+' || *rest == '-') {
    int hours = 0, minutes = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset = (hours * 3600L + minutes * 60L) * (*rest == '-' ? -1 : 1);
  } else if (*rest != 'Z' && *rest != 'z') {
    return std::nullopt;
  }
  std::time_t seconds = ::timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(seconds) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(nanos));
}

}  // namespace gorae::images
