#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gorae/base/error.hpp"
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

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gorae::http
