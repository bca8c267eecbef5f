#pragma once

#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/unique_fd.hpp"

namespace gorae::api {

/// Writes the body of a streaming response (Response::stream) while the
/// handler's work goes on: `/wait`, `/logs?follow=1`, `/events`.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  /// Sends `bytes` as one chunk and returns once they are written.
  /// @return false when the client has gone away; stop writing then.
  virtual bool write(std::string_view bytes) = 0;
  /// Stop is requested when the client disconnects or the server shuts
  /// down; long waits should wake up on it.
  virtual std::stop_token stop_token() const = 0;
};

/// What a handler returns; the HTTP layer turns it into bytes.
struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// A response with no body (204, 304, HEAD).
  static Response empty(int status);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  /// Serialises `value` compactly with a trailing newline, as dockerd's JSON
  /// encoder does, and sets Content-Type: application/json.
  static Response json(int status, const nlohmann::json& value);

  /// A body produced over time. The server sends the status and headers at
  /// once (both docker CLIs wait for the headers of `/wait` before they send
  /// `/start`), then runs `stream` on a thread of its own and sends what it
  /// writes as chunks; the body ends when `stream` returns.
  std::function<void(BodyWriter& body)> stream;

  /// Takes the connection over after the head is sent (attach's
  /// "101 UPGRADED"). `hijack` runs on a thread of its own and owns the socket
  /// (blocking mode) and the bytes the client already sent after the request.
  std::function<void(base::UniqueFd connection, std::string early_input)> hijack;

  Response& set_header(std::string name, std::string value);
  const std::string* header(std::string_view name) const;
};

}  // namespace gorae::api
