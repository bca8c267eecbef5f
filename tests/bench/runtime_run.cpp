// gorae-bench-run: one container run with chapter 03's runtime library, the
// work `runc run BUNDLE` does: read config.json, clone into the namespaces,
// build the root filesystem, drop capabilities, install seccomp, exec, wait.
//
//   gorae-bench-run BUNDLE [ID]
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
#include <string>

#include "gorae/runtime/linux_runtime.hpp"

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
  if (argc < 2 || argc > 3 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: gorae-bench-run BUNDLE [ID]\n");
    return 2;
  }
  const std::string bundle = argv[1];
  const std::string id = argc > 2 ? argv[2] : "gorae-bench";

  auto runtime = gorae::runtime::make_linux_runtime();
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
