#pragma once
// The contract between the Linux runtime's parent (linux_runtime.cpp) and
// its child (container_init.cpp). The daemon is multithreaded, so between
// clone and execve the child may only make async-signal-safe calls: the
// parent turns the spec into this plan of plain pointers and numbers, and
// the child only makes syscalls.

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace gorae::runtime::detail {

/// The child's steps, in the order it takes them. A failing step is reported
/// to the parent as {step, index, errno}; the values are the protocol.
enum class Step : std::int32_t {
  signals = 1, wait_parent, join_namespace, fork_into_pid_namespace, userns_root, setsid, loopback,
  hostname, domainname, oom_score_adj, root_propagation, bind_rootfs, open_rootfs,
  make_target, open_target, mount, mount_propagation, remount_readonly, devices,
  dev_symlinks, console, send_console, pivot_root, detach_old_root, readonly_path,
  masked_path, root_readonly, rlimit, set_ctty, stdio, chdir_cwd, no_new_privileges,
  seccomp, drop_bounding, keep_capabilities, setgroups, setgid, setuid, capset,
  ambient, exec,
};

/// One message on the sync socket, child → parent.
struct Report {
  enum Kind : std::int32_t { failed = 1, pid = 2, console = 3 };
  std::int32_t kind = failed;
  std::int32_t step = 0;
  std::int32_t index = 0;  ///< which mount, path, namespace or rlimit
  std::int32_t error = 0;  ///< errno
  std::int64_t value = 0;  ///< pid: the container's pid after a pid-namespace fork
};

struct PlannedMount {
  const char* destination = nullptr;  ///< inside the rootfs
  const char* source = nullptr;
  const char* fstype = nullptr;  ///< nullptr for a bind mount
  const char* data = nullptr;
  unsigned long flags = 0;
  unsigned long propagation = 0;
  bool bind = false;
  bool readonly = false;     ///< a bind remounted read-only
  bool file_target = false;  ///< the source is not a directory: create a file
  bool is_dev = false;       ///< the tmpfs at /dev: create the device nodes in it
};

struct PlannedRlimit {
  int resource = 0;
  rlimit limit{};
};

struct ChildPlan {
  int sync_fd = -1;
  bool wait_for_parent = false;  ///< a new user namespace: wait for its id maps

  const int* join_fds = nullptr;  ///< namespaces to join (setns), user first
  const int* join_types = nullptr;
  std::size_t join_count = 0;
  bool fork_after_join = false;  ///< joined a pid namespace: only children enter it

  bool loopback_up = false;  ///< a new network namespace
  const char* hostname = nullptr;
  const char* domainname = nullptr;
  const char* oom_score_adj = nullptr;  ///< decimal text

  const char* rootfs = nullptr;  ///< host path
  unsigned long root_propagation = 0;
  const PlannedMount* mounts = nullptr;
  std::size_t mount_count = 0;
  bool terminal = false;  ///< allocate the pty in the container's devpts
  unsigned short console_rows = 0, console_columns = 0;  ///< its size from the start
  bool userns = false;    ///< mknod is refused: bind the host's devices instead
  bool kcore_exists = false;  ///< /dev/core links to /proc/kcore only where it exists (runc)

  const char* const* readonly_paths = nullptr;
  std::size_t readonly_count = 0;
  const char* const* masked_paths = nullptr;
  std::size_t masked_count = 0;
  bool root_readonly = false;

  const PlannedRlimit* rlimits = nullptr;
  std::size_t rlimit_count = 0;
  std::array<int, 3> stdio{-1, -1, -1};  ///< pipes mode: become 0, 1, 2
  const char* cwd = nullptr;

  bool no_new_privileges = false;
  const sock_fprog* seccomp = nullptr;
  unsigned int seccomp_flags = 0;  ///< SECCOMP_FILTER_FLAG_*
  bool set_capabilities = false;
  std::uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t* groups = nullptr;
  std::size_t group_count = 0;

  const char* executable = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
};

/// The child after clone: sets the container up as the plan says and
/// execs, or reports the failing step and exits 127.
[[noreturn]] void container_init(const ChildPlan& plan) noexcept;

}  // namespace gorae::runtime::detail
