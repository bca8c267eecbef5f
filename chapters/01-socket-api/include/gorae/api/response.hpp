#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace gorae::api {

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

  Response& set_header(std::string name, std::string value);
  const std::string* header(std::string_view name) const;
};

}  // namespace gorae::api
