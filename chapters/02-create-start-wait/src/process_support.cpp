// What every runtime whose container is a child of the daemon needs around
// the child itself: stdio pipes or a pty, the PATH lookup of args[0], and
// kill/reap/resize. The chroot runtime (this chapter) and the Linux runtime
// (chapter 03) share them; only what happens between fork and execve differs.

#include "gorae/runtime/process_support.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <system_error>

namespace gorae::runtime {
namespace {

using base::UniqueFd;

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Stats `path` as the container will see it: resolved inside the rootfs, so an
// absolute symlink such as /bin/sh -> /bin/busybox cannot lead to the host.
int stat_in_root(int root_fd, const std::string& path, struct stat& st) {
  struct open_how how {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how)));
  if (!fd.valid()) return errno;
  return ::fstat(fd.get(), &st) < 0 ? errno : 0;
}

// Go's exec.LookPath rule, which runc applies: not a directory, some x bit.
int check_executable(int root_fd, const std::string& path) {
  struct stat st {};
  if (int rc = stat_in_root(root_fd, path, st); rc != 0) return rc;
  return (!S_ISDIR(st.st_mode) && (st.st_mode & 0111)) ? 0 : EACCES;
}

}  // namespace

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return tl::unexpected(Error::from_errno("pipe2"));
  return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<StdioSetup> make_pipes(bool open_stdin) {
  StdioSetup out;
  if (open_stdin) {
    GORAE_ASSIGN_OR_RETURN(auto in, make_pipe());
    out.child[0] = std::move(in.first);
    out.host.stdin_fd = std::move(in.second);
  } else {
    out.child[0] = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!out.child[0].valid()) return tl::unexpected(Error::from_errno("open /dev/null"));
  }
  GORAE_ASSIGN_OR_RETURN(auto stdout_pipe, make_pipe());
  out.host.stdout_fd = std::move(stdout_pipe.first);
  out.child[1] = std::move(stdout_pipe.second);
  GORAE_ASSIGN_OR_RETURN(auto stderr_pipe, make_pipe());
  out.host.stderr_fd = std::move(stderr_pipe.first);
  out.child[2] = std::move(stderr_pipe.second);
  return out;
}

// A pty: the daemon keeps the master, the child opens the slave as 0, 1 and 2
// (also without open_stdin, as with `docker run -t`: stdin is the terminal,
// there is just no one typing).
Result<StdioSetup> make_pty(bool open_stdin) {
  StdioSetup out;
  out.host.terminal = true;
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master.valid()) return tl::unexpected(Error::from_errno("open /dev/ptmx"));
  if (::grantpt(master.get()) < 0) return tl::unexpected(Error::from_errno("grantpt"));
  if (::unlockpt(master.get()) < 0) return tl::unexpected(Error::from_errno("unlockpt"));
  std::array<char, 128> name{};
  if (int rc = ::ptsname_r(master.get(), name.data(), name.size()); rc != 0)
    return tl::unexpected(Error::from_errno(rc, "ptsname"));
  out.tty_path = name.data();
  if (open_stdin) {
    out.host.stdin_fd = UniqueFd(::fcntl(master.get(), F_DUPFD_CLOEXEC, 3));
    if (!out.host.stdin_fd.valid()) return tl::unexpected(Error::from_errno("dup pty master"));
  }
  out.host.stdout_fd = std::move(master);
  return out;
}

// args[0] as runc finds it: a name with a slash is taken as is (relative to
// cwd); a bare name is searched in the spec's PATH (the first PATH= entry).
Result<std::string> find_executable(int root_fd, const ProcessSpec& process) {
  const std::string& name = process.args[0];
  if (name.find('/') != std::string::npos) {
    std::string in_root = name.front() == '/' ? name : process.cwd + "/" + name;
    if (int rc = check_executable(root_fd, in_root); rc != 0)
      return tl::unexpected(Error(Errc::invalid_argument, "exec: \"" + name + "\": stat " + name,
                                  std::error_code(rc, std::generic_category())));
    return name;
  }
  std::string path = kDefaultPath;
  for (const std::string& entry : process.env)
    if (entry.rfind("PATH=", 0) == 0) {
      path = entry.substr(5);
      break;
    }
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty() || dir.front() != '/') continue;  // "." entries: Go refuses them too
    std::string candidate = dir + "/" + name;
    if (check_executable(root_fd, candidate) == 0) return candidate;
  }
  // Docker's words; the CLI turns this into exit code 127.
  return fail(Errc::invalid_argument,
              "exec: \"" + name + "\": executable file not found in $PATH");
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

bool install_stdio(std::array<int, 3> fds) noexcept {
  // Move sources out of 0..2 first, so one dup2 cannot overwrite another's source.
  for (int& fd : fds) {
    if (fd < 3) fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) return false;
  }
  for (int i = 0; i < 3; ++i)  // dup2 clears O_CLOEXEC on the copy
    if (::dup2(fds[i], i) < 0) return false;
  return true;
}

Result<int> wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return tl::unexpected(Error::from_errno("waitpid " + std::to_string(pid)));
  return status;
}

Status ChildProcessRuntime::kill(pid_t pid, int signal) {
  // kill(-1) would signal every process we may; kill(0) our own group.
  if (pid <= 1) return fail(Errc::invalid_argument, "kill: refusing pid " + std::to_string(pid));
  // The container leads its own process group (setsid in the child); without
  // a pid namespace, that group is how its background children go too.
  if (::kill(-pid, signal) == 0) return {};
  if (errno != ESRCH)
    return tl::unexpected(Error::from_errno("kill process group " + std::to_string(pid)));
  // The group is gone, or the process moved to another one (its own setsid).
  if (::kill(pid, signal) == 0) return {};
  return tl::unexpected(Error::from_errno("kill " + std::to_string(pid)));
}

Result<ExitStatus> ChildProcessRuntime::reap(pid_t pid) {
  GORAE_ASSIGN_OR_RETURN(int status, wait_status(pid));
  // LAB(02) exit-status: Turn a wait status into the container's exit code
  // An exit gives its code; death by a signal 128 + the signal's number, as
  // sh reports it, and Docker after it.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  if (WIFSIGNALED(status)) return ExitStatus{128 + WTERMSIG(status), true};
  return ExitStatus{WEXITSTATUS(status), false};
  // LAB-END
}

Status ChildProcessRuntime::resize(int pty_master, unsigned short rows,
                                 unsigned short columns) {
  struct winsize size {};
  size.ws_row = rows;
  size.ws_col = columns;
  if (::ioctl(pty_master, TIOCSWINSZ, &size) < 0)
    return tl::unexpected(Error::from_errno("resize pty"));
  return {};
}

}  // namespace gorae::runtime
