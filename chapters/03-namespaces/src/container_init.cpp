// The container's first moments, in the child between clone and execve: join
// or use the new namespaces, build the root filesystem (mounts, /dev,
// pivot_root), then drop privileges (capabilities, user, seccomp) and exec.
// The order follows runc's standard_init_linux.go; where it matters, the
// comment says why.
//
// Syscalls only: no allocation, no locks, no logging (see child_plan.hpp).
// Paths inside the root filesystem are opened with openat2(RESOLVE_IN_ROOT)
// and mounted on through /proc/self/fd/N, so a symlink the container left
// in its rootfs (proc -> /etc) cannot steer a mount onto the host.

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "child_plan.hpp"
#include "gorae/runtime/process_support.hpp"

namespace gorae::runtime::detail {
namespace {

using runtime::install_stdio;

// ---- reporting ---------------------------------------------------------------

void send_report(int sync_fd, const Report& report) noexcept {
  // One SOCK_SEQPACKET message: atomic, and there is no one to tell if it fails.
  [[maybe_unused]] ssize_t n = ::send(sync_fd, &report, sizeof report, MSG_NOSIGNAL);
}

[[noreturn]] void fail(const ChildPlan& plan, Step step, std::size_t index = 0) noexcept {
  Report report;
  report.kind = Report::failed;
  report.step = static_cast<std::int32_t>(step);
  report.index = static_cast<std::int32_t>(index);
  report.error = errno;
  send_report(plan.sync_fd, report);
  ::_exit(127);
}

// ---- small helpers without allocation ------------------------------------------

// "/proc/self/fd/<fd>" into `out`, which holds at least 32 bytes.
const char* fd_path(int fd, char* out) noexcept {
  static constexpr char kPrefix[] = "/proc/self/fd/";
  std::memcpy(out, kPrefix, sizeof kPrefix - 1);
  char digits[12];
  int count = 0;
  unsigned value = static_cast<unsigned>(fd);
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char* cursor = out + sizeof kPrefix - 1;
  while (count > 0) *cursor++ = digits[--count];
  *cursor = '\0';
  return out;
}

// glibc's setuid, setgid, setgroups and setres[ug]id change every thread of
// the process: they walk glibc's list of threads and signal each. After a
// raw clone3 that list is the daemon's, copied; a thread that was being
// created at the moment of the clone is waited for forever (the child hung in
// __nptl_setxid). The raw syscalls change the calling thread, which is all
// this process has.
int set_resuid(uid_t uid) noexcept { return static_cast<int>(::syscall(SYS_setresuid, uid, uid, uid)); }
int set_resgid(gid_t gid) noexcept { return static_cast<int>(::syscall(SYS_setresgid, gid, gid, gid)); }
int set_uid(uid_t uid) noexcept { return static_cast<int>(::syscall(SYS_setuid, uid)); }
int set_gid(gid_t gid) noexcept { return static_cast<int>(::syscall(SYS_setgid, gid)); }
int set_groups(std::size_t count, const gid_t* groups) noexcept {
  return static_cast<int>(::syscall(SYS_setgroups, count, groups));
}

int open_in_root(int root_fd, const char* path, int flags) noexcept {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, path, &how, sizeof how));
}

// mkdir -p of `path` inside the root (and an empty file as the last component
// when `file`): each component is created under a directory that was itself
// resolved inside the root. Returns 0 or an errno.
int make_in_root(int root_fd, const char* path, bool file) noexcept {
  char prefix[4096];
  std::size_t length = std::strlen(path);
  if (length >= sizeof prefix) return ENAMETOOLONG;
  int parent = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
  if (parent < 0) return errno;
  std::size_t start = 0;
  while (start < length) {
    while (start < length && path[start] == '/') ++start;
    if (start == length) break;
    std::size_t end = start;
    while (end < length && path[end] != '/') ++end;
    bool last = end == length;
    std::memcpy(prefix, path, end);
    prefix[end] = '\0';
    int next = open_in_root(root_fd, prefix, O_PATH);
    if (next < 0 && errno == ENOENT) {
      char name[256];
      std::size_t name_length = end - start;
      if (name_length >= sizeof name) { ::close(parent); return ENAMETOOLONG; }
      std::memcpy(name, path + start, name_length);
      name[name_length] = '\0';
      int made = 0;
      if (last && file) {
        made = ::openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (made >= 0) ::close(made);
      } else {
        made = ::mkdirat(parent, name, 0755);
      }
      if (made < 0 && errno != EEXIST) { int error = errno; ::close(parent); return error; }
      next = open_in_root(root_fd, prefix, O_PATH);
    }
    if (next < 0) { int error = errno; ::close(parent); return error; }
    ::close(parent);
    parent = next;
    start = end;
  }
  ::close(parent);
  return 0;
}

// The flags a bind remount must keep: in a user namespace the kernel refuses
// to drop nosuid/nodev/noexec that the original mount has (they are locked).
unsigned long kept_flags(const char* path) noexcept {
  struct statfs info {};
  if (::statfs(path, &info) != 0) return 0;
  const unsigned long keep = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                             MS_RELATIME;
  return static_cast<unsigned long>(info.f_flags) & keep;
}

// ---- namespaces ---------------------------------------------------------------

void join_namespaces(const ChildPlan& plan) noexcept {
  for (std::size_t i = 0; i < plan.join_count; ++i)
    if (::setns(plan.join_fds[i], plan.join_types[i]) != 0) fail(plan, Step::join_namespace, i);
  if (!plan.fork_after_join) return;
  // setns(CLONE_NEWPID) moves only our future children into that namespace.
  // The child goes on as the container; CLONE_PARENT makes it the daemon's
  // child (the daemon reaps it) and this one reports its pid and leaves.
  pid_t child = static_cast<pid_t>(::syscall(SYS_clone, CLONE_PARENT, 0, 0, 0, 0));
  if (child < 0) fail(plan, Step::fork_into_pid_namespace);
  if (child > 0) {
    Report report;
    report.kind = Report::pid;
    report.value = child;
    send_report(plan.sync_fd, report);
    ::_exit(0);
  }
}

void bring_loopback_up(const ChildPlan& plan) noexcept {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) fail(plan, Step::loopback);
  struct ifreq request {};
  std::memcpy(request.ifr_name, "lo", 3);
  if (::ioctl(sock, SIOCGIFFLAGS, &request) < 0) fail(plan, Step::loopback);
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(sock, SIOCSIFFLAGS, &request) < 0) fail(plan, Step::loopback);
  ::close(sock);
}

void write_oom_score_adj(const ChildPlan& plan) noexcept {
  int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(plan, Step::oom_score_adj);
  std::size_t length = std::strlen(plan.oom_score_adj);
  if (::write(fd, plan.oom_score_adj, length) != static_cast<ssize_t>(length))
    fail(plan, Step::oom_score_adj);
  ::close(fd);
}

// ---- the root filesystem ---------------------------------------------------------

struct Device {
  const char* name;
  unsigned major, minor;
};
// runc's default devices: what every program may assume exists.
constexpr Device kDevices[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

void make_devices(const ChildPlan& plan, int root_fd, std::size_t index) noexcept {
  int dev = open_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0) fail(plan, Step::devices, index);
  for (const Device& device : kDevices) {
    if (!plan.userns) {
      if (::mknodat(dev, device.name, S_IFCHR | 0666, makedev(device.major, device.minor)) != 0 &&
          errno != EEXIST)
        fail(plan, Step::devices, index);
      continue;
    }
    // A user namespace may not create device nodes: bind the host's.
    int target = ::openat(dev, device.name, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    if (target < 0) fail(plan, Step::devices, index);
    char source[64] = "/dev/";
    std::memcpy(source + 5, device.name, std::strlen(device.name) + 1);
    char target_path[32];
    if (::mount(source, fd_path(target, target_path), nullptr, MS_BIND, nullptr) != 0)
      fail(plan, Step::devices, index);
    ::close(target);
  }
  struct Link {
    const char* target;
    const char* name;
  };
  static constexpr Link kLinks[] = {{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
                                    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                    {"pts/ptmx", "ptmx"},        {"/proc/kcore", "core"}};
  for (const Link& link : kLinks) {
    if (std::strcmp(link.name, "core") == 0 && !plan.kcore_exists) continue;
    if (::symlinkat(link.target, dev, link.name) != 0 && errno != EEXIST)
      fail(plan, Step::dev_symlinks, index);
  }
  ::close(dev);
}

void mount_one(const ChildPlan& plan, int root_fd, std::size_t index) noexcept {
  // LAB(03) mount-one: Mount one planned mount on its target inside the rootfs
  // Create the target (make_in_root), open it with open_in_root(O_PATH) and
  // mount on /proc/self/fd/N (fd_path), never on a path a symlink could
  // steer. A bind takes only MS_BIND|MS_REC; remount it with the other flags
  // (plus kept_flags). Then the propagation, and the devices for /dev's
  // tmpfs. On a failure: fail(plan, Step::..., index).
  // LAB-STUB: gorae::lab::child_not_implemented(plan.stdio[2] >= 0 ? plan.stdio[2] : 2, @TASK@);
  const PlannedMount& m = plan.mounts[index];
  if (int error = make_in_root(root_fd, m.destination, m.file_target); error != 0) {
    errno = error;
    fail(plan, Step::make_target, index);
  }
  int target = open_in_root(root_fd, m.destination, O_PATH);
  if (target < 0) fail(plan, Step::open_target, index);
  char target_path[32];
  fd_path(target, target_path);
  if (m.bind) {
    if (::mount(m.source, target_path, nullptr, m.flags & (MS_BIND | MS_REC), nullptr) != 0)
      fail(plan, Step::mount, index);
  } else if (::mount(m.source, target_path, m.fstype, m.flags, m.data) != 0) {
    fail(plan, Step::mount, index);
  }
  // The fd still names the directory under the new mount: the remount and
  // the propagation are for the new mount, reached by opening the path again.
  ::close(target);
  target = open_in_root(root_fd, m.destination, O_PATH);
  if (target < 0) fail(plan, Step::open_target, index);
  fd_path(target, target_path);
  // A bind ignores every other flag: apply them to the new mount.
  unsigned long rest = m.flags & ~(MS_BIND | MS_REC);
  if (m.bind && rest != 0 &&
      ::mount(nullptr, target_path, nullptr, MS_BIND | MS_REMOUNT | rest | kept_flags(target_path), nullptr) != 0)
    fail(plan, Step::remount_readonly, index);
  if (m.propagation != 0 && ::mount(nullptr, target_path, nullptr, m.propagation, nullptr) != 0)
    fail(plan, Step::mount_propagation, index);
  ::close(target);
  if (m.is_dev) make_devices(plan, root_fd, index);
  // LAB-END
}

// The pty comes from the container's own devpts (runc's console socket does
// the same), so `tty` inside names a /dev/pts entry that exists there. The
// master goes to the daemon; the slave becomes /dev/console and fd 0-2.
int open_console(const ChildPlan& plan, int root_fd) noexcept {
  int master = open_in_root(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
  if (master < 0) fail(plan, Step::console);
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) < 0) fail(plan, Step::console);
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) fail(plan, Step::console);
  // The size before exec: a program that asks at once must not see 0x0.
  if (plan.console_rows && plan.console_columns) {
    struct winsize size {};
    size.ws_row = plan.console_rows;
    size.ws_col = plan.console_columns;
    if (::ioctl(slave, TIOCSWINSZ, &size) < 0) fail(plan, Step::console);
  }
  if (int error = make_in_root(root_fd, "/dev/console", true); error != 0) {
    errno = error;
    fail(plan, Step::console);
  }
  int console = open_in_root(root_fd, "/dev/console", O_PATH);
  if (console < 0) fail(plan, Step::console);
  char source[32], target[32];
  if (::mount(fd_path(slave, source), fd_path(console, target), nullptr, MS_BIND, nullptr) != 0)
    fail(plan, Step::console);
  ::close(console);

  Report report;
  report.kind = Report::console;
  struct iovec data {&report, sizeof report};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr message {};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &master, sizeof master);
  if (::sendmsg(plan.sync_fd, &message, MSG_NOSIGNAL) < 0) fail(plan, Step::send_console);
  ::close(master);
  return slave;
}

int build_rootfs(const ChildPlan& plan) noexcept {
  // Nothing we mount may travel back to the host's mount table.
  if (::mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) != 0)
    fail(plan, Step::root_propagation);
  // pivot_root needs the new root to be a mount point.
  if (::mount(plan.rootfs, plan.rootfs, nullptr, MS_BIND | MS_REC, nullptr) != 0)
    fail(plan, Step::bind_rootfs);
  int root_fd = ::open(plan.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) fail(plan, Step::open_rootfs);
  for (std::size_t i = 0; i < plan.mount_count; ++i) mount_one(plan, root_fd, i);
  int console = plan.terminal ? open_console(plan, root_fd) : -1;
  ::close(root_fd);

  // LAB(03) pivot-root: Make the rootfs the root, and leave no way back to the host's
  // Go into the rootfs; pivot_root(".", ".") (there is no glibc wrapper:
  // syscall(SYS_pivot_root, ...)) stacks the old root on top of the new one;
  // detach it (umount2 with MNT_DETACH) and go to the new "/". Steps
  // pivot_root and detach_old_root.
  // LAB-STUB: gorae::lab::child_not_implemented(plan.stdio[2] >= 0 ? plan.stdio[2] : 2, @TASK@);
  if (::chdir(plan.rootfs) != 0) fail(plan, Step::pivot_root);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) fail(plan, Step::pivot_root);
  if (::umount2(".", MNT_DETACH) != 0) fail(plan, Step::detach_old_root);
  if (::chdir("/") != 0) fail(plan, Step::detach_old_root);
  // LAB-END

  // LAB(03) masked-paths: Make the read-only paths read-only and hide the masked ones
  // A read-only path: bind it on itself, then remount the bind MS_RDONLY
  // (with kept_flags). A masked file gets /dev/null bound over it; a masked
  // directory (ENOTDIR) an empty read-only tmpfs. A path this kernel lacks
  // (ENOENT) is skipped. Last, / itself when plan.root_readonly.
  // LAB-STUB: gorae::lab::child_not_implemented(plan.stdio[2] >= 0 ? plan.stdio[2] : 2, @TASK@);
  for (std::size_t i = 0; i < plan.readonly_count; ++i) {
    const char* path = plan.readonly_paths[i];
    if (::mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      if (errno == ENOENT) continue;
      fail(plan, Step::readonly_path, i);
    }
    if (::mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(path),
                nullptr) != 0)
      fail(plan, Step::readonly_path, i);
  }
  for (std::size_t i = 0; i < plan.masked_count; ++i) {
    const char* path = plan.masked_paths[i];
    if (::mount("/dev/null", path, nullptr, MS_BIND, nullptr) == 0) continue;
    if (errno == ENOENT) continue;
    // A directory: hide its contents under an empty read-only tmpfs.
    if (errno != ENOTDIR ||
        ::mount("tmpfs", path, "tmpfs", MS_RDONLY, nullptr) != 0)
      fail(plan, Step::masked_path, i);
  }
  if (plan.root_readonly &&
      ::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags("/"), nullptr) != 0)
    fail(plan, Step::root_readonly);
  // LAB-END
  return console;
}

// ---- the process ------------------------------------------------------------------

void set_stdio(const ChildPlan& plan, int console) noexcept {
  std::array<int, 3> fds = plan.stdio;
  if (console >= 0) {
    if (::ioctl(console, TIOCSCTTY, 0) < 0) fail(plan, Step::set_ctty);
    fds = {console, console, console};
  }
  if (!install_stdio(fds)) fail(plan, Step::stdio);
}

void set_capabilities(const ChildPlan& plan) noexcept {
  // LAB(03) capset: Set the process's capability sets, then raise the ambient ones
  // capset(2) with _LINUX_CAPABILITY_VERSION_3 takes two 32-bit words per
  // set (raw syscall(SYS_capset, ...)); the plan holds each set as a 64-bit
  // mask. Ambient capabilities are raised one by one with
  // prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap). Steps capset, ambient.
  // LAB-STUB: gorae::lab::child_not_implemented(2, @TASK@);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int word = 0; word < 2; ++word) {
    data[word].effective = static_cast<std::uint32_t>(plan.effective >> (32 * word));
    data[word].permitted = static_cast<std::uint32_t>(plan.permitted >> (32 * word));
    data[word].inheritable = static_cast<std::uint32_t>(plan.inheritable >> (32 * word));
  }
  if (::syscall(SYS_capset, &header, data) != 0) fail(plan, Step::capset);
  for (int cap = 0; cap < 64; ++cap)
    if ((plan.ambient >> cap) & 1U)
      if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
        fail(plan, Step::ambient, static_cast<std::size_t>(cap));
  // LAB-END
}

void install_filter(const ChildPlan& plan) noexcept {
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, plan.seccomp_flags, plan.seccomp) != 0)
    fail(plan, Step::seccomp);
}

}  // namespace

void container_init(const ChildPlan& plan) noexcept {
  // The daemon may ignore SIGPIPE or block signals; both survive execve.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // EINVAL for some: fine
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) fail(plan, Step::signals);
  // Descriptors other threads opened without O_CLOEXEC must not reach the container.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

  if (plan.wait_for_parent) {
    char go = 0;
    if (::recv(plan.sync_fd, &go, 1, 0) != 1) fail(plan, Step::wait_parent);
  }
  join_namespaces(plan);
  // In a user namespace we are whoever the maps make of the daemon's uid:
  // become the namespace's root, which holds every capability there.
  if (plan.userns && (set_resgid(0) != 0 || set_resuid(0) != 0))
    fail(plan, Step::userns_root);
  // Its own session: a pty can become its controlling terminal, and kill(-pid)
  // reaches the processes it starts.
  if (::setsid() < 0) fail(plan, Step::setsid);
  if (plan.loopback_up) bring_loopback_up(plan);
  if (plan.hostname && ::sethostname(plan.hostname, std::strlen(plan.hostname)) != 0)
    fail(plan, Step::hostname);
  if (plan.domainname && ::setdomainname(plan.domainname, std::strlen(plan.domainname)) != 0)
    fail(plan, Step::domainname);
  if (plan.oom_score_adj) write_oom_score_adj(plan);

  ::umask(0);  // device nodes and mount targets get exactly the modes we ask for
  int console = build_rootfs(plan);
  ::umask(022);

  for (std::size_t i = 0; i < plan.rlimit_count; ++i)
    if (::setrlimit(static_cast<__rlimit_resource>(plan.rlimits[i].resource), &plan.rlimits[i].limit) != 0)
      fail(plan, Step::rlimit, i);
  set_stdio(plan, console);

  // Like runc: cwd as root first; on EACCES retry as the user, whose directory it may be.
  bool cwd_later = false;
  if (::chdir(plan.cwd) != 0) {
    if (errno != EACCES && errno != EPERM) fail(plan, Step::chdir_cwd);
    cwd_later = true;
  }

  // LAB(03) drop-privileges: Drop privileges in an order that works: seccomp, capabilities, user
  // no_new_privs first. A seccomp filter (install_filter) needs CAP_SYS_ADMIN
  // unless no_new_privs is set: then install it now, else as late as
  // possible. Drop the bounding set (PR_CAPBSET_DROP; EINVAL for a cap this
  // kernel lacks is fine), keep capabilities across setuid (PR_SET_KEEPCAPS),
  // set groups, gid, uid (set_groups, set_gid, set_uid: the raw syscalls),
  // then set_capabilities, the delayed chdir (cwd_later), the late filter.
  // LAB-STUB: gorae::lab::child_not_implemented(2, @TASK@);
  if (plan.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail(plan, Step::no_new_privileges);
  // Without no_new_privs, installing a filter needs CAP_SYS_ADMIN: do it
  // while we still have it. With it, as late as possible, so the filter
  // does not have to allow the setup's own syscalls.
  if (plan.seccomp && !plan.no_new_privileges) install_filter(plan);

  if (plan.set_capabilities) {
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
      if (!((plan.bounding >> cap) & 1U) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
          errno != EINVAL)
        fail(plan, Step::drop_bounding, static_cast<std::size_t>(cap));
    // Keep the permitted set through setuid; capset below trims it.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail(plan, Step::keep_capabilities);
  }
  // Groups before gid before uid: after setuid we may no longer change them.
  if (set_groups(plan.group_count, plan.groups) != 0) fail(plan, Step::setgroups);
  if (set_gid(plan.gid) != 0) fail(plan, Step::setgid);
  if (set_uid(plan.uid) != 0) fail(plan, Step::setuid);
  if (plan.set_capabilities) set_capabilities(plan);
  if (cwd_later && ::chdir(plan.cwd) != 0) fail(plan, Step::chdir_cwd);
  if (plan.seccomp && plan.no_new_privileges) install_filter(plan);
  // LAB-END

  ::execve(plan.executable, plan.argv, plan.envp);
  fail(plan, Step::exec);
}

}  // namespace gorae::runtime::detail
