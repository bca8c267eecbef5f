// gorae-bench-floor: the least a container runtime can do, for comparison:
//
//   gorae-bench-floor [--no-netns] ROOTFS [PROGRAM]
//
// clone(2) straight into new pid, mount, uts, ipc and network namespaces
// (the network namespace left out with --no-netns),
// chroot(ROOTFS), exec PROGRAM (default /bin/true) and wait for it. No
// config.json, no mounts, no pivot_root, no capabilities, no seccomp, no
// stdio plumbing: whatever a runtime spends above this is its own work.
// Exits with PROGRAM's exit code (128+signal), 125 if the setup fails.
// Plain POSIX + C++20, no gorae code.

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

constexpr int kSetupFailed = 125;

}  // namespace

int main(int argc, char** argv) {
  long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD;
  int first = 1;
  if (argc > 1 && std::strcmp(argv[1], "--no-netns") == 0) {
    flags &= ~static_cast<long>(CLONE_NEWNET);
    first = 2;
  }
  if (argc - first < 1 || argc - first > 2 || argv[first][0] == '-') {
    std::fprintf(stderr, "usage: gorae-bench-floor [--no-netns] ROOTFS [PROGRAM]\n");
    return 2;
  }
  const char* rootfs = argv[first];
  char* program = argc - first > 1 ? argv[first + 1] : const_cast<char*>("/bin/true");

  // The raw syscall, as fork() would make it: the child continues here.
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr));
  if (pid < 0) {
    std::fprintf(stderr, "gorae-bench-floor: clone: %s\n", std::strerror(errno));
    return kSetupFailed;
  }
  if (pid == 0) {
    char* child_argv[] = {program, nullptr};
    char* child_envp[] = {nullptr};
    if (::chroot(rootfs) != 0 || ::chdir("/") != 0) _exit(kSetupFailed);
    ::execve(program, child_argv, child_envp);
    _exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "gorae-bench-floor: waitpid: %s\n", std::strerror(errno));
      return kSetupFailed;
    }
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
