#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/api/request.hpp"
#include "gorae/api/response.hpp"

namespace gorae::api {

using Handler = std::function<Response(Request&)>;

/// How a route takes its request body.
enum class RequestBody {
  in_memory,  ///< in Request::body, up to the server's body_limit (413 above it)
  spooled,    ///< in Request::body_file, of any size: the server writes it to
              ///< disk as it arrives (`docker load`'s archives)
};

/// Maps "METHOD /path/{param}" to handlers. Each chapter adds its routes
/// through Router::add at start-up; after that the router is read-only and
/// shared by every connection thread.
///
/// Patterns are split on '/': a segment `{name}` captures one path segment,
/// `{name*}` captures one or more (image names contain slashes:
/// `/images/{name*}/json`). Literal segments win over captures when both match.
class Router {
 public:
  /// Registers a route; a later registration of the same method and pattern
  /// replaces the earlier one (a chapter may refine an earlier chapter's).
  void add(std::string_view method, std::string_view pattern, Handler handler,
           RequestBody body = RequestBody::in_memory);

  /// How the route that `method` and `target` (as received, version prefix
  /// and query included) lead to takes its body: the server asks once it
  /// has the request's head, before reading the body. in_memory when no
  /// route matches.
  RequestBody request_body(std::string_view method, std::string_view target) const;

  /// Strips and checks the version prefix, finds the route and runs it.
  /// Never throws: errors become dockerd-style responses. Every response
  /// carries the Api-Version, Server and Ostype headers, errors included,
  /// because clients negotiate from the headers of any /_ping answer.
  Response dispatch(Request& request) const;

  /// The headers added to every response.
  static void add_common_headers(Response& response);

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // pattern split on '/'
    Handler handler;
    RequestBody body = RequestBody::in_memory;
  };
  const Route* find(std::string_view method, std::string_view path, Request::Pairs& params,
                    bool& path_known) const;
  Response not_found(const Request& request) const;

  std::vector<Route> routes_;
};

}  // namespace gorae::api
