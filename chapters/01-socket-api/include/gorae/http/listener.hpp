#pragma once

#include <sys/stat.h>

#include <string>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"

namespace gorae::http {

/// A listening socket the server will accept on.
struct Listener {
  base::UniqueFd fd;
  std::string socket_path;  ///< the file to remove at shutdown; empty for fd://
  std::string description;  ///< for logs: "unix:///run/gorae.sock", "fd://3"
};

/// Binds and listens on a unix socket at `path` with mode `mode`.
/// A leftover socket file from a dead daemon is replaced; a socket that a
/// live process still accepts on is left alone (Errc::conflict), and so is
/// anything that is not a socket. The parent directory is created.
Result<Listener> listen_unix(const std::string& path, mode_t mode = 0660);

/// Wraps an inherited descriptor after checking it is a listening stream
/// socket (systemd socket activation).
Result<Listener> adopt_listening_fd(int fd);

}  // namespace gorae::http
