// The Linux runtime: runs an OCI bundle in new namespaces, as runc does.
// The parent reads config.json, turns it into a ChildPlan (everything that
// allocates happens here), clones the child straight into its namespaces
// and then listens on a socketpair: for the pty master, for the pid after a
// pid-namespace fork, and for a {step, errno} report if a step failed. EOF
// on the socket (it is close-on-exec) means execve succeeded.

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "child_plan.hpp"
#include "gorae/runtime/linux_runtime.hpp"
#include "gorae/runtime/linux_spec.hpp"
#include "linux_plan.hpp"
#include "gorae/runtime/process_support.hpp"
#include "runtime_errors.hpp"

namespace gorae::runtime {
namespace {

using base::UniqueFd;
using detail::ChildPlan;
using detail::Report;

Status write_id_map(pid_t pid, const char* file, const std::vector<IdMapping>& mappings) {
  std::string text;
  for (const IdMapping& m : mappings)
    text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
            std::to_string(m.size) + "\n";
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  // One write: the kernel takes a map in a single write(2) only.
  if (!fd.valid() || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return tl::unexpected(Error::from_errno("write " + path));
  return {};
}

// One report, and the descriptor that came with it (the pty master).
struct Received {
  Report report;
  UniqueFd fd;
};

Result<std::optional<Received>> receive(int sync_fd) {
  Received out;
  struct iovec data {&out.report, sizeof out.report};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr message {};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(sync_fd, &message, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return tl::unexpected(Error::from_errno("read from the container's sync socket"));
  if (n == 0) return std::optional<Received>();
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header))
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
      out.fd = UniqueFd(fd);
    }
  if (n != sizeof out.report)
    return fail(Errc::internal, "container sync socket: short message of " + std::to_string(n) + " bytes");
  return std::optional<Received>(std::move(out));
}

void kill_and_reap(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  (void)wait_status(pid);
}

class LinuxRuntime final : public ChildProcessRuntime {
 public:
  LinuxRuntime(std::vector<std::shared_ptr<ProcessHook>> hooks, LinuxRuntimeOptions options)
      : hooks_(std::move(hooks)), options_(std::move(options)) {}

  Result<Started> start(const std::string& id, const std::string& bundle_dir,
                        bool open_stdin) override {
    GORAE_ASSIGN_OR_RETURN(nlohmann::json config, load_bundle_document(bundle_dir));
    ChildPlan plan;
    std::uint64_t clone_flags = 0;
    auto storage = make_plan(bundle_dir, config, open_stdin, options_.seccomp_cache_dir, plan, clone_flags);
    if (!storage) return tl::unexpected(std::move(storage).error().wrap(bundle_dir));
    std::size_t prepared = 0;
    for (; prepared < hooks_.size(); ++prepared) {
      if (auto ready = hooks_[prepared]->prepare(id, config); !ready) {
        release(id, prepared, nullptr);
        return tl::unexpected(std::move(ready).error());
      }
    }
    // The hooks' work must be done before the child runs anything.
    plan.wait_for_parent = plan.wait_for_parent || !hooks_.empty();
    auto started = run(id, **storage, plan, clone_flags, open_stdin);
    if (!started) {
      release(id, hooks_.size(), nullptr);
      return started;
    }
    std::lock_guard lock(mutex_);
    ids_[started->pid] = id;
    return started;
  }

  Result<ExitStatus> reap(pid_t pid) override {
    auto status = ChildProcessRuntime::reap(pid);
    std::string id;
    {
      std::lock_guard lock(mutex_);
      auto found = ids_.find(pid);
      if (found == ids_.end()) return status;
      id = found->second;
      ids_.erase(found);
    }
    release(id, hooks_.size(), status ? &*status : nullptr);
    return status;
  }

 private:
  void release(const std::string& id, std::size_t count, ExitStatus* status) {
    for (std::size_t i = count; i-- > 0;) hooks_[i]->release(id, status);
  }

  // After clone, while the child waits: the user namespace's id maps, then
  // the hooks; then the child may go on.
  Status let_child_go(const std::string& id, pid_t pid, const LinuxSpec& spec, int sync_fd) {
    if (plan_userns(spec)) {
      GORAE_TRY(write_id_map(pid, "uid_map", spec.uid_mappings));
      GORAE_TRY(write_id_map(pid, "gid_map", spec.gid_mappings));
    }
    for (const auto& hook : hooks_) GORAE_TRY(hook->attach(id, pid));
    if (::send(sync_fd, "g", 1, MSG_NOSIGNAL) != 1)
      return tl::unexpected(Error::from_errno("wake the container"));
    return {};
  }

  static bool plan_userns(const LinuxSpec& spec) {
    for (const NamespaceSpec& ns : spec.namespaces)
      if (ns.clone_flag == CLONE_NEWUSER && ns.path.empty()) return true;
    return false;
  }

  Result<Started> run(const std::string& id, PlanStorage& storage, ChildPlan& plan,
                      std::uint64_t clone_flags, bool open_stdin) {
    const LinuxSpec& spec = storage.spec;
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0)
      return tl::unexpected(Error::from_errno("socketpair"));
    UniqueFd ours(sockets[0]), theirs(sockets[1]);
    plan.sync_fd = theirs.get();

    int pidfd = -1;
    struct clone_args args {};
    args.flags = clone_flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    // With every signal blocked across clone, no daemon handler can run in
    // the child before container_init() resets them.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
    if (pid == 0) detail::container_init(plan);
    int clone_errno = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) return tl::unexpected(Error::from_errno(clone_errno, "clone3").wrap("create namespaces"));
    UniqueFd process_fd(pidfd);

    // Our copies of the child's ends: EOF must mean exec, and EOF on stdout
    // must mean the container closed it.
    theirs.reset();
    for (UniqueFd& fd : storage.stdio.child) fd.reset();

    if (plan.wait_for_parent) {
      if (auto released = let_child_go(id, pid, spec, ours.get()); !released) {
        kill_and_reap(pid);
        return tl::unexpected(std::move(released).error());
      }
    }

    pid_t container = pid;  // changes when the child forks into a joined pid namespace
    UniqueFd master;
    std::optional<Error> failure;
    while (true) {
      auto received = receive(ours.get());
      if (!received) {
        failure = std::move(received).error();
        break;
      }
      if (!*received) break;  // EOF: execve succeeded
      Received& message = **received;
      if (message.report.kind == Report::console) {
        master = std::move(message.fd);
      } else if (message.report.kind == Report::pid) {
        container = static_cast<pid_t>(message.report.value);
      } else {
        failure = child_error(message.report, spec, storage.executable);
        break;
      }
    }
    if (container != pid) (void)wait_status(pid);  // the forking child has left
    if (failure) {
      kill_and_reap(container);
      return tl::unexpected(std::move(*failure));
    }

    Started started;
    started.pid = container;
    started.pidfd = container == pid ? std::move(process_fd)
                                     : UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, container, 0)));
    if (!started.pidfd.valid()) {
      Error error = Error::from_errno("pidfd_open " + std::to_string(container));
      kill_and_reap(container);
      return tl::unexpected(std::move(error));
    }
    if (spec.base.process.terminal) {
      if (!master.valid()) {
        kill_and_reap(container);
        return fail(Errc::internal, "the container sent no console");
      }
      started.stdio.terminal = true;
      if (open_stdin) started.stdio.stdin_fd = UniqueFd(::fcntl(master.get(), F_DUPFD_CLOEXEC, 3));
      started.stdio.stdout_fd = std::move(master);
    } else {
      started.stdio = std::move(storage.stdio.host);
    }
    return started;
  }

  std::vector<std::shared_ptr<ProcessHook>> hooks_;
  LinuxRuntimeOptions options_;
  std::mutex mutex_;                   // guards ids_
  std::map<pid_t, std::string> ids_;   // running container processes, for reap
};

}  // namespace

std::unique_ptr<Runtime> make_linux_runtime(std::vector<std::shared_ptr<ProcessHook>> hooks,
                                            LinuxRuntimeOptions options) {
  return std::make_unique<LinuxRuntime>(std::move(hooks), std::move(options));
}

}  // namespace gorae::runtime
