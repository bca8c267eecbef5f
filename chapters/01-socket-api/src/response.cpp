#include "gorae/api/response.hpp"

#include <nlohmann/json.hpp>
#include <strings.h>

namespace gorae::api {

Response Response::empty(int status) {
  Response response;
  response.status = status;
  return response;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Content-Type", std::move(content_type));
  return response;
}

Response Response::json(int status, const nlohmann::json& value) {
  Response response;
  response.status = status;
  response.body = value.dump();
  response.body.push_back('\n');
  response.headers.emplace_back("Content-Type", "application/json");
  return response;
}

Response& Response::set_header(std::string name, std::string value) {
  for (auto& [key, existing] : headers) {
    if (::strcasecmp(key.c_str(), name.c_str()) == 0) {
      existing = std::move(value);
      return *this;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

const std::string* Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), name.size()) == 0)
      return &value;
  return nullptr;
}

}  // namespace gorae::api
