#pragma once

#include <string>
#include <system_error>
#include <utility>

#include <tl/expected.hpp>

namespace gorae {

/// What kind of failure an Error is; the API layer maps it to an HTTP status.
enum class Errc {
  invalid_argument,  ///< the caller asked for something malformed (400)
  not_found,         ///< the object does not exist (404)
  conflict,          ///< the request clashes with current state (409)
  unavailable,       ///< a peer (daemon, kernel feature) is not there
  system,            ///< a syscall failed; see code()
  internal,          ///< a bug or an unexpected state (500)
};

/// An error with its kind, an optional errno code and a readable message.
/// Lower layers add context with wrap(); the boundary logs or reports it once.
class Error {
 public:
  Error(Errc kind, std::string message, std::error_code code = {})
      : kind_(kind), code_(code), message_(std::move(message)) {}

  /// Captures errno now: call it right after the failing syscall.
  static Error from_errno(const std::string& what);
  static Error from_errno(int err, const std::string& what);

  /// Prefixes context: "bind /run/x.sock: Address in use" → "listen: bind ...".
  Error&& wrap(const std::string& context) &&;

  Errc kind() const { return kind_; }
  std::error_code code() const { return code_; }
  /// The full message, including the errno text when there is one.
  std::string what() const;

 private:
  Errc kind_;
  std::error_code code_;
  std::string message_;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> fail(Errc kind, std::string message) {
  return tl::unexpected<Error>(Error(kind, std::move(message)));
}

}  // namespace gorae

#define GORAE_CONCAT_INNER(a, b) a##b
#define GORAE_CONCAT(a, b) GORAE_CONCAT_INNER(a, b)

/// Returns the error of a failed Result/Status from the enclosing function.
#define GORAE_TRY(expr)                                                \
  do {                                                                 \
    auto&& gorae_try_result_ = (expr);                                 \
    if (!gorae_try_result_)                                            \
      return tl::unexpected(std::move(gorae_try_result_).error());     \
  } while (0)

/// `GORAE_ASSIGN_OR_RETURN(auto fd, open_socket())`: unwraps or returns.
#define GORAE_ASSIGN_OR_RETURN(lhs, expr) \
  GORAE_ASSIGN_OR_RETURN_IMPL(GORAE_CONCAT(gorae_result_, __LINE__), lhs, expr)
#define GORAE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                                  \
  if (!tmp) return tl::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
