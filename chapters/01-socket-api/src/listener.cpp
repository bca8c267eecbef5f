#include "gorae/http/listener.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace gorae::http {
namespace {

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path)
    return fail(Errc::invalid_argument, "socket path too long (" +
                                            std::to_string(path.size()) + " bytes): " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

const sockaddr* as_sockaddr(const sockaddr_un& address) {
  return reinterpret_cast<const sockaddr*>(&address);
}

// A socket file outlives a daemon that crashed. Only a connect tells a stale
// file from one a live daemon still answers on.
Status remove_stale_socket(const std::string& path, const sockaddr_un& address) {
  struct stat info{};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return {};
    return tl::unexpected(Error::from_errno("stat " + path));
  }
  if (!S_ISSOCK(info.st_mode))
    return fail(Errc::conflict, path + " exists and is not a socket; not replacing it");
  // Non-blocking, so a live daemon with a full backlog (EAGAIN) cannot hang
  // the start-up. Only ECONNREFUSED proves that nobody listens any more.
  base::UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe.valid()) return tl::unexpected(Error::from_errno("socket"));
  if (::connect(probe.get(), as_sockaddr(address), sizeof address) == 0 || errno == EAGAIN)
    return fail(Errc::conflict, "another daemon is already listening on unix://" + path +
                                    "; stop it or choose another -H");
  if (errno != ECONNREFUSED)
    return tl::unexpected(
        Error::from_errno("cannot tell whether a daemon still listens on " + path));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return tl::unexpected(Error::from_errno("remove stale socket " + path));
  return {};
}

}  // namespace

Result<Listener> listen_unix(const std::string& path, mode_t mode) {
  GORAE_ASSIGN_OR_RETURN(sockaddr_un address, unix_address(path));
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return fail(Errc::system, "create " + parent.string() + ": " + ec.message());
  GORAE_TRY(remove_stale_socket(path, address));

  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return tl::unexpected(Error::from_errno("socket"));
  if (::bind(fd.get(), as_sockaddr(address), sizeof address) != 0)
    return tl::unexpected(Error::from_errno("bind " + path));
  // Clients must not connect before the mode is right: chmod comes before
  // listen(), so until then every connect is refused.
  if (::chmod(path.c_str(), mode) != 0) {
    auto error = Error::from_errno("chmod " + path);
    ::unlink(path.c_str());
    return tl::unexpected(std::move(error));
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) {
    auto error = Error::from_errno("listen " + path);
    ::unlink(path.c_str());
    return tl::unexpected(std::move(error));
  }
  return Listener{std::move(fd), path, "unix://" + path};
}

Result<Listener> adopt_listening_fd(int fd) {
  int domain = 0;
  int type = 0;
  int listening = 0;
  socklen_t length = sizeof domain;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0)
    return tl::unexpected(Error::from_errno("fd " + std::to_string(fd) + " is not a socket"));
  if (domain != AF_UNIX)
    return fail(Errc::invalid_argument, "fd " + std::to_string(fd) +
                                            " is not a unix socket (TCP arrives in chapter 07)");
  length = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0)
    return tl::unexpected(Error::from_errno("fd " + std::to_string(fd) + " is not a socket"));
  length = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0)
    return tl::unexpected(Error::from_errno("getsockopt fd " + std::to_string(fd)));
  if (type != SOCK_STREAM || !listening)
    return fail(Errc::invalid_argument,
                "fd " + std::to_string(fd) + " is not a listening stream socket");
  return Listener{base::UniqueFd(fd), "", "fd://" + std::to_string(fd)};
}

}  // namespace gorae::http
