#include "gorae/http/host_uri.hpp"

#include <charconv>

namespace gorae::http {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool parse_int(std::string_view text, int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

tl::unexpected<Error> invalid(std::string_view text, std::string_view why) {
  return fail(Errc::invalid_argument, "invalid host \"" + std::string(text) + "\": " +
                                          std::string(why));
}

}  // namespace

std::string HostUri::text() const {
  switch (kind) {
    case Kind::unix_socket: return "unix://" + path;
    case Kind::fd: return fd < 0 ? "fd://" : "fd://" + std::to_string(fd);
    case Kind::tcp: return "tcp://" + host + ":" + std::to_string(port);
  }
  return {};
}

Result<HostUri> parse_host_uri(std::string_view text) {
  HostUri uri;
  if (starts_with(text, "unix://")) {
    uri.kind = HostUri::Kind::unix_socket;
    uri.path = text.substr(7);
    if (uri.path.empty()) uri.path = kDefaultSocketPath;
    return uri;
  }
  if (starts_with(text, "fd://")) {
    uri.kind = HostUri::Kind::fd;
    std::string_view number = text.substr(5);
    if (!number.empty() && !parse_int(number, uri.fd))
      return invalid(text, "fd:// takes a descriptor number");
    return uri;
  }
  if (starts_with(text, "tcp://")) {
    uri.kind = HostUri::Kind::tcp;
    std::string_view rest = text.substr(6);
    if (rest.empty()) rest = "127.0.0.1:2376";
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || !parse_int(rest.substr(colon + 1), uri.port) ||
        uri.port > 65535)
      return invalid(text, "tcp:// needs host:port");
    uri.host = rest.substr(0, colon);
    if (uri.host.empty()) uri.host = "0.0.0.0";
    return uri;
  }
  return invalid(text, "use unix:///path, fd://[N] or tcp://host:port");
}

std::string choose_client_host(const std::string& flag, const char* gorae_host_env,
                               const char* docker_host_env) {
  if (!flag.empty()) return flag;
  if (gorae_host_env && *gorae_host_env) return gorae_host_env;
  if (docker_host_env && *docker_host_env) return docker_host_env;
  return "unix://" + std::string(kDefaultSocketPath);
}

}  // namespace gorae::http
