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
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "child_plan.hpp"
#include "gorae/runtime/linux_runtime.hpp"
#include "gorae/runtime/linux_spec.hpp"
#include "gorae/runtime/process_support.hpp"
#include "gorae/security/capabilities.hpp"
#include "gorae/security/seccomp.hpp"
#include "mount_options.hpp"
#include "runtime_errors.hpp"

namespace gorae::runtime {
namespace {

using base::UniqueFd;
using detail::ChildPlan;
using detail::Report;

// What the plan points into: it must outlive the clone, and it is the
// parent's only copy of what the child was asked to do (for error messages).
struct PlanStorage {
  LinuxSpec spec;
  std::string rootfs;
  std::string executable;
  std::vector<char*> argv, envp;
  std::vector<MountOptions> mount_options;
  std::vector<detail::PlannedMount> mounts;
  std::vector<const char*> readonly_paths, masked_paths;
  std::vector<detail::PlannedRlimit> rlimits;
  std::vector<UniqueFd> join_fds;
  std::vector<int> join_fd_numbers, join_types;
  std::string oom_score_adj;
  std::optional<security::SeccompProgram> seccomp;
  sock_fprog seccomp_program{};
  StdioSetup stdio;
};

Result<std::uint64_t> capability_mask(const std::vector<std::string>& names, const char* set) {
  std::uint64_t mask = 0;
  for (const std::string& name : names) {
    auto number = security::capability_number(name);
    if (!number)
      return fail(Errc::invalid_argument, std::string("config.json: process.capabilities.") + set +
                                              ": unknown capability \"" + name + "\"");
    mask |= std::uint64_t{1} << *number;
  }
  return mask;
}

Status plan_capabilities(const LinuxSpec& spec, ChildPlan& plan) {
  if (!spec.capabilities) return {};  // as runc: leave the process's sets alone
  const CapabilitySets& caps = *spec.capabilities;
  plan.set_capabilities = true;
  GORAE_ASSIGN_OR_RETURN(plan.bounding, capability_mask(caps.bounding, "bounding"));
  GORAE_ASSIGN_OR_RETURN(plan.effective, capability_mask(caps.effective, "effective"));
  GORAE_ASSIGN_OR_RETURN(plan.permitted, capability_mask(caps.permitted, "permitted"));
  GORAE_ASSIGN_OR_RETURN(plan.inheritable, capability_mask(caps.inheritable, "inheritable"));
  GORAE_ASSIGN_OR_RETURN(plan.ambient, capability_mask(caps.ambient, "ambient"));
  return {};
}

Status plan_mounts(PlanStorage& storage, ChildPlan& plan) {
  const auto& mounts = storage.spec.mounts;
  storage.mount_options.reserve(mounts.size());
  storage.mounts.reserve(mounts.size());
  for (const MountSpec& mount : mounts) {
    MountOptions& options = storage.mount_options.emplace_back(parse_mount_options(mount.type, mount.options));
    detail::PlannedMount planned;
    planned.destination = mount.destination.c_str();
    planned.source = mount.source.empty() ? mount.type.c_str() : mount.source.c_str();
    planned.bind = options.bind;
    planned.fstype = options.bind ? nullptr : mount.type.c_str();
    planned.data = options.data.empty() ? nullptr : options.data.c_str();
    planned.flags = options.flags;
    planned.propagation = options.propagation;
    planned.readonly = options.readonly;
    if (options.bind) {
      std::error_code ec;
      if (!std::filesystem::exists(mount.source, ec))
        return fail(Errc::invalid_argument,
                    "bind source path does not exist: " + mount.source);
      planned.file_target = !std::filesystem::is_directory(mount.source, ec);
    }
    planned.is_dev = mount.destination == "/dev" && mount.type == "tmpfs";
    storage.mounts.push_back(planned);
  }
  plan.mounts = storage.mounts.data();
  plan.mount_count = storage.mounts.size();
  return {};
}

Status plan_namespaces(PlanStorage& storage, ChildPlan& plan, std::uint64_t& clone_flags) {
  const LinuxSpec& spec = storage.spec;
  if (!spec.has_namespace(CLONE_NEWNS))
    return fail(Errc::invalid_argument,
                "config.json: linux.namespaces: a mount namespace is required (pivot_root needs one)");
  // The user namespace first: joining it decides what the others may do.
  std::vector<const NamespaceSpec*> ordered;
  for (const NamespaceSpec& ns : spec.namespaces)
    if (ns.clone_flag == CLONE_NEWUSER) ordered.insert(ordered.begin(), &ns);
    else ordered.push_back(&ns);
  for (const NamespaceSpec* ns : ordered) {
    if (ns->path.empty()) {
      clone_flags |= static_cast<std::uint64_t>(ns->clone_flag);
      continue;
    }
    UniqueFd fd(::open(ns->path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
      return tl::unexpected(Error::from_errno("open " + ns->type + " namespace " + ns->path));
    storage.join_fd_numbers.push_back(fd.get());
    storage.join_types.push_back(ns->clone_flag);
    storage.join_fds.push_back(std::move(fd));
    if (ns->clone_flag == CLONE_NEWPID) plan.fork_after_join = true;
  }
  plan.join_fds = storage.join_fd_numbers.data();
  plan.join_types = storage.join_types.data();
  plan.join_count = storage.join_types.size();
  plan.wait_for_parent = (clone_flags & CLONE_NEWUSER) != 0;
  plan.userns = spec.has_namespace(CLONE_NEWUSER);
  plan.loopback_up = (clone_flags & CLONE_NEWNET) != 0;
  return {};
}

unsigned long root_propagation(const std::string& name) {
  if (name.empty()) return MS_REC | MS_PRIVATE;
  return parse_mount_options("", {name}).propagation;
}

Result<std::unique_ptr<PlanStorage>> make_plan(const std::string& bundle_dir, bool open_stdin,
                                               ChildPlan& plan, std::uint64_t& clone_flags) {
  auto storage = std::make_unique<PlanStorage>();
  GORAE_ASSIGN_OR_RETURN(storage->spec, load_linux_bundle(bundle_dir));
  const LinuxSpec& spec = storage->spec;
  const ProcessSpec& process = spec.base.process;

  std::filesystem::path root = spec.base.root_path;
  if (root.is_relative()) root = std::filesystem::path(bundle_dir) / root;
  std::error_code ec;
  storage->rootfs = std::filesystem::absolute(root, ec).lexically_normal().string();
  UniqueFd root_fd(::open(storage->rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid())
    return tl::unexpected(Error::from_errno("rootfs " + storage->rootfs).wrap("config.json: root.path"));
  GORAE_ASSIGN_OR_RETURN(storage->executable, find_executable(root_fd.get(), process));

  GORAE_TRY(plan_namespaces(*storage, plan, clone_flags));
  GORAE_TRY(plan_mounts(*storage, plan));
  GORAE_TRY(plan_capabilities(spec, plan));
  if (!spec.seccomp_json.empty()) {
    auto document = nlohmann::json::parse(spec.seccomp_json);
    auto program = security::compile_seccomp(document);
    if (!program) return tl::unexpected(std::move(program).error().wrap("config.json: linux.seccomp"));
    storage->seccomp = std::move(*program);
    storage->seccomp_program = storage->seccomp->fprog();
    plan.seccomp = &storage->seccomp_program;
    plan.seccomp_flags = storage->seccomp->flags;
  }
  for (const std::string& path : spec.readonly_paths) storage->readonly_paths.push_back(path.c_str());
  for (const std::string& path : spec.masked_paths) storage->masked_paths.push_back(path.c_str());
  for (const RlimitSpec& limit : spec.rlimits)
    storage->rlimits.push_back({limit.resource, {limit.soft, limit.hard}});
  if (spec.oom_score_adj) storage->oom_score_adj = std::to_string(*spec.oom_score_adj);
  storage->argv = c_strings(process.args);
  storage->envp = c_strings(process.env);
  if (!process.terminal) {
    GORAE_ASSIGN_OR_RETURN(storage->stdio, make_pipes(open_stdin));
  }

  plan.hostname = spec.base.hostname.empty() ? nullptr : spec.base.hostname.c_str();
  plan.domainname = spec.domainname.empty() ? nullptr : spec.domainname.c_str();
  plan.oom_score_adj = spec.oom_score_adj ? storage->oom_score_adj.c_str() : nullptr;
  plan.rootfs = storage->rootfs.c_str();
  plan.root_propagation = root_propagation(spec.rootfs_propagation);
  plan.kcore_exists = ::access("/proc/kcore", F_OK) == 0;
  plan.terminal = process.terminal;
  plan.console_rows = process.console_height;
  plan.console_columns = process.console_width;
  plan.readonly_paths = storage->readonly_paths.data();
  plan.readonly_count = storage->readonly_paths.size();
  plan.masked_paths = storage->masked_paths.data();
  plan.masked_count = storage->masked_paths.size();
  plan.root_readonly = spec.root_readonly;
  plan.rlimits = storage->rlimits.data();
  plan.rlimit_count = storage->rlimits.size();
  for (int i = 0; i < 3; ++i) plan.stdio[i] = storage->stdio.child[i].get();
  plan.cwd = process.cwd.c_str();
  plan.no_new_privileges = spec.no_new_privileges;
  plan.uid = process.uid;
  plan.gid = process.gid;
  plan.groups = process.additional_gids.data();
  plan.group_count = process.additional_gids.size();
  plan.executable = storage->executable.c_str();
  plan.argv = storage->argv.data();
  plan.envp = storage->envp.data();
  return storage;
}

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
  Result<Started> start(const std::string& /*id*/, const std::string& bundle_dir,
                        bool open_stdin) override {
    ChildPlan plan;
    std::uint64_t clone_flags = 0;
    GORAE_ASSIGN_OR_RETURN(auto storage, make_plan(bundle_dir, open_stdin, plan, clone_flags));
    const LinuxSpec& spec = storage->spec;

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
    for (UniqueFd& fd : storage->stdio.child) fd.reset();

    if (plan.wait_for_parent) {
      Status mapped = write_id_map(pid, "uid_map", spec.uid_mappings);
      if (mapped) mapped = write_id_map(pid, "gid_map", spec.gid_mappings);
      if (mapped && ::send(ours.get(), "g", 1, MSG_NOSIGNAL) != 1)
        mapped = tl::unexpected(Error::from_errno("wake the container"));
      if (!mapped) {
        kill_and_reap(pid);
        return tl::unexpected(std::move(mapped).error());
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
        failure = child_error(message.report, spec, storage->executable);
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
      started.stdio = std::move(storage->stdio.host);
    }
    return started;
  }
};

}  // namespace

std::unique_ptr<Runtime> make_linux_runtime() { return std::make_unique<LinuxRuntime>(); }

}  // namespace gorae::runtime
