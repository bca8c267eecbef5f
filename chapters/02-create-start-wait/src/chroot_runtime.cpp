// The chapter 02 runtime: fork, chroot into root.path, become the user, exec.
//
// The daemon is multithreaded, so after fork the child may only make
// async-signal-safe calls (signal-safety(7)): another thread may have held the
// malloc lock at the moment of fork. Everything that allocates (paths, argv,
// envp, the PATH lookup, the pty name) is therefore computed before fork into
// a ChildPlan of plain pointers and ints, and the child only makes syscalls.
// A failing child reports {step, errno} through a close-on-exec pipe and exits
// 127; EOF on that pipe means execve succeeded (the runc/crun pattern).

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "gorae/runtime/process_support.hpp"
#include "gorae/runtime/runtime.hpp"

namespace gorae::runtime {
namespace {

using base::UniqueFd;

// Numbered steps of the child (after runc's sync_t), so the parent can say
// which one failed. The values are the protocol: keep them stable.
enum class ChildStep : std::int32_t {
  signals = 1, setsid = 2, open_tty = 3, set_ctty = 4, stdio = 5, chdir_root = 6,
  chroot = 7, chdir_cwd = 8, setgroups = 9, setgid = 10, setuid = 11, exec = 12,
};

// What the child writes to the error pipe before _exit(127).
struct ChildError {
  std::int32_t step;
  std::int32_t error;  // errno
};

// Everything the child reads, prepared in the parent. Only pointers into
// memory that the parent keeps alive across fork, and plain numbers.
struct ChildPlan {
  const char* root = nullptr;        // host path of the rootfs
  const char* cwd = nullptr;         // inside the rootfs
  const char* executable = nullptr;  // resolved path inside the rootfs
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* tty_path = nullptr;    // the pty slave, or nullptr for pipes
  std::array<int, 3> stdio{-1, -1, -1};  // become 0, 1, 2 (pipes mode)
  int error_fd = -1;
  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t* groups = nullptr;
  std::size_t group_count = 0;
};

[[noreturn]] void child_fail(int error_fd, ChildStep step) noexcept {
  ChildError report{static_cast<std::int32_t>(step), errno};
  // One write of 8 bytes to a pipe is atomic; if it fails there is no one to tell.
  [[maybe_unused]] ssize_t n = ::write(error_fd, &report, sizeof report);
  ::_exit(127);
}

// The child, between fork and execve: syscalls only, no allocation, no logging.
[[noreturn]] void run_child(const ChildPlan& plan) noexcept {
  // LAB(02) child: Between fork and exec: own session, stdio, chroot, user, exec
  // Reset signals; setsid; make the pty or the pipes 0, 1 and 2; chdir to
  // the root and chroot("."); chdir to cwd; setgroups, setgid, setuid; execve.
  // Syscalls only (no allocation, no exceptions); on a failure report the
  // step and errno with child_fail().
  // LAB-STUB: gorae::lab::child_not_implemented(plan.stdio[2] >= 0 ? plan.stdio[2] : 2, @TASK@);
  const int err = plan.error_fd;
  // The daemon may ignore SIGPIPE or block signals; both survive execve, and a
  // container with SIGTERM blocked could not be stopped. Start clean.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // EINVAL for some: fine
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) child_fail(err, ChildStep::signals);
  // Descriptors another thread opened without O_CLOEXEC must not reach the
  // container: mark everything above stderr close-on-exec (Linux 5.11+).
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

  // Own session and process group: kill(-pid) reaches everything it starts,
  // and a pty can become its controlling terminal.
  if (::setsid() < 0) child_fail(err, ChildStep::setsid);

  std::array<int, 3> fds = plan.stdio;
  if (plan.tty_path) {
    int tty = ::open(plan.tty_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0) child_fail(err, ChildStep::open_tty);
    if (::ioctl(tty, TIOCSCTTY, 0) < 0) child_fail(err, ChildStep::set_ctty);
    fds = {tty, tty, tty};
  }
  if (!install_stdio(fds)) child_fail(err, ChildStep::stdio);

  // chdir first so "." is the new root and no directory outside stays open.
  if (::chdir(plan.root) < 0) child_fail(err, ChildStep::chdir_root);
  if (::chroot(".") < 0) child_fail(err, ChildStep::chroot);
  // Like runc: try cwd as root first; on EACCES retry as the user, whose
  // volume it may be.
  bool cwd_later = false;
  if (::chdir(plan.cwd) < 0) {
    if (errno != EACCES && errno != EPERM) child_fail(err, ChildStep::chdir_cwd);
    cwd_later = true;
  }

  // Groups before gid before uid: after setuid we may no longer change them.
  if (::setgroups(plan.group_count, plan.groups) < 0) child_fail(err, ChildStep::setgroups);
  if (::setgid(plan.gid) < 0) child_fail(err, ChildStep::setgid);
  if (::setuid(plan.uid) < 0) child_fail(err, ChildStep::setuid);
  if (cwd_later && ::chdir(plan.cwd) < 0) child_fail(err, ChildStep::chdir_cwd);

  ::execve(plan.executable, plan.argv, plan.envp);
  child_fail(err, ChildStep::exec);
  // LAB-END
}

// The parent's words for a failed child step, with the errno it reported.
Error child_error(const ChildError& report, const ChildPlan& plan) {
  std::error_code code(report.error, std::generic_category());
  switch (static_cast<ChildStep>(report.step)) {
    case ChildStep::chdir_cwd:  // runc's message; Docker maps it to 400
      return Error(Errc::invalid_argument,
                   "chdir to cwd (\"" + std::string(plan.cwd) + "\") set in config.json failed",
                   code);
    case ChildStep::exec:  // "exec /bin/app: no such file or directory" in runc
      return Error(Errc::invalid_argument, "exec " + std::string(plan.executable), code);
    case ChildStep::open_tty: return Error(Errc::system, "open " + std::string(plan.tty_path), code);
    case ChildStep::chdir_root: return Error(Errc::system, "chdir " + std::string(plan.root), code);
    case ChildStep::chroot: return Error(Errc::system, "chroot " + std::string(plan.root), code);
    case ChildStep::setgid: return Error(Errc::system, "setgid " + std::to_string(plan.gid), code);
    case ChildStep::setuid: return Error(Errc::system, "setuid " + std::to_string(plan.uid), code);
    case ChildStep::signals: return Error(Errc::system, "reset signals", code);
    case ChildStep::setsid: return Error(Errc::system, "setsid", code);
    case ChildStep::set_ctty: return Error(Errc::system, "set controlling terminal", code);
    case ChildStep::stdio: return Error(Errc::system, "set up stdio", code);
    case ChildStep::setgroups: return Error(Errc::system, "setgroups", code);
  }
  return Error(Errc::internal, "child reported unknown step " + std::to_string(report.step));
}

// Reads the child's report: nullopt on EOF (execve succeeded).
Result<std::optional<ChildError>> read_report(int fd) {
  ChildError report{};
  std::size_t got = 0;
  while (got < sizeof report) {
    ssize_t n = ::read(fd, reinterpret_cast<char*>(&report) + got, sizeof report - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tl::unexpected(Error::from_errno("read child error pipe"));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got == 0) return std::optional<ChildError>();
  if (got != sizeof report)
    return fail(Errc::internal, "child error pipe: short report of " + std::to_string(got) + " bytes");
  return std::optional<ChildError>(report);
}

class ChrootRuntime final : public ChildProcessRuntime {
 public:
  Result<Started> start(const std::string& /*id*/, const std::string& bundle_dir,
                        bool open_stdin) override {
    GORAE_ASSIGN_OR_RETURN(BundleSpec spec, load_bundle(bundle_dir));
    const ProcessSpec& process = spec.process;
    std::filesystem::path root = spec.root_path;
    if (root.is_relative()) root = std::filesystem::path(bundle_dir) / root;
    std::error_code ec;
    root = std::filesystem::absolute(root, ec).lexically_normal();
    const std::string root_str = root.string();

    UniqueFd root_fd(::open(root_str.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd.valid()) return tl::unexpected(Error::from_errno("rootfs " + root_str));
    GORAE_ASSIGN_OR_RETURN(std::string executable, find_executable(root_fd.get(), process));

    std::vector<char*> argv = c_strings(process.args);
    std::vector<char*> envp = c_strings(process.env);
    GORAE_ASSIGN_OR_RETURN(StdioSetup stdio,
                           process.terminal ? make_pty(open_stdin) : make_pipes(open_stdin));
    if (process.terminal && process.console_height && process.console_width)
      GORAE_TRY(resize(stdio.host.stdout_fd.get(), process.console_height, process.console_width));
    GORAE_ASSIGN_OR_RETURN(auto error_pipe, make_pipe());

    ChildPlan plan;
    plan.root = root_str.c_str();
    plan.cwd = process.cwd.c_str();
    plan.executable = executable.c_str();
    plan.argv = argv.data();
    plan.envp = envp.data();
    plan.tty_path = process.terminal ? stdio.tty_path.c_str() : nullptr;
    for (int i = 0; i < 3; ++i) plan.stdio[i] = stdio.child[i].get();
    plan.error_fd = error_pipe.second.get();
    plan.uid = process.uid;
    plan.gid = process.gid;
    plan.groups = process.additional_gids.data();
    plan.group_count = process.additional_gids.size();

    // With every signal blocked across fork, no daemon handler can run in the
    // child before run_child() resets them.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = ::fork();
    if (pid == 0) run_child(plan);
    int fork_errno = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) return tl::unexpected(Error::from_errno(fork_errno, "fork"));

    // Close our copies of the child's ends: EOF on the error pipe must mean
    // exec, and EOF on stdout must mean the container closed it.
    error_pipe.second.reset();
    for (UniqueFd& fd : stdio.child) fd.reset();

    auto report = read_report(error_pipe.first.get());
    if (!report || *report) {
      if (!report) ::kill(pid, SIGKILL);  // state unknown: make sure it is gone
      (void)wait_status(pid);  // it has _exited(127) or is about to; leave no zombie
      return tl::unexpected(report ? child_error(**report, plan) : std::move(report).error());
    }

    Started started;
    started.pid = pid;
    started.pidfd = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!started.pidfd.valid()) {
      Error error = Error::from_errno("pidfd_open " + std::to_string(pid));
      ::kill(pid, SIGKILL);
      (void)wait_status(pid);
      return tl::unexpected(std::move(error));
    }
    started.stdio = std::move(stdio.host);
    return started;
  }
};

}  // namespace

std::unique_ptr<Runtime> make_chroot_runtime() { return std::make_unique<ChrootRuntime>(); }

}  // namespace gorae::runtime
