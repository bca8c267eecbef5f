#pragma once

#include <sys/types.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"
#include "gorae/runtime/runtime.hpp"

namespace gorae::runtime {

/// A close-on-exec pipe: {read end, write end}.
Result<std::pair<base::UniqueFd, base::UniqueFd>> make_pipe();

/// The host ends of a container's stdio (returned to the engine) and what the
/// child needs to become its 0, 1 and 2.
struct StdioSetup {
  Stdio host;
  std::array<base::UniqueFd, 3> child;  ///< pipes mode: become 0, 1, 2
  std::string tty_path;                 ///< terminal mode: the slave the child opens
};

/// Pipes for stdout and stderr, and for stdin when `open_stdin` (else /dev/null).
Result<StdioSetup> make_pipes(bool open_stdin);
/// A pty on the host's devpts: the daemon keeps the master, the child opens
/// the slave. (Chapter 03 allocates it inside the container's own devpts.)
Result<StdioSetup> make_pty(bool open_stdin);

/// process.args[0] as runc finds it, resolved inside the root filesystem that
/// `root_fd` (O_PATH) points at: a name with a slash is taken as is (relative
/// to cwd); a bare name is searched in the spec's PATH.
/// @return Errc::invalid_argument with Docker's "executable file not found" text.
Result<std::string> find_executable(int root_fd, const ProcessSpec& process);

/// NULL-terminated char* views of `strings` (which must outlive them), for execve.
std::vector<char*> c_strings(const std::vector<std::string>& strings);

/// In the child between fork and execve: makes fds[0..2] its 0, 1 and 2.
/// Async-signal-safe (system calls only). @return false with errno set.
bool install_stdio(std::array<int, 3> fds) noexcept;

/// waitpid, retried on EINTR.
Result<int> wait_status(pid_t pid);

/// kill, reap and resize for runtimes whose container process is a child of
/// the daemon leading its own session (the chroot runtime, chapter 03's).
class ChildProcessRuntime : public Runtime {
 public:
  Status kill(pid_t pid, int signal) override;
  Result<ExitStatus> reap(pid_t pid) override;
  Status resize(int pty_master, unsigned short rows, unsigned short columns) override;
};

}  // namespace gorae::runtime
