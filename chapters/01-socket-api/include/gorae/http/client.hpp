#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/base/unique_fd.hpp"
#include "gorae/http/host_uri.hpp"

namespace gorae::http {

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// A blocking HTTP/1.1 client over one keep-alive connection to the daemon,
/// for the CLI and the tests (Beast behind a pimpl).
class Client {
 public:
  /// Connects to a unix socket host.
  /// @return Errc::unavailable when nothing accepts there.
  static Result<Client> connect(const HostUri& host);

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  /// Sends one request and reads the whole response.
  Result<ClientResponse> request(std::string_view method, std::string_view target,
                                 std::string body = {},
                                 std::string_view content_type = "application/json");

  /// Sends one request whose body is read from `body_fd` (a file, a pipe,
  /// stdin) to its end and sent as it is read, in chunks, so a body of any
  /// size takes no more memory than one chunk (`docker load -i`); then
  /// reads the whole response.
  /// @return Errc::system when reading `body_fd` fails, Errc::unavailable
  ///         on transport errors.
  Result<ClientResponse> request_streamed(std::string_view method, std::string_view target, int body_fd,
                                          std::string_view content_type);

  /// Sends one request and reads only the head: the body is then read
  /// piece by piece with read_some() (a /wait answer, a followed log).
  Result<ClientResponse> request_head(std::string_view method, std::string_view target,
                                      std::string body = {});
  /// The next piece of the body started by request_head(); nullopt at its end.
  Result<std::optional<std::string>> read_some();

  /// Sends the request with "Connection: Upgrade" / "Upgrade: tcp" (attach)
  /// and, on a 101 or 200, gives up the connection: the caller reads and
  /// writes raw bytes. `early_output` receives what arrived after the head.
  /// @return Errc::unavailable on transport errors; an error status comes
  ///         back as a ClientResponse with its body, and no descriptor.
  struct Upgraded {
    ClientResponse head;
    base::UniqueFd connection;  ///< invalid unless status is 101 or 200
    std::string early_output;
  };
  Result<Upgraded> upgrade(std::string_view method, std::string_view target);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  Result<ClientResponse> read_response(bool head_only);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gorae::http
