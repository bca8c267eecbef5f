#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"

namespace gorae::runtime {

/// What to run, read from the bundle's OCI config.json (the subset chapter 02
/// uses: process.args/env/cwd/user/terminal, root.path, hostname).
struct ProcessSpec {
  std::vector<std::string> args;  ///< args[0] is resolved through PATH in env
  std::vector<std::string> env;   ///< "KEY=value"
  std::string cwd = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  bool terminal = false;  ///< a pty instead of pipes
  /// The pty's size from the start (process.consoleSize): a program that asks
  /// at once must not see 0x0 before the client's first resize arrives.
  unsigned short console_height = 0;
  unsigned short console_width = 0;
};

struct BundleSpec {
  std::string root_path;  ///< absolute, or relative to the bundle directory
  std::string hostname;
  ProcessSpec process;
};

/// Reads bundle/config.json. @return Errc::invalid_argument naming the field.
Result<BundleSpec> load_bundle(const std::string& bundle_dir);
/// Writes a minimal OCI runtime spec (ociVersion 1.0.2) for `spec`.
Status write_bundle(const std::string& bundle_dir, const BundleSpec& spec);

/// The whole config.json, for the chapters that add to it (DESIGN §2): the
/// document for `spec` as write_bundle would write it.
nlohmann::json bundle_document(const BundleSpec& spec);
/// This chapter's part of a document (root, hostname, process).
/// @return Errc::invalid_argument naming the field.
Result<BundleSpec> parse_bundle_document(const nlohmann::json& config);
/// Reads bundle/config.json as a document.
Result<nlohmann::json> load_bundle_document(const std::string& bundle_dir);
/// Writes a document, after checking that this chapter's part reads back.
Status write_bundle_document(const std::string& bundle_dir, const nlohmann::json& config);

/// The host side of a started container's stdio.
struct Stdio {
  base::UniqueFd stdin_fd;   ///< write end; invalid if stdin is not open
  base::UniqueFd stdout_fd;  ///< read end (the pty master when terminal)
  base::UniqueFd stderr_fd;  ///< read end; invalid when terminal
  bool terminal = false;
};

/// A process started by a Runtime.
struct Started {
  pid_t pid = -1;
  base::UniqueFd pidfd;  ///< pidfd_open(pid): readable once the process exits
  Stdio stdio;
};

/// How a process ended, as Docker reports it: the exit code, or 128+signal.
struct ExitStatus {
  int code = 0;
  bool signaled = false;
  bool oom_killed = false;  ///< the kernel's OOM killer ended it (chapter 04 can tell)
};

/// The OCI runtime operations the engine needs (DESIGN §4). Chapter 02 runs
/// them in-process; chapter 08 puts the same calls behind a shim.
class Runtime {
 public:
  virtual ~Runtime() = default;
  /// Starts the bundle's process. `open_stdin` keeps a stdin pipe (or the
  /// pty's input) for the caller; otherwise stdin is /dev/null.
  virtual Result<Started> start(const std::string& id, const std::string& bundle_dir,
                                bool open_stdin) = 0;
  /// Sends `signal` to the container's process (and, in chapter 02, its
  /// process group: there is no pid namespace yet to take the rest down).
  virtual Status kill(pid_t pid, int signal) = 0;
  /// Reaps the process after its pidfd became readable.
  virtual Result<ExitStatus> reap(pid_t pid) = 0;
  /// Sets the pty size of a terminal container.
  virtual Status resize(int pty_master, unsigned short rows, unsigned short columns) = 0;
};

/// fork, chroot into root.path, user, cwd, environment, execve.
std::unique_ptr<Runtime> make_chroot_runtime();

}  // namespace gorae::runtime
