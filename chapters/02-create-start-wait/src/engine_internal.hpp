#pragma once
// Shared by engine.cpp (lifecycle) and supervisor.cpp (running processes).

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "gorae/engine/engine.hpp"
#include "gorae/engine/store.hpp"

namespace gorae::engine {

/// A client attached to a container's output (and maybe its input).
struct Subscriber {
  std::string id;  ///< the container
  AttachOptions options;
  bool raw = false;  ///< Tty: raw bytes; otherwise stdcopy frames
  bool stdin_once = false;
  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> run{0};  ///< the run it is bound to, once started
  std::mutex mutex;                   ///< guards connection and backlog
  base::UniqueFd connection;          ///< invalid until the hijack hands it over
  std::string backlog;                ///< output that came before the connection
};

/// One running process and what its supervisor needs.
struct Live {
  pid_t pid = -1;
  base::UniqueFd pidfd;
  runtime::Stdio stdio;
  std::mutex mutex;  ///< guards stdio.stdin_fd and subscribers
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  std::optional<LogWriter> log;
};

struct Engine::Impl {
  Paths paths;
  std::unique_ptr<ImageStore> images;
  std::unique_ptr<runtime::Runtime> runtime;
  std::vector<SpecContributor> contributors;
  std::vector<RemoveObserver> remove_observers;

  mutable std::mutex mutex;  ///< guards everything below
  std::condition_variable_any changed;  ///< any state change: exits, starts, removals
  ContainerStore store;
  std::map<std::string, std::shared_ptr<Live>> live;  ///< running containers
  /// Attached clients waiting for a container's next run.
  std::map<std::string, std::vector<std::shared_ptr<Subscriber>>> waiting_subscribers;
  std::map<std::string, std::uint64_t> runs;   ///< starts so far, per container
  std::map<std::string, std::uint64_t> exits;  ///< exits so far, per container
  std::map<std::string, int> removed_exit_codes;  ///< for /wait?condition=removed
  int supervisors = 0;  ///< pump threads still running
  int attaches = 0;     ///< attach threads still running
  bool closing = false;

  explicit Impl(Paths p) : paths(std::move(p)), store(paths.data_root + "/containers") {}

  /// config.json: chapter 02's document, then each contributor's part.
  Status write_spec(const Container& container, const std::string& rootfs);

  // supervisor.cpp
  void supervise(const std::string& id, std::shared_ptr<Live> process);
  void finish(const std::string& id, const std::shared_ptr<Live>& process,
              runtime::ExitStatus status);
  Status remove_locked(std::unique_lock<std::mutex>& lock, const std::string& id,
                       bool remove_volumes);
  Status start_locked(std::unique_lock<std::mutex>& lock, const std::string& id);
  Result<std::string> resolve(const std::string& reference) const;
  void wait_for_exit(std::unique_lock<std::mutex>& lock, const std::string& id,
                     std::chrono::milliseconds timeout);
};

/// Docker's exit code for a start that failed before the program ran.
int start_failure_exit_code(const std::string& message);

}  // namespace gorae::engine

namespace gorae::engine {

/// Fills what the client left out from the image, as dockerd does: Cmd,
/// Entrypoint, Env (image first, the client's overriding), WorkingDir, User.
/// @return Errc::invalid_argument "No command specified" when nothing runs.
Status merge_image_config(ContainerConfig& config, const ImageConfig& image);

/// The OCI spec for a container whose root filesystem is at `rootfs`: its
/// user resolved through the rootfs's /etc/passwd and /etc/group.
Result<runtime::BundleSpec> make_bundle_spec(const Container& container,
                                             const std::string& rootfs);

}  // namespace gorae::engine
