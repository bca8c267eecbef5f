// Running containers: starting the process, copying its output to the log
// and to attached clients, feeding attached input to it, recording its exit.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "engine_internal.hpp"
#include "gorae/base/log.hpp"

namespace gorae::engine {
namespace {

// What an attach that has not got its connection yet may hold.
constexpr std::size_t kBacklogLimit = 1 << 20;

void set_nonblocking(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool write_to_pipe(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd out{fd, POLLOUT, 0};
      ::poll(&out, 1, 1000);
      continue;
    }
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Output goes to the log first, then to every attached client that wants
// that stream. A client that cannot keep up for 10 s is dropped.
void publish(Live& process, StreamKind stream, std::string_view bytes) {
  if (process.log) process.log->write(stream, bytes);
  std::lock_guard lock(process.mutex);
  for (auto& subscriber : process.subscribers) {
    if (subscriber->closed) continue;
    bool wanted = stream == StreamKind::stdout_stream ? subscriber->options.stdout_wanted
                                                      : subscriber->options.stderr_wanted;
    if (!wanted) continue;
    std::string framed = subscriber->raw ? std::string(bytes) : frame(stream, bytes);
    std::lock_guard hold(subscriber->mutex);
    if (!subscriber->connection.valid()) {
      if (subscriber->backlog.size() < kBacklogLimit) subscriber->backlog += framed;
      continue;
    }
    if (!write_all(subscriber->connection.get(), framed)) subscriber->closed = true;
  }
}

// Reads what is there; false once the stream has ended.
bool drain(Live& process, int fd, StreamKind stream) {
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      publish(process, stream, std::string_view(buffer, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;  // EOF, or EIO from a pty whose last writer is gone
  }
}

}  // namespace

Status Engine::Impl::start_locked(std::unique_lock<std::mutex>& lock, const std::string& id) {
  Container container = *store.find(id);
  std::string rootfs = store.container_dir(id) + "/rootfs";
  std::error_code ec;  // the exec root is a tmpfs: a reboot empties it
  std::filesystem::create_directories(container.bundle_dir, ec);
  // Written again at each start, as dockerd does: the exec root may have
  // been emptied by a reboot.
  Status ready = images->mount_rootfs(container.image_id, rootfs);
  if (ready) ready = write_spec(container, rootfs);
  auto started = ready ? runtime->start(id, container.bundle_dir, container.config.open_stdin)
                       : Result<runtime::Started>(tl::unexpected(ready.error()));
  if (!started) {
    // As dockerd: the container stays "created", with the error and the
    // exit code the CLI will report, and /wait?condition=next-exit returns.
    container.state.error = started.error().what();
    container.state.exit_code = start_failure_exit_code(container.state.error);
    GORAE_TRY(store.save(container));
    ++exits[id];
    // `docker run --rm` waits for condition=removed: a container that could
    // not start is removed too, as dockerd does.
    if (container.auto_remove) {
      if (auto removed = remove_locked(lock, id, true); !removed)
        GORAE_LOG_ERROR("auto-remove %s: %s", id.c_str(), removed.error().what().c_str());
    }
    changed.notify_all();
    return fail(Errc::invalid_argument, started.error().what());
  }
  auto process = std::make_shared<Live>();
  process->pid = started->pid;
  process->pidfd = std::move(started->pidfd);
  process->stdio = std::move(started->stdio);
  auto log = LogWriter::open(container.log_path);
  if (log) process->log.emplace(std::move(*log));
  else GORAE_LOG_WARN("container %s: no log: %s", id.c_str(), log.error().what().c_str());

  container.state = State{};
  container.state.status = RunStatus::running;
  container.state.pid = process->pid;
  container.state.started_at = Clock::now();
  GORAE_TRY(store.save(container));
  std::uint64_t run = ++runs[id];
  for (auto& subscriber : waiting_subscribers[id]) {
    subscriber->run = run;
    process->subscribers.push_back(subscriber);
  }
  waiting_subscribers.erase(id);
  live[id] = process;
  ++supervisors;
  std::thread([this, id, process] { supervise(id, process); }).detach();
  changed.notify_all();
  return {};
}

void Engine::Impl::supervise(const std::string& id, std::shared_ptr<Live> process) {
  int out = process->stdio.stdout_fd.get();
  int err = process->stdio.stderr_fd.get();
  set_nonblocking(out);
  set_nonblocking(err);
  while (true) {
    pollfd fds[3] = {{out, POLLIN, 0}, {err, POLLIN, 0}, {process->pidfd.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0 && errno != EINTR) break;
    if (out >= 0 && fds[0].revents && !drain(*process, out, StreamKind::stdout_stream)) out = -1;
    if (err >= 0 && fds[1].revents && !drain(*process, err, StreamKind::stderr_stream)) err = -1;
    if (fds[2].revents) break;  // the process has exited
  }
  // What the process wrote just before it exited is still in the pipes.
  if (out >= 0) drain(*process, out, StreamKind::stdout_stream);
  if (err >= 0) drain(*process, err, StreamKind::stderr_stream);
  auto status = runtime->reap(process->pid);
  finish(id, process, status ? *status : runtime::ExitStatus{255, false});
}

void Engine::Impl::finish(const std::string& id, const std::shared_ptr<Live>& process,
                          runtime::ExitStatus status) {
  if (process->log) process->log->flush();
  // Whatever the process left behind in its group goes with it (no pid
  // namespace yet: chapter 03).
  runtime->kill(process->pid, SIGKILL);
  {
    std::lock_guard attached(process->mutex);
    for (auto& subscriber : process->subscribers) {
      subscriber->closed = true;
      std::lock_guard hold(subscriber->mutex);
      if (subscriber->connection.valid()) ::shutdown(subscriber->connection.get(), SHUT_RDWR);
    }
    process->stdio.stdin_fd.reset();
  }
  std::unique_lock lock(mutex);
  live.erase(id);
  if (Container* record = store.find(id)) {
    Container container = *record;
    container.state.status = RunStatus::exited;
    container.state.exit_code = status.code;
    container.state.oom_killed = status.oom_killed;
    container.state.pid = 0;
    container.state.finished_at = Clock::now();
    if (auto saved = store.save(container); !saved)
      GORAE_LOG_ERROR("container %s: %s", id.c_str(), saved.error().what().c_str());
    ++exits[id];
    if (container.auto_remove && !closing) {
      if (auto removed = remove_locked(lock, id, true); !removed)
        GORAE_LOG_ERROR("auto-remove %s: %s", id.c_str(), removed.error().what().c_str());
    }
  }
  --supervisors;
  changed.notify_all();
}

Result<std::shared_ptr<Subscriber>> Engine::begin_attach(const std::string& reference,
                                                         const AttachOptions& options) {
  std::unique_lock lock(impl_->mutex);
  GORAE_ASSIGN_OR_RETURN(auto id, impl_->resolve(reference));
  const Container* container = impl_->store.find(id);
  auto subscriber = std::make_shared<Subscriber>();
  subscriber->id = id;
  subscriber->options = options;
  subscriber->raw = container->config.tty;
  subscriber->stdin_once = container->config.stdin_once;
  if (auto running = impl_->live.find(id); running != impl_->live.end()) {
    subscriber->run = impl_->runs[id];
    std::lock_guard attached(running->second->mutex);
    running->second->subscribers.push_back(subscriber);
  } else {
    // Created or exited: the attach waits for the next run (docker start -a).
    impl_->waiting_subscribers[id].push_back(subscriber);
  }
  return subscriber;
}

void Engine::attach(const std::shared_ptr<Subscriber>& subscriber, base::UniqueFd connection,
                    std::string early_input) {
  {
    std::unique_lock lock(impl_->mutex);
    if (impl_->closing) return;
    ++impl_->attaches;  // the engine's destructor waits for this thread
  }
  const std::string& id = subscriber->id;
  const AttachOptions& options = subscriber->options;
  bool stdin_once = subscriber->stdin_once;
  int fd = connection.get();
  timeval send_timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  {
    std::lock_guard hold(subscriber->mutex);
    subscriber->connection = std::move(connection);
    if (!write_all(fd, subscriber->backlog)) subscriber->closed = true;
    subscriber->backlog.clear();
  }
  std::shared_ptr<Live> process;
  {
    std::unique_lock lock(impl_->mutex);
    if (auto running = impl_->live.find(id); running != impl_->live.end() && subscriber->run != 0)
      process = running->second;
  }
  // Input: what the client types goes to the container's stdin once it runs.
  // The docker CLI half-closes its side when it has no stdin, and output
  // must keep flowing after that; only a full hang-up ends the attach.
  std::string pending = std::move(early_input);
  bool input_open = options.stdin_wanted;
  while (!subscriber->closed) {
    pollfd watch{fd, static_cast<short>(input_open ? POLLIN : 0), 0};
    int ready = ::poll(&watch, 1, 200);
    if (ready < 0 && errno != EINTR) break;
    if (watch.revents & (POLLHUP | POLLERR)) break;
    if (input_open && (watch.revents & POLLIN)) {
      char buffer[4096];
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) pending.append(buffer, static_cast<std::size_t>(n));
      else input_open = false;
    }
    if (!process) {
      std::unique_lock lock(impl_->mutex);
      if (subscriber->run == 0) continue;
      if (auto running = impl_->live.find(id); running != impl_->live.end())
        process = running->second;
      else
        break;  // it started and ended between two polls
    }
    std::lock_guard attached(process->mutex);
    int stdin_fd = process->stdio.stdin_fd.get();
    if (stdin_fd < 0) stdin_fd = process->stdio.terminal ? process->stdio.stdout_fd.get() : -1;
    if (!pending.empty() && stdin_fd >= 0) write_to_pipe(stdin_fd, pending);
    pending.clear();
    if (!input_open && options.stdin_wanted && stdin_once && !process->stdio.terminal)
      process->stdio.stdin_fd.reset();  // stdin closed: `echo hi | docker run -i` ends
  }
  subscriber->closed = true;
  std::unique_lock lock(impl_->mutex);
  if (auto waiting = impl_->waiting_subscribers.find(id);
      waiting != impl_->waiting_subscribers.end()) {
    auto& list = waiting->second;
    list.erase(std::remove(list.begin(), list.end(), subscriber), list.end());
    if (list.empty()) impl_->waiting_subscribers.erase(waiting);
  }
  --impl_->attaches;
  impl_->changed.notify_all();
}

}  // namespace gorae::engine
