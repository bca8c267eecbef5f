// docker diff and docker commit over HTTP: the query and body as dockerd's
// postCommit and getContainersChanges read them; the work is in
// container_commit.cpp.
#include "gorae/engine/commit_routes.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "gorae/api/error.hpp"
#include "gorae/engine/container_commit.hpp"
#include "gorae/engine/engine.hpp"

namespace gorae::engine {
namespace {

using api::Request;
using api::Response;
using api::unwrap;
using nlohmann::json;

// container.Config's fields; Go's decoder matches them in any case.
constexpr const char* kConfigFields[] = {
    "Hostname",   "Domainname", "User",        "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts",
    "Tty",        "OpenStdin",  "StdinOnce",   "Env",         "Cmd",          "Healthcheck",  "ArgsEscaped",
    "Image",      "Volumes",    "WorkingDir",  "Entrypoint",  "NetworkDisabled", "MacAddress", "OnBuild",
    "Labels",     "StopSignal", "StopTimeout", "Shell"};

bool same_name(const std::string& a, const char* b) {
  std::string_view other(b);
  return a.size() == other.size() && std::equal(a.begin(), a.end(), other.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The body is a create request's shape (Config fields at the top, maybe a
// HostConfig). dockerd uses it only when some Config field is there: an
// empty body, `null` or `{}` keep the container's config.
std::string config_of_body(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return "";
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_null()) return "";
  unwrap(parse_create_body(body));  // dockerd's decoding errors, field by field
  json config = json::object();
  for (const auto& [key, value] : parsed.items())
    for (const char* field : kConfigFields)
      if (same_name(key, field)) config[field] = value;
  return config.empty() ? "" : config.dump();
}

// httputils.RepoTagReference: no repo, no tag; `tag` replaces the repo's
// own tag, and without either the tag is "latest".
std::optional<images::Reference> reference_of(const Request& request) {
  std::string repo = request.query_value("repo").value_or("");
  if (repo.empty()) return std::nullopt;
  auto reference = unwrap(images::Reference::parse(repo));
  if (reference.digest) throw api::Error::bad_request("cannot commit to digest reference");
  if (std::string tag = request.query_value("tag").value_or(""); !tag.empty()) {
    unwrap(images::validate_tag(tag));
    reference.tag = tag;
  }
  return reference.with_default_tag();
}

Response commit_response(images::Store& store, const Engine& engine, const std::string& data_root, Request& request) {
  std::string name = request.query_value("container").value_or("");
  if (name.empty()) throw api::Error::bad_request("invalid name or ID supplied: \"\"");
  auto container = unwrap(engine.inspect(name));
  CommitOptions options;
  options.config_json = config_of_body(request.body);
  for (const auto& [key, value] : request.query)
    if (key == "changes") options.changes.push_back(value);
  options.author = request.query_value("author").value_or("");
  options.comment = request.query_value("comment").value_or("");
  options.pause = request.query_flag("pause", true);  // API 1.13 on
  options.reference = reference_of(request);
  auto image = unwrap(commit_container(store, container, data_root + "/containers/" + container.id, options));
  return Response::json(201, json{{"Id", image.id.str()}});
}

Response changes_response(const images::Store& store, const Engine& engine, const std::string& data_root,
                          Request& request) {
  auto container = unwrap(engine.inspect(request.param("id")));
  auto changes = unwrap(changes_of(store, container, data_root + "/containers/" + container.id));
  json list = changes.empty() ? json() : json::array();  // dockerd's nil slice: null
  for (const auto& change : changes) list.push_back({{"Path", change.path}, {"Kind", static_cast<int>(change.kind)}});
  return Response::json(200, list);
}

}  // namespace

EngineRoutes commit_routes(std::shared_ptr<images::Store> store, std::string data_root) {
  return [store, data_root](api::Router& router, const std::shared_ptr<Engine>& engine) {
    router.add("GET", "/containers/{id}/changes", [store, engine, data_root](Request& request) {
      return changes_response(*store, *engine, data_root, request);
    });
    router.add("POST", "/commit", [store, engine, data_root](Request& request) {
      return commit_response(*store, *engine, data_root, request);
    });
  };
}

}  // namespace gorae::engine
