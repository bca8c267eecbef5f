// GET /containers/{id}/stats and POST /containers/{id}/update: the cgroup's
// counters read back in Docker's shape, and new limits written into a
// running container's cgroup, behaving as dockerd 20.10 does.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stop_token>

#include "gorae/api/error.hpp"
#include "gorae/base/log.hpp"
#include "gorae/engine/resources.hpp"
#include "gorae/runtime/runtime.hpp"
#include "stats_json.hpp"

namespace gorae::engine {
namespace {

using api::Request;
using api::Response;
using nlohmann::json;

// dockerd's collector reads every container once a second.
constexpr std::chrono::seconds kInterval{1};

using api::unwrap;

Result<stats::Sample> take_sample(const cgroups::Manager& manager, const Container& container) {
  GORAE_ASSIGN_OR_RETURN(std::string path, cgroup_path_of(container));
  stats::Sample sample;
  GORAE_ASSIGN_OR_RETURN(sample.cgroup, manager.stats(path));
  // The host's CPU time right after the container's, as dockerd takes it:
  // the docker CLI divides one delta by the other.
  GORAE_ASSIGN_OR_RETURN(sample.system_cpu_ns, stats::system_cpu_usage());
  sample.read = Clock::now();
  sample.online_cpus = stats::online_cpus();
  sample.cgroup_version = manager.version();
  return sample;
}

// A container that is not running, or whose cgroup went away under us (it
// just exited), has no sample: dockerd then sends the zero document.
std::optional<stats::Sample> sample_if_running(const cgroups::Manager& manager,
                                               const Container& container) {
  if (container.state.status != RunStatus::running) return std::nullopt;
  auto sample = take_sample(manager, container);
  if (sample) return std::move(*sample);
  if (sample.error().kind() != Errc::not_found)
    GORAE_LOG_WARN("stats of %s: %s", container.id.c_str(), sample.error().what().c_str());
  return std::nullopt;
}

std::string line(const Container& container, const std::optional<stats::Sample>& current,
                 const std::optional<stats::Sample>& previous) {
  const stats::Sample* now = current ? &*current : nullptr;
  const stats::Sample* before = previous ? &*previous : nullptr;
  return stats::document("/" + container.name, container.id, now, before).dump() + "\n";
}

// Sleeps for `period`; false when the client left or the server stops first.
bool pause(std::stop_token stop, std::chrono::milliseconds period) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, period, [] { return false; });
  return !stop.stop_requested();
}

Response stats_response(const std::shared_ptr<Engine>& engine,
                        const std::shared_ptr<cgroups::Manager>& manager, Request& request) {
  bool stream = request.query_flag("stream", true);
  bool one_shot = request.query_flag("one-shot");
  if (stream && one_shot) throw api::Error::bad_request("cannot have stream=true and one-shot=true");
  Container container = unwrap(engine->inspect(request.param("id")));
  bool running = container.state.status == RunStatus::running;
  if (!stream && (!running || one_shot))
    return Response::text(200, line(container, sample_if_running(*manager, container), std::nullopt),
                          "application/json");
  // Streamed, or stream=0 without one-shot: dockerd then waits for a second
  // reading so that precpu_stats holds the first and CPU % can be computed.
  // Either way it takes a second, so it runs on a stream's own thread and
  // not on one of the few that serve every connection.
  Response response = Response::empty(200);
  if (!stream) response.set_header("Content-Type", "application/json");
  response.stream = [engine, manager, id = container.id, stream](api::BodyWriter& body) {
    std::optional<stats::Sample> previous;
    for (bool first = true;; first = false) {
      auto now = engine->inspect(id);
      if (!now) return;  // removed: nothing more to report
      auto current = sample_if_running(*manager, *now);
      bool primed = stream || !first;
      if (primed && !body.write(line(*now, current, previous))) return;
      if (primed && !stream) return;
      previous = std::move(current);
      if (!pause(body.stop_token(), kInterval)) return;
    }
  };
  return response;
}

// The new limits, in the cgroup at once and in config.json for the next start.
Status apply_update(cgroups::Manager& manager, Container& container, const json& update) {
  auto host = json::parse(container.host_config, nullptr, false);
  GORAE_ASSIGN_OR_RETURN(json merged, stats::merge_update(std::move(host), update, container.id));
  GORAE_ASSIGN_OR_RETURN(json resources, resources_from_host_config(merged));
  auto cannot = [&container](const Error& error) {
    return fail(error.kind(), "Cannot update container " + container.id + ": " + error.what());
  };
  if (container.state.status == RunStatus::running) {
    auto path = cgroup_path_of(container);
    if (!path) return cannot(path.error());
    auto parsed = cgroups::parse_resources(resources);
    if (!parsed) return cannot(parsed.error());
    // An unset pids limit in linux.resources leaves the kernel's value; a
    // limit lifted by this update (PidsLimit 0 or -1) has to be written as "max".
    auto pids = update.find("PidsLimit");
    if (!parsed->pids_limit && pids != update.end() && pids->is_number_integer()) parsed->pids_limit = -1;
    if (auto applied = manager.apply(*path, *parsed); !applied) return cannot(applied.error());
  }
  auto document = runtime::load_bundle_document(container.bundle_dir);
  if (!document) return cannot(document.error());
  // Only the keys resources_from_host_config owns: another chapter's
  // (devices, say) stay as they were.
  json& target = (*document)["linux"]["resources"];
  if (!target.is_object()) target = json::object();
  for (const char* key : {"memory", "cpu", "pids"}) target.erase(key);
  target.update(resources);
  if (auto written = runtime::write_bundle_document(container.bundle_dir, *document); !written)
    return cannot(written.error());
  container.host_config = merged.dump();
  return {};
}

Response update_response(Engine& engine, cgroups::Manager& manager, Request& request) {
  api::require_json_content_type(request);
  json update = unwrap(stats::parse_update_body(request.body));
  Container container = unwrap(engine.inspect(request.param("id")));
  if (auto checked = stats::check_update(update); !checked) throw api::to_api_error(checked.error());
  unwrap(engine.update(container.id, [&](Container& record) {
    return apply_update(manager, record, update);
  }));
  return Response::json(200, json{{"Warnings", nullptr}});
}

}  // namespace

EngineRoutes stats_routes(std::shared_ptr<cgroups::Manager> manager) {
  return [manager](api::Router& router, const std::shared_ptr<Engine>& engine) {
    router.add("GET", "/containers/{id}/stats", [engine, manager](Request& request) {
      return stats_response(engine, manager, request);
    });
    router.add("POST", "/containers/{id}/update", [engine, manager](Request& request) {
      return update_response(*engine, *manager, request);
    });
  };
}

}  // namespace gorae::engine
