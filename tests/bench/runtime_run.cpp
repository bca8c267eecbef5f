// gorae-bench-run: one container run with chapter 03's runtime library, the
// work `runc run BUNDLE` does: read config.json, clone into the namespaces,
// build the root filesystem, drop capabilities, install seccomp, exec, wait.
//
//   gorae-bench-run [--seccomp-cache DIR] [--cgroups] BUNDLE [ID]
//
// --seccomp-cache DIR keeps compiled seccomp programs in DIR, as goraed does
// under its exec root (LinuxRuntimeOptions::seccomp_cache_dir): the first run
// fills it, later runs skip libseccomp. Without it every run compiles.
// --cgroups adds chapter 04's cgroup hook, as goraed-ch04 does: the cgroup
// named by linux.cgroupsPath is made and limited by linux.resources before
// the container runs, and removed after it is reaped (a config.json without
// linux.cgroupsPath gets no cgroup). Built without chapter 04
// (GORAE_BENCH_CGROUPS 0, a chapter 03 lab), --cgroups is refused.
//
// The runtime hands back pipes for the container's stdout and stderr; they
// are copied to ours until both reach EOF (runc passes its own descriptors
// through instead, so under hyperfine both end up on /dev/null). Exits with
// the container's exit code (128+signal when it was killed), or 125 when
// the runtime fails, as `docker run` does.

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gorae/runtime/linux_runtime.hpp"
#if GORAE_BENCH_CGROUPS
#include "gorae/cgroups/manager.hpp"
#include "gorae/engine/resources.hpp"
#endif

namespace {

constexpr int kRuntimeFailed = 125;

// Copies one read of `from` to `to`. @return false at EOF or on an error.
bool forward(int from, int to) {
  char buffer[4096];
  ssize_t n = ::read(from, buffer, sizeof buffer);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) return false;
  for (ssize_t done = 0; done < n;) {
    ssize_t written = ::write(to, buffer + done, static_cast<std::size_t>(n - done));
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return true;  // nobody reads our output: drop it, keep draining
    done += written;
  }
  return true;
}

// Until the container (and whatever it started) closed both streams.
void drain(gorae::runtime::Stdio& stdio) {
  pollfd fds[2] = {{stdio.stdout_fd.get(), POLLIN, 0}, {stdio.stderr_fd.get(), POLLIN, 0}};
  const int targets[2] = {STDOUT_FILENO, STDERR_FILENO};
  int open = 0;
  for (const pollfd& p : fds) open += p.fd >= 0 ? 1 : 0;
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      if (!forward(fds[i].fd, targets[i])) {
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  gorae::runtime::LinuxRuntimeOptions options;
  bool cgroups = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (std::strcmp(argv[i], "--seccomp-cache") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
      options.seccomp_cache_dir = argv[++i];
    } else if (std::strcmp(argv[i], "--cgroups") == 0) {
      cgroups = true;
    } else {
      break;
    }
  }
  if (argc - i < 1 || argc - i > 2 || argv[i][0] == '-') {
    std::fprintf(stderr, "usage: gorae-bench-run [--seccomp-cache DIR] [--cgroups] BUNDLE [ID]\n");
    return 2;
  }
  const std::string bundle = argv[i];
  const std::string id = argc - i > 1 ? argv[i + 1] : "gorae-bench";

  std::vector<std::shared_ptr<gorae::runtime::ProcessHook>> hooks;
  if (cgroups) {
#if GORAE_BENCH_CGROUPS
    auto manager = gorae::cgroups::open_manager();
    if (!manager) {
      std::fprintf(stderr, "gorae-bench-run: cgroups: %s\n", manager.error().what().c_str());
      return kRuntimeFailed;
    }
    hooks.push_back(gorae::engine::cgroup_hook(std::move(*manager)));
#else
    std::fprintf(stderr, "gorae-bench-run: --cgroups: built without chapter 04\n");
    return 2;
#endif
  }
  auto runtime = gorae::runtime::make_linux_runtime(std::move(hooks), std::move(options));
  auto started = runtime->start(id, bundle, /*open_stdin=*/false);
  if (!started) {
    std::fprintf(stderr, "gorae-bench-run: %s\n", started.error().what().c_str());
    return kRuntimeFailed;
  }
  drain(started->stdio);
  auto status = runtime->reap(started->pid);
  if (!status) {
    std::fprintf(stderr, "gorae-bench-run: %s\n", status.error().what().c_str());
    return kRuntimeFailed;
  }
  return status->code & 0xff;
}
