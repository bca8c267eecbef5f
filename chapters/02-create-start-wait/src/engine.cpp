#include "gorae/engine/engine.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine_internal.hpp"
#include "gorae/base/log.hpp"

namespace gorae::engine {
namespace {

namespace fs = std::filesystem;

// The few device nodes programs expect (`sh -c 'cmd &'` opens /dev/null).
// Chapter 03 replaces this with a tmpfs /dev in the container's own mount
// namespace; a chroot has no such thing.
void populate_dev(const std::string& rootfs) {
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  static const Node nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  std::error_code ec;
  fs::create_directories(rootfs + "/dev", ec);
  for (const auto& node : nodes) {
    std::string path = rootfs + "/dev/" + node.name;
    if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(node.major, node.minor)) == 0)
      ::chmod(path.c_str(), 0666);  // mknod is filtered by the umask
  }
}

// dockerd creates a missing WorkingDir (`docker run -w /new/dir`). Each
// component is checked with lstat, so a symlink in the image cannot steer
// the mkdir outside the container's root filesystem.
void make_working_dir(const std::string& rootfs, const std::string& working_dir) {
  std::string path = rootfs;
  for (const auto& part : fs::path(working_dir).relative_path()) {
    if (part == ".." || part == ".") return;
    path += "/" + part.string();
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) return;  // a symlink or a file: leave it to exec
      continue;
    }
    if (::mkdir(path.c_str(), 0755) != 0) return;
  }
}

// The recorded pid is ours only if that process's root directory is the
// container's root filesystem: a pid can be reused after a reboot. stat()
// follows /proc/PID/root to the directory itself, so this holds for a chroot
// and for a pivot_root in another mount namespace (whose readlink says "/").
bool is_container_process(pid_t pid, const std::string& rootfs) {
  struct stat process_root {}, container_root {};
  std::string link = "/proc/" + std::to_string(pid) + "/root";
  return ::stat(link.c_str(), &process_root) == 0 && ::stat(rootfs.c_str(), &container_root) == 0 &&
         process_root.st_dev == container_root.st_dev &&
         process_root.st_ino == container_root.st_ino;
}

bool auto_remove_of(const std::string& host_config) {
  auto parsed = nlohmann::json::parse(host_config, nullptr, false);
  return parsed.is_object() && parsed.value("AutoRemove", false);
}

tl::unexpected<Error> not_running(const std::string& id) {
  return fail(Errc::conflict, "Container " + id + " is not running");
}

}  // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Engine>> Engine::open(Paths paths, std::unique_ptr<ImageStore> images,
                                             std::unique_ptr<runtime::Runtime> runtime,
                                             std::vector<SpecContributor> contributors,
                                             std::vector<RemoveObserver> remove_observers) {
  auto impl = std::make_unique<Impl>(std::move(paths));
  impl->images = std::move(images);
  impl->runtime = std::move(runtime);
  impl->contributors = std::move(contributors);
  impl->remove_observers = std::move(remove_observers);
  GORAE_ASSIGN_OR_RETURN(auto skipped, impl->store.load());
  for (const auto& reason : skipped) GORAE_LOG_WARN("skipped a container record: %s", reason.c_str());
  // Chapter 02's containers die with the daemon that ran them. A record
  // still saying "running" is from a daemon that was killed: its process
  // group is killed now (if that pid still runs), and the record says why.
  for (const Container* record : impl->store.all()) {
    if (record->state.status != RunStatus::running) continue;
    Container container = *record;
    if (container.state.pid > 0 &&
        is_container_process(container.state.pid,
                             impl->store.container_dir(container.id) + "/rootfs"))
      ::kill(-container.state.pid, SIGKILL);
    container.state.status = RunStatus::exited;
    container.state.exit_code = 255;
    container.state.pid = 0;
    container.state.finished_at = Clock::now();
    container.state.error =
        "the daemon stopped while the container was running (chapter 08 keeps containers "
        "alive across daemon restarts)";
    GORAE_TRY(impl->store.save(container));
  }
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::~Engine() {
  std::unique_lock lock(impl_->mutex);
  impl_->closing = true;
  // Attached clients waiting for a run that will not come are let go; their
  // threads notice within one poll interval.
  for (auto& [id, waiting] : impl_->waiting_subscribers)
    for (auto& subscriber : waiting) subscriber->closed = true;
  for (auto& [id, process] : impl_->live) impl_->runtime->kill(process->pid, SIGTERM);
  auto all_done = [this] { return impl_->supervisors == 0 && impl_->attaches == 0; };
  if (!impl_->changed.wait_for(lock, std::chrono::seconds(3), all_done)) {
    for (auto& [id, process] : impl_->live) impl_->runtime->kill(process->pid, SIGKILL);
    impl_->changed.wait(lock, all_done);
  }
}

Result<std::string> Engine::Impl::resolve(const std::string& reference) const {
  return store.resolve(reference);
}

Result<std::string> Engine::create(const std::string& name, ContainerConfig config,
                                   std::string host_config) {
  GORAE_ASSIGN_OR_RETURN(auto image, impl_->images->find(config.image));
  GORAE_TRY(merge_image_config(config, image.config));
  std::unique_lock lock(impl_->mutex);
  auto& store = impl_->store;
  if (!name.empty()) GORAE_TRY(store.check_name(name));
  Container container;
  container.id = store.new_id();
  container.name = name.empty() ? store.new_name() : (name[0] == '/' ? name.substr(1) : name);
  container.created = Clock::now();
  std::vector<std::string> command = config.entrypoint.value_or(std::vector<std::string>{});
  command.insert(command.end(), config.cmd.begin(), config.cmd.end());
  container.path = command.front();
  container.args.assign(command.begin() + 1, command.end());
  container.image_id = image.id;
  container.config = std::move(config);
  container.auto_remove = auto_remove_of(host_config);
  container.host_config = std::move(host_config);
  std::string dir = store.container_dir(container.id);
  container.log_path = dir + "/" + container.id + "-json.log";
  container.bundle_dir = impl_->paths.exec_root + "/containers/" + container.id;

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) fs::create_directories(container.bundle_dir, ec);
  if (ec) return fail(Errc::system, "create " + dir + ": " + ec.message());
  auto cleanup = [&] {
    fs::remove_all(dir, ec);
    fs::remove_all(container.bundle_dir, ec);
  };
  // The copy of the image's files: the container's own, so nothing it
  // does can damage the image for the next container (chapter 05 swaps
  // this copy for an overlay mount).
  if (auto prepared = impl_->images->prepare_rootfs(image, dir + "/rootfs"); !prepared) {
    cleanup();
    return tl::unexpected(std::move(prepared).error());
  }
  populate_dev(dir + "/rootfs");
  if (!container.config.working_dir.empty())
    make_working_dir(dir + "/rootfs", container.config.working_dir);
  Status saved = impl_->write_spec(container, dir + "/rootfs");
  if (saved) saved = store.save(container);
  if (!saved) {
    // What the contributors made for it (volumes) goes too, as with dockerd.
    for (const RemoveObserver& observe : impl_->remove_observers) observe(container, true);
    impl_->images->release_rootfs(dir + "/rootfs");
    cleanup();
    return tl::unexpected(std::move(saved).error());
  }
  impl_->changed.notify_all();
  return container.id;
}

Status Engine::Impl::write_spec(const Container& container, const std::string& rootfs) {
  GORAE_ASSIGN_OR_RETURN(runtime::BundleSpec base, make_bundle_spec(container, rootfs));
  nlohmann::json document = runtime::bundle_document(base);
  for (const SpecContributor& contribute : contributors) GORAE_TRY(contribute(container, document));
  return runtime::write_bundle_document(container.bundle_dir, document);
}

Result<Change> Engine::start(const std::string& reference) {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  if (impl_->live.count(id)) return Change::unchanged;
  GORAE_TRY(impl_->start_locked(lock, id));
  return Change::done;
}

Result<Change> Engine::stop(const std::string& reference, std::optional<int> timeout_seconds) {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  auto process = impl_->live.find(id);
  if (process == impl_->live.end()) return Change::unchanged;
  impl_->runtime->kill(process->second->pid, SIGTERM);
  impl_->wait_for_exit(lock, id, std::chrono::seconds(timeout_seconds.value_or(10)));
  if (auto still = impl_->live.find(id); still != impl_->live.end()) {
    impl_->runtime->kill(still->second->pid, SIGKILL);
    impl_->wait_for_exit(lock, id, std::chrono::hours(1));
  }
  return Change::done;
}

Status Engine::kill(const std::string& reference, const std::string& signal_name) {
  auto signal = parse_signal(signal_name.empty() ? "KILL" : signal_name);
  if (!signal) return fail(Errc::invalid_argument, "Invalid signal: " + signal_name);
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  auto process = impl_->live.find(id);
  if (process == impl_->live.end())
    return fail(Errc::conflict, "Cannot kill container: " + reference + ": Container " + id +
                                    " is not running");
  return impl_->runtime->kill(process->second->pid, *signal);
}

Status Engine::restart(const std::string& reference, std::optional<int> timeout_seconds) {
  GORAE_TRY(stop(reference, timeout_seconds));
  auto started = start(reference);
  if (!started) return tl::unexpected(started.error());
  return {};
}

Status Engine::remove(const std::string& reference, bool force, bool remove_volumes) {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  if (auto process = impl_->live.find(id); process != impl_->live.end()) {
    if (!force)
      return fail(Errc::conflict, "You cannot remove a running container " + id +
                                      ". Stop the container before attempting removal or "
                                      "force remove");
    impl_->runtime->kill(process->second->pid, SIGKILL);
    impl_->wait_for_exit(lock, id, std::chrono::hours(1));
    if (!impl_->store.find(id)) return {};  // AutoRemove got there first
  }
  return impl_->remove_locked(lock, id, remove_volumes);
}

Status Engine::Impl::remove_locked(std::unique_lock<std::mutex>&, const std::string& id,
                                   bool remove_volumes) {
  Container* container = store.find(id);
  if (!container) return {};
  std::string dir = store.container_dir(id);
  GORAE_TRY(images->release_rootfs(dir + "/rootfs"));
  for (const RemoveObserver& observe : remove_observers) observe(*container, remove_volumes);
  std::error_code ec;
  fs::remove_all(container->bundle_dir, ec);
  // Waiters for condition=removed still need the exit code; keep the last
  // few thousand.
  if (removed_exit_codes.size() > 4096) removed_exit_codes.erase(removed_exit_codes.begin());
  removed_exit_codes[id] = container->state.exit_code;
  GORAE_TRY(store.remove(id));
  waiting_subscribers.erase(id);
  runs.erase(id);
  exits.erase(id);
  changed.notify_all();
  return {};
}

Status Engine::rename(const std::string& reference, const std::string& new_name) {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  GORAE_TRY(impl_->store.check_name(new_name));
  Container container = *impl_->store.find(id);
  container.name = new_name[0] == '/' ? new_name.substr(1) : new_name;
  return impl_->store.save(container);
}

Status Engine::resize(const std::string& reference, unsigned short rows,
                      unsigned short columns) {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  auto process = impl_->live.find(id);
  if (process == impl_->live.end()) return not_running(id);
  if (!process->second->stdio.terminal) return {};
  return impl_->runtime->resize(process->second->stdio.stdout_fd.get(), rows, columns);
}

void Engine::Impl::wait_for_exit(std::unique_lock<std::mutex>& lock, const std::string& id,
                                 std::chrono::milliseconds timeout) {
  changed.wait_for(lock, timeout, [&] { return live.count(id) == 0; });
}

Result<Engine::WaitTicket> Engine::begin_wait(const std::string& reference,
                                              WaitCondition condition) {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  auto exits = impl_->exits.find(id);
  return WaitTicket{id, condition, exits == impl_->exits.end() ? 0 : exits->second};
}

std::optional<int> Engine::wait(const WaitTicket& ticket, std::stop_token stop) {
  // LAB(02) wait: Block until the container meets the wait condition; return its exit code
  // not-running: no live process; next-exit: an exit after the ticket was
  // taken (ticket.exits_seen); removed: no record (a removed container meets
  // every condition, and its code is kept in removed_exit_codes). nullopt
  // when `stop` is requested (the client hung up).
  std::unique_lock lock(impl_->mutex);
  const std::string& id = ticket.id;
  auto done = [&] {
    if (!impl_->store.find(id)) return true;  // removed answers every condition
    switch (ticket.condition) {
      case WaitCondition::not_running: return impl_->live.count(id) == 0;
      case WaitCondition::next_exit: {
        auto exits = impl_->exits.find(id);
        return exits != impl_->exits.end() && exits->second > ticket.exits_seen;
      }
      case WaitCondition::removed: return impl_->store.find(id) == nullptr;
    }
    return true;
  };
  if (!impl_->changed.wait(lock, stop, done)) return std::nullopt;
  if (const Container* container = impl_->store.find(id)) return container->state.exit_code;
  auto removed = impl_->removed_exit_codes.find(id);
  return removed == impl_->removed_exit_codes.end() ? 0 : removed->second;
  // LAB-END
}

Result<Container> Engine::inspect(const std::string& reference) const {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  return *impl_->store.find(id);
}

Result<Container> Engine::update(const std::string& reference,
                                 const std::function<Status(Container& container)>& edit) {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  Container container = *impl_->store.find(id);
  GORAE_TRY(edit(container));
  container.id = id;  // the one thing an edit may not change
  GORAE_TRY(impl_->store.save(container));
  return container;
}

std::array<int, 4> Engine::counts() const {
  std::unique_lock lock(impl_->mutex);
  std::array<int, 4> counts{0, 0, 0, 0};
  for (const Container* container : impl_->store.all()) {
    ++counts[0];
    if (container->state.status == RunStatus::running) ++counts[1];
    else if (container->state.status == RunStatus::paused) ++counts[2];
    else ++counts[3];
  }
  return counts;
}

const ImageStore& Engine::images() const { return *impl_->images; }

Status Engine::logs(const std::string& reference, const LogQuery& query,
                    const std::function<bool(const LogEntry&)>& emit, std::stop_token stop) {
  std::string id;
  std::string path;
  {
    std::unique_lock lock(impl_->mutex);
    GORAE_ASSIGN_OR_RETURN(id, impl_->resolve(reference));
    path = impl_->store.find(id)->log_path;
  }
  if (!fs::exists(path)) return {};  // never started: no log yet
  auto running = [this, &id] {
    std::unique_lock lock(impl_->mutex);
    return impl_->live.count(id) > 0;
  };
  return read_log(path, query, emit, running, stop);
}

std::optional<int> parse_signal(const std::string& text) {
  static const std::pair<const char*, int> names[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},
      {"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},
      {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
      {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
      {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
      {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
      {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
      {"PWR", SIGPWR},   {"SYS", SIGSYS}};
  std::string name = text;
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  for (const auto& [known, number] : names)
    if (name == known) return number;
  try {
    std::size_t used = 0;
    int number = std::stoi(text, &used);
    if (used == text.size() && number > 0 && number < 65) return number;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace gorae::engine
