// The /volumes API in dockerd's shapes (api/server/router/volume).
#include <nlohmann/json.hpp>

#include "gorae/api/error.hpp"
#include "gorae/engine/volume_parts.hpp"
#include "gorae/volumes/volume_filters.hpp"

namespace gorae::engine {
namespace {

using api::Request;
using api::Response;
using api::unwrap;
using nlohmann::json;
using volumes::VolumeStore;

// volume.CreateOptions, with Go's decoding errors for wrong types.
volumes::CreateRequest create_request(const std::string& body) {
  volumes::CreateRequest request;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return request;
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) throw api::Error::bad_request("invalid JSON in the volume create request body");
  if (!doc.is_object())
    throw api::Error::bad_request(std::string("json: cannot unmarshal ") + doc.type_name() +
                                  " into Go value of type volume.CreateOptions");
  auto type_error = [](const json& value, const char* field, const char* go_type) {
    std::string kind = value.is_boolean() ? "bool" : value.is_number() ? "number" : value.type_name();
    return api::Error::bad_request("json: cannot unmarshal " + kind + " into Go struct field CreateOptions." +
                                   field + " of type " + go_type);
  };
  auto text = [&](const char* key, std::string& out) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return;
    if (!it->is_string()) throw type_error(*it, key, "string");
    out = it->get<std::string>();
  };
  auto map = [&](const char* key, volumes::Labels& out) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return;
    if (!it->is_object()) throw type_error(*it, key, "map[string]string");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) throw type_error(v, key, "map[string]string");
      out[k] = v.get<std::string>();
    }
  };
  text("Name", request.name);
  text("Driver", request.driver);
  map("Labels", request.labels);
  map("DriverOpts", request.options);
  return request;
}

void install(api::Router& router, const std::shared_ptr<VolumeStore>& store) {
  router.add("POST", "/volumes/create", [store](Request& request) {
    api::require_json_content_type(request);
    auto volume = unwrap(store->create(create_request(request.body)));
    return Response::json(201, volumes::volume_json(volume));
  });
  router.add("GET", "/volumes", [store](Request& request) {
    auto filter = unwrap(volumes::list_filter(request.query_value("filters").value_or("")));
    json list = json::array();
    for (const auto& volume : store->list())
      if (filter(volume, !store->references(volume.name).empty())) list.push_back(volumes::volume_json(volume));
    return Response::json(200, json{{"Volumes", list}, {"Warnings", nullptr}});
  });
  router.add("GET", "/volumes/{name}", [store](Request& request) {
    return Response::json(200, volumes::volume_json(unwrap(store->get(request.param("name")))));
  });
  router.add("DELETE", "/volumes/{name}", [store](Request& request) {
    unwrap(store->remove(request.param("name"), request.query_flag("force")));
    return Response::empty(204);
  });
  router.add("POST", "/volumes/prune", [store](Request& request) {
    bool before_1_42 = request.version < api::ApiVersion{1, 42};
    auto filter = unwrap(volumes::prune_filter(request.query_value("filters").value_or(""), before_1_42));
    auto report = store->prune([&](const volumes::Volume& volume) { return filter(volume, false); });
    return Response::json(200, json{{"VolumesDeleted", report.deleted}, {"SpaceReclaimed", report.space_reclaimed}});
  });
}

}  // namespace

EngineRoutes volume_routes(std::shared_ptr<VolumeStore> store) {
  return [store](api::Router& router, const std::shared_ptr<Engine>&) { install(router, store); };
}

}  // namespace gorae::engine
