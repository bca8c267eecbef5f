#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gorae/api/version.hpp"
#include "gorae/base/unique_fd.hpp"

namespace gorae::api {

/// One HTTP request as handlers see it: no Beast types, so every chapter can
/// write and unit-test handlers without the HTTP machinery.
struct Request {
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  std::string method;        ///< "GET", "POST", ...
  std::string target;        ///< as received: "/v1.41/containers/json?all=1"
  std::string path;          ///< as sent (still %-encoded), without query and version prefix
  ApiVersion version = kCurrentApiVersion;  ///< from the prefix, else current
  Pairs query;               ///< decoded query parameters, in order
  Pairs headers;             ///< header names in lower case
  std::string body;          ///< routes taking RequestBody::in_memory (the default)
  /// Routes taking RequestBody::spooled: the body in a file with no name
  /// (base::open_unnamed_file), read from its start; it goes away with the
  /// last copy of this pointer, so a Response::stream that reads it keeps
  /// it. Null for other routes, and for requests built by hand (tests),
  /// which hold their bytes in `body`.
  std::shared_ptr<const base::UniqueFd> body_file;
  Pairs params;              ///< values captured by the route pattern

  /// Builds a request from a method and a raw target, splitting and decoding
  /// the query. The version prefix stays in `path` until the router strips it.
  static Request from_target(std::string method, std::string target);

  /// A header by case-insensitive name, or nullptr.
  const std::string* header(std::string_view name) const;
  /// The first value of a query parameter, if present.
  std::optional<std::string> query_value(std::string_view name) const;
  /// Docker's boolean rule: absent → fallback; "", "0", "false", "False",
  /// "no" → false; anything else → true.
  bool query_flag(std::string_view name, bool fallback = false) const;
  /// A value captured by the route, e.g. "id" in "/containers/{id}/json".
  /// Asking for a name the route does not capture is a programming error.
  const std::string& param(std::string_view name) const;
};

/// Decodes `%XX` escapes (and '+' as space when `plus_is_space`).
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace gorae::api
