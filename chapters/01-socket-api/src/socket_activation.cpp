#include "gorae/http/socket_activation.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

namespace gorae::http {
namespace {

bool parse_positive(std::string_view text, long& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

}  // namespace

Result<std::vector<int>> activated_fds(const char* listen_pid, const char* listen_fds,
                                       pid_t self) {
  std::vector<int> fds;
  if (!listen_pid || !listen_fds) return fds;
  long pid = 0;
  long count = 0;
  if (!parse_positive(listen_pid, pid))
    return fail(Errc::invalid_argument, "LISTEN_PID is not a pid: " + std::string(listen_pid));
  if (!parse_positive(listen_fds, count) || count > 1024)
    return fail(Errc::invalid_argument, "LISTEN_FDS is not a count: " + std::string(listen_fds));
  if (pid != self) return fds;  // meant for another process
  for (long i = 0; i < count; ++i) fds.push_back(kListenFdsStart + static_cast<int>(i));
  return fds;
}

Result<std::vector<int>> take_activated_fds() {
  auto fds = activated_fds(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"), ::getpid());
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  if (!fds) return fds;
  for (int fd : *fds) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) return tl::unexpected(Error::from_errno("activated fd " + std::to_string(fd)));
    ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  return fds;
}

Result<std::vector<int>> select_activated_fds(const std::vector<int>& activated, int wanted) {
  if (activated.empty())
    return fail(Errc::not_found,
                "no sockets found via socket activation: make sure the service was started by "
                "systemd");
  if (wanted < 0) return activated;
  if (std::find(activated.begin(), activated.end(), wanted) == activated.end())
    return fail(Errc::not_found, "too few socket activated files passed in by systemd: fd " +
                                     std::to_string(wanted) + " was not passed");
  return std::vector<int>{wanted};
}

}  // namespace gorae::http
