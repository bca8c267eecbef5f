#pragma once

#include <stdexcept>
#include <string>

#include "gorae/api/request.hpp"
#include "gorae/api/response.hpp"
#include "gorae/base/error.hpp"

namespace gorae::api {

/// Thrown by handlers; the router turns it into `{"message": ...}` with the
/// status, the way dockerd reports every error.
class Error : public std::runtime_error {
 public:
  Error(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

  static Error bad_request(const std::string& message) { return {400, message}; }
  static Error not_found(const std::string& message) { return {404, message}; }
  static Error conflict(const std::string& message) { return {409, message}; }
  static Error internal(const std::string& message) { return {500, message}; }

 private:
  int status_;
};

/// The HTTP status dockerd uses for each kind of engine error.
int status_for(Errc kind);
/// An engine error as the API reports it.
Error to_api_error(const gorae::Error& error);
/// The value of an engine Result, or its error thrown as the API reports it:
/// handlers read straight through `auto id = unwrap(engine.create(...))`.
template <class T>
T unwrap(Result<T> result) {
  if (!result) throw to_api_error(result.error());
  return std::move(*result);
}
inline void unwrap(Status status) {
  if (!status) throw to_api_error(status.error());
}

/// dockerd's check on a request with a body: a Content-Type other than
/// application/json is a 400 (none at all is accepted).
void require_json_content_type(const Request& request);

/// `{"message": "..."}` with Content-Type application/json.
Response error_response(int status, const std::string& message);

}  // namespace gorae::api
