// The container API of chapter 02, in the Docker Engine API's shapes.
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "gorae/api/error.hpp"
#include "gorae/base/log.hpp"
#include "gorae/engine/engine.hpp"
#include "gorae/engine/routes.hpp"

namespace gorae::engine {
namespace {

using api::Request;
using api::Response;
using nlohmann::json;

using api::unwrap;

std::optional<int> int_query(const Request& request, const char* name) {
  auto value = request.query_value(name);
  if (!value || value->empty()) return std::nullopt;
  try {
    return std::stoi(*value);
  } catch (const std::exception&) {
    throw api::Error::bad_request("invalid value for " + std::string(name) + ": " + *value);
  }
}

// ?filters={"status":["exited"],"name":{"web":true}} (both forms occur).
ListOptions list_options(const Request& request) {
  ListOptions options;
  options.all = request.query_flag("all");
  options.limit = int_query(request, "limit").value_or(-1);
  auto text = request.query_value("filters");
  if (!text || text->empty()) return options;
  auto filters = json::parse(*text, nullptr, false);
  if (!filters.is_object()) throw api::Error::bad_request("invalid filter: " + *text);
  auto values = [&](const char* key) {
    std::vector<std::string> out;
    if (!filters.contains(key)) return out;
    const auto& entry = filters[key];
    if (entry.is_array())
      for (const auto& v : entry) out.push_back(v.get<std::string>());
    if (entry.is_object())
      for (const auto& [k, v] : entry.items()) out.push_back(k);
    return out;
  };
  for (const auto& [key, value] : filters.items()) {
    if (key != "status" && key != "name" && key != "id" && key != "label")
      throw api::Error::bad_request("invalid filter '" + key + "'");
  }
  options.status = values("status");
  options.name = values("name");
  options.id = values("id");
  options.label = values("label");
  return options;
}

Response logs_response(Engine& engine, Request& request) {
  LogQuery query;
  query.stdout_wanted = request.query_flag("stdout");
  query.stderr_wanted = request.query_flag("stderr");
  if (!query.stdout_wanted && !query.stderr_wanted)
    throw api::Error::bad_request("Bad parameters: you must choose at least one stream");
  query.follow = request.query_flag("follow");
  query.timestamps = request.query_flag("timestamps");
  auto tail = request.query_value("tail");
  if (tail && !tail->empty() && *tail != "all") query.tail = int_query(request, "tail");
  if (auto since = int_query(request, "since"); since && *since > 0)
    query.since = Clock::time_point(std::chrono::seconds(*since));
  auto container = unwrap(engine.inspect(request.param("id")));
  bool raw = container.config.tty;
  Response response = Response::empty(200);
  response.stream = [&engine, id = container.id, query, raw](api::BodyWriter& body) {
    auto emit = [&](const LogEntry& entry) {
      std::string text = query.timestamps ? rfc3339_nano(entry.time) + " " + entry.text
                                          : entry.text;
      return body.write(raw ? text : frame(entry.stream, text));
    };
    engine.logs(id, query, emit, body.stop_token());
  };
  return response;
}

Response wait_response(Engine& engine, Request& request) {
  std::string text = request.query_value("condition").value_or("");
  WaitCondition condition = text == "next-exit" ? WaitCondition::next_exit
                            : text == "removed" ? WaitCondition::removed
                                                : WaitCondition::not_running;
  auto ticket = unwrap(engine.begin_wait(request.param("id"), condition));
  auto response = Response::empty(200);
  response.set_header("Content-Type", "application/json");
  response.stream = [&engine, ticket](api::BodyWriter& body) {
    if (auto code = engine.wait(ticket, body.stop_token()))
      body.write(json{{"Error", nullptr}, {"StatusCode", *code}}.dump() + "\n");
  };
  return response;
}

Response attach_response(Engine& engine, Request& request) {
  AttachOptions options;
  options.stdin_wanted = request.query_flag("stdin");
  options.stdout_wanted = request.query_flag("stdout");
  options.stderr_wanted = request.query_flag("stderr");
  auto subscriber = unwrap(engine.begin_attach(request.param("id"), options));
  const std::string* upgrade = request.header("upgrade");
  // The docker CLI asks to upgrade and insists on 101; curl does not ask and
  // gets the stream after a 200, as dockerd does it.
  Response response = Response::empty(upgrade ? 101 : 200);
  response.set_header("Content-Type", "application/vnd.docker.raw-stream");
  if (upgrade) {
    response.set_header("Connection", "Upgrade");
    response.set_header("Upgrade", "tcp");
  }
  response.hijack = [&engine, subscriber](base::UniqueFd connection, std::string early) {
    engine.attach(subscriber, std::move(connection), std::move(early));
  };
  return response;
}

json images_json(const Engine& engine) {
  json list = json::array();
  for (const auto& image : engine.images().list()) {
    list.push_back({{"Containers", -1},
                    {"Created", std::chrono::duration_cast<std::chrono::seconds>(
                                    image.created.time_since_epoch())
                                    .count()},
                    {"Id", image.id},
                    {"Labels", nullptr},
                    {"ParentId", ""},
                    {"RepoDigests", json::array()},
                    {"RepoTags", image.repo_tags},
                    {"SharedSize", -1},
                    {"Size", image.size},
                    {"VirtualSize", image.size}});
  }
  return list;
}

void install_routes(api::Router& router, const std::shared_ptr<Engine>& shared,
                    const std::vector<InspectContributor>& inspect) {
  Engine& engine = *shared;
  // Handlers hold the engine alive as long as the router lives.
  auto keep = [shared](auto handler) {
    return [shared, handler](Request& request) { return handler(request); };
  };
  router.add("POST", "/containers/create", keep([&engine](Request& request) {
    api::require_json_content_type(request);
    // dockerd's answers for bodies it cannot use: malformed JSON is its 500
    // (the decoder's error), an empty config and an empty image are 400s.
    auto raw = json::parse(request.body, nullptr, false);
    if (raw.is_discarded())
      throw api::Error::internal("invalid JSON in the create request body");
    if (!raw.is_object() || raw.empty())
      throw api::Error::bad_request("Config cannot be empty in order to create a container");
    auto body = unwrap(parse_create_body(request.body));
    if (body.first.image.empty()) throw api::Error::bad_request("No command specified");
    auto id = unwrap(engine.create(request.query_value("name").value_or(""),
                                   std::move(body.first), std::move(body.second)));
    return Response::json(201, json{{"Id", id}, {"Warnings", json::array()}});
  }));
  router.add("POST", "/containers/{id}/start", keep([&engine](Request& request) {
    auto change = unwrap(engine.start(request.param("id")));
    return Response::empty(change == Change::done ? 204 : 304);
  }));
  router.add("POST", "/containers/{id}/stop", keep([&engine](Request& request) {
    auto change = unwrap(engine.stop(request.param("id"), int_query(request, "t")));
    return Response::empty(change == Change::done ? 204 : 304);
  }));
  router.add("POST", "/containers/{id}/restart", keep([&engine](Request& request) {
    unwrap(engine.restart(request.param("id"), int_query(request, "t")));
    return Response::empty(204);
  }));
  router.add("POST", "/containers/{id}/kill", keep([&engine](Request& request) {
    unwrap(engine.kill(request.param("id"), request.query_value("signal").value_or("")));
    return Response::empty(204);
  }));
  router.add("POST", "/containers/{id}/wait", keep([&engine](Request& request) {
    return wait_response(engine, request);
  }));
  router.add("DELETE", "/containers/{id}", keep([&engine](Request& request) {
    unwrap(engine.remove(request.param("id"), request.query_flag("force"), request.query_flag("v")));
    return Response::empty(204);
  }));
  router.add("POST", "/containers/{id}/rename", keep([&engine](Request& request) {
    unwrap(engine.rename(request.param("id"), request.query_value("name").value_or("")));
    return Response::empty(204);
  }));
  router.add("POST", "/containers/{id}/resize", keep([&engine](Request& request) {
    unwrap(engine.resize(request.param("id"),
                         static_cast<unsigned short>(int_query(request, "h").value_or(0)),
                         static_cast<unsigned short>(int_query(request, "w").value_or(0))));
    return Response::text(200, "");
  }));
  router.add("GET", "/containers/json", keep([&engine](Request& request) {
    json list = json::array();
    auto now = Clock::now();
    for (const auto& container : engine.list(list_options(request)))
      list.push_back(summary_json(container, now));
    return Response::json(200, list);
  }));
  router.add("GET", "/containers/{id}/json", keep([&engine, inspect](Request& request) {
    Container container = unwrap(engine.inspect(request.param("id")));
    json document = inspect_json(container);
    for (const InspectContributor& contribute : inspect) contribute(container, document);
    return Response::json(200, document);
  }));
  router.add("GET", "/containers/{id}/logs", keep([&engine](Request& request) {
    return logs_response(engine, request);
  }));
  router.add("POST", "/containers/{id}/attach", keep([&engine](Request& request) {
    return attach_response(engine, request);
  }));
  router.add("GET", "/images/json", keep([&engine](Request&) {
    return Response::json(200, images_json(engine));
  }));
}

}  // namespace

daemon::Installer installer(std::string bundled_images, EngineParts parts) {
  return [bundled_images, parts](daemon::Context& context) -> Status {
    const auto& options = context.options;
    if (!parts.open_images && !std::filesystem::is_directory(bundled_images))
      GORAE_LOG_WARN("no bundled images at \"%s\": hello-world and busybox will be missing",
                     bundled_images.c_str());
    std::unique_ptr<ImageStore> images;
    if (parts.open_images) {
      GORAE_ASSIGN_OR_RETURN(images, parts.open_images(options));
    } else {
      GORAE_ASSIGN_OR_RETURN(images, open_directory_images(options.data_root + "/images", bundled_images));
    }
    GORAE_ASSIGN_OR_RETURN(
        std::shared_ptr<Engine> shared,
        Engine::open({options.data_root, options.exec_root}, std::move(images),
                     parts.make_runtime ? parts.make_runtime(options) : runtime::make_chroot_runtime(),
                     parts.contributors, parts.remove_observers));
    install_routes(context.router, shared, parts.inspect);
    for (const EngineRoutes& add_routes : parts.routes) add_routes(context.router, shared);
    context.system.add_info_contributor([weak = std::weak_ptr<Engine>(shared)](json& info) {
      auto engine = weak.lock();
      if (!engine) return;
      auto counts = engine->counts();
      info["Containers"] = counts[0];
      info["ContainersRunning"] = counts[1];
      info["ContainersPaused"] = counts[2];
      info["ContainersStopped"] = counts[3];
      info["Images"] = engine->images().list().size();
      info["Driver"] = "vfs";  // a full copy per container, like Docker's vfs driver
      info["LoggingDriver"] = "json-file";
      info["Plugins"]["Log"] = json::array({"json-file"});
    });
    return {};
  };
}

std::string find_bundled_images(const std::string& build_tree_dir, const std::string& installed_name) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path().parent_path() / "share/gorae" / installed_name;
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return build_tree_dir;
}

}  // namespace gorae::engine
