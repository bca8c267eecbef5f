#pragma once

#include <string>
#include <string_view>

#include "gorae/base/error.hpp"

namespace gorae::http {

/// Where the daemon listens and the CLI connects, as given to -H/--host.
struct HostUri {
  enum class Kind { unix_socket, fd, tcp };
  Kind kind = Kind::unix_socket;
  std::string path;  ///< unix: the socket file
  int fd = -1;       ///< fd://N: N; fd:// (every activated socket): -1
  std::string host;  ///< tcp: address
  int port = 0;      ///< tcp: port

  /// Back to the canonical text form, e.g. "unix:///run/gorae.sock".
  std::string text() const;
};

inline constexpr std::string_view kDefaultSocketPath = "/run/gorae.sock";

/// Parses "unix:///path", "unix://" (the default socket), "fd://", "fd://N"
/// and "tcp://host:port" as dockerd does.
/// @return Errc::invalid_argument with the reason for anything else.
Result<HostUri> parse_host_uri(std::string_view text);

/// The host the CLI talks to: the -H flag, else $GORAE_HOST, else
/// $DOCKER_HOST, else unix:///run/gorae.sock. The first non-empty one wins.
std::string choose_client_host(const std::string& flag, const char* gorae_host_env,
                               const char* docker_host_env);

}  // namespace gorae::http
