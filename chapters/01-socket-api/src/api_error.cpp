#include "gorae/api/error.hpp"

#include <nlohmann/json.hpp>

namespace gorae::api {

int status_for(Errc kind) {
  switch (kind) {
    case Errc::invalid_argument: return 400;
    case Errc::not_found: return 404;
    case Errc::conflict: return 409;
    case Errc::unavailable:
    case Errc::system:
    case Errc::internal: return 500;
  }
  return 500;
}

Error to_api_error(const gorae::Error& error) { return {status_for(error.kind()), error.what()}; }

void require_json_content_type(const Request& request) {
  const std::string* type = request.header("content-type");
  if (request.body.empty() || !type) return;
  if (type->rfind("application/json", 0) != 0)
    throw Error::bad_request("Content-Type specified (" + *type + ") must be 'application/json'");
}

Response error_response(int status, const std::string& message) {
  return Response::json(status, nlohmann::json{{"message", message}});
}

}  // namespace gorae::api
