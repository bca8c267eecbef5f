#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"

namespace gorae::engine {

using Clock = std::chrono::system_clock;

/// The create request's Config, with Docker's field names in comments.
struct ContainerConfig {
  std::string image;        ///< Image, as the client typed it
  std::vector<std::string> cmd;                          ///< Cmd
  std::optional<std::vector<std::string>> entrypoint;    ///< Entrypoint (null: image's)
  std::vector<std::string> env;                          ///< Env
  std::string working_dir;  ///< WorkingDir
  std::string user;         ///< User
  std::string hostname;     ///< Hostname
  std::string domainname;   ///< Domainname
  bool tty = false;         ///< Tty
  bool open_stdin = false;  ///< OpenStdin
  bool stdin_once = false;  ///< StdinOnce
  bool attach_stdin = false, attach_stdout = false, attach_stderr = false;
  std::map<std::string, std::string> labels;  ///< Labels
  /// Volumes: the paths that get an anonymous volume, the client's and the
  /// image's together (Docker's map keys, sorted, no duplicates).
  std::vector<std::string> volumes;
};

/// Docker's container states. paused and restarting come later.
enum class RunStatus { created, running, paused, restarting, removing, exited, dead };
const char* to_string(RunStatus status);

struct State {
  RunStatus status = RunStatus::created;
  pid_t pid = 0;
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;
  std::optional<Clock::time_point> started_at;
  std::optional<Clock::time_point> finished_at;
};

/// One container as the engine keeps it on disk and reports it.
struct Container {
  std::string id;    ///< 64 hex digits
  std::string name;  ///< without the leading '/'
  Clock::time_point created;
  std::string path;               ///< the program (Entrypoint[0] or Cmd[0])
  std::vector<std::string> args;  ///< the rest
  std::string image_id;           ///< "sha256:..."
  ContainerConfig config;
  std::string host_config;  ///< HostConfig JSON as received; later chapters read it
  bool auto_remove = false; ///< HostConfig.AutoRemove (--rm)
  State state;
  int restart_count = 0;
  std::string log_path;    ///< the json-file log
  std::string bundle_dir;  ///< config.json + rootfs
};

/// Persistence form (all fields, round-trips exactly).
void to_json(nlohmann::json& out, const Container& container);
void from_json(const nlohmann::json& in, Container& container);

/// Parses a create request body (Docker's Config + HostConfig) into a
/// ContainerConfig and the HostConfig text.
/// @return Errc::invalid_argument for malformed JSON or wrong types.
Result<std::pair<ContainerConfig, std::string>> parse_create_body(const std::string& body);

/// dockerd's answer to a wrongly typed field of a JSON body is Go's decoding
/// error, and gorae's the same, so the two daemons can be compared:
/// "json: cannot unmarshal string into Go struct field FIELD of type GO_TYPE".
tl::unexpected<Error> unmarshal_error(const nlohmann::json& value, const std::string& field,
                                      const std::string& go_type);

/// GET /containers/{id}/json in Docker's shape.
nlohmann::json inspect_json(const Container& container);
/// One entry of GET /containers/json in Docker's shape.
nlohmann::json summary_json(const Container& container, Clock::time_point now);
/// Docker's human status: "Up 3 seconds", "Exited (0) 2 minutes ago", "Created".
std::string human_status(const State& state, Clock::time_point now);

}  // namespace gorae::engine
