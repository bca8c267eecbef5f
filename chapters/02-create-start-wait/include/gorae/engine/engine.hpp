#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"
#include "gorae/engine/container.hpp"
#include "gorae/engine/images.hpp"
#include "gorae/engine/logs.hpp"
#include "gorae/engine/spec.hpp"
#include "gorae/runtime/runtime.hpp"

namespace gorae::engine {

/// What /wait waits for.
enum class WaitCondition { not_running, next_exit, removed };

/// The outcome of a start or stop that may change nothing (HTTP 304).
enum class Change { done, unchanged };

struct Subscriber;

/// Which streams an attach wants, and whether the client asked for stdin.
struct AttachOptions {
  bool stdin_wanted = false;
  bool stdout_wanted = true;
  bool stderr_wanted = true;
};

/// Filters of GET /containers/json.
struct ListOptions {
  bool all = false;
  int limit = -1;
  std::vector<std::string> status, name, id, label;  ///< OR within, AND across
};

/// Told that a container is going away, while its record and its directory
/// are still there: a later chapter drops what it made for the
/// container (its volumes, chapter 05). `remove_volumes` is DELETE's `v`
/// query (`docker rm -v`), and true for AutoRemove (`run --rm`) and for a
/// create that failed after the spec contributors ran, as with dockerd.
/// Runs under the engine's lock; it must not call the engine.
using RemoveObserver = std::function<void(const Container& container, bool remove_volumes)>;

/// The container engine: the store, the images, the runtime, and one
/// supervisor thread per running container that copies its output to the
/// log and to attached clients and records its exit. Thread-safe.
class Engine {
 public:
  struct Paths {
    std::string data_root;  ///< containers/, images/
    std::string exec_root;  ///< bundles
  };
  /// `contributors` edit each new container's config.json, in order;
  /// `remove_observers` hear of each container that goes.
  static Result<std::unique_ptr<Engine>> open(Paths paths, std::unique_ptr<ImageStore> images,
                                              std::unique_ptr<runtime::Runtime> runtime,
                                              std::vector<SpecContributor> contributors = {},
                                              std::vector<RemoveObserver> remove_observers = {});
  /// Stops running containers (SIGTERM, then SIGKILL) so none outlives the
  /// daemon: surviving a restart is chapter 08's work.
  ~Engine();

  Result<std::string> create(const std::string& name, ContainerConfig config,
                             std::string host_config);
  Result<Change> start(const std::string& reference);
  Result<Change> stop(const std::string& reference, std::optional<int> timeout_seconds);
  Status kill(const std::string& reference, const std::string& signal);
  Status restart(const std::string& reference, std::optional<int> timeout_seconds);
  /// `remove_volumes` (DELETE's `v`) is passed on to the remove observers.
  Status remove(const std::string& reference, bool force, bool remove_volumes = false);
  Status rename(const std::string& reference, const std::string& new_name);
  Status resize(const std::string& reference, unsigned short rows, unsigned short columns);

  /// A wait taken now, answered later: `next-exit` counts the exits after
  /// this call, so a `/start` sent the moment /wait's headers arrive cannot
  /// slip past it.
  struct WaitTicket {
    std::string id;
    WaitCondition condition = WaitCondition::not_running;
    std::uint64_t exits_seen = 0;
  };
  Result<WaitTicket> begin_wait(const std::string& reference, WaitCondition condition);
  /// Blocks until the ticket's condition holds or `stop` is requested.
  /// @return the exit code, or nullopt when stopped first.
  std::optional<int> wait(const WaitTicket& ticket, std::stop_token stop);

  Result<Container> inspect(const std::string& reference) const;
  /// Changes a container's record (its HostConfig, for POST /update) and
  /// saves it; `edit` runs under the engine's lock and may refuse.
  Result<Container> update(const std::string& reference,
                           const std::function<Status(Container& container)>& edit);
  std::vector<Container> list(const ListOptions& options) const;
  /// Counts for /info: total, running, paused, stopped.
  std::array<int, 4> counts() const;
  const ImageStore& images() const;

  /// Streams the container's log (json-file) until done; see read_log.
  Status logs(const std::string& reference, const LogQuery& query,
              const std::function<bool(const LogEntry&)>& emit, std::stop_token stop);

  /// Registers an attach at once, before the HTTP answer goes out: the
  /// client sends /start right after it, and the start must find it.
  /// Output before the connection arrives is kept for it.
  Result<std::shared_ptr<Subscriber>> begin_attach(const std::string& reference,
                                                   const AttachOptions& options);
  /// Serves the attach on the hijacked connection until the container's
  /// run ends (the next one, for a container not running yet) or the client
  /// hangs up.
  void attach(const std::shared_ptr<Subscriber>& subscriber, base::UniqueFd connection,
              std::string early_input);

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Docker's signal names and numbers: "KILL", "SIGKILL", "9".
std::optional<int> parse_signal(const std::string& text);

}  // namespace gorae::engine
