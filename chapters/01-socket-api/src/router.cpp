#include "gorae/api/router.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "gorae/api/error.hpp"
#include "gorae/base/build_info.hpp"

namespace gorae::api {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty() || path == "/") return segments;
  std::size_t start = path[0] == '/' ? 1 : 0;
  while (true) {
    auto slash = path.find('/', start);
    segments.push_back(percent_decode(path.substr(start, slash - start), false));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
bool is_greedy(const std::string& segment) {
  return is_capture(segment) && segment[segment.size() - 2] == '*';
}
std::string capture_name(const std::string& segment) {
  return segment.substr(1, segment.size() - (is_greedy(segment) ? 3 : 2));
}

// Backtracking match of pattern[p..] against path[s..]; a greedy capture
// tries the longest run first so "/images/a/b/json" gives name = "a/b".
bool match(const std::vector<std::string>& pattern, std::size_t p,
           const std::vector<std::string>& path, std::size_t s, Request::Pairs& params) {
  // LAB(01) route-match: Match a path's segments against a route pattern
  // A literal segment must be equal; {name} captures one segment into params,
  // {name*} one or more (longest first, so "/images/a/b/json" gives "a/b").
  // On a failed attempt, leave params as they were.
  if (p == pattern.size()) return s == path.size();
  if (s == path.size()) return false;
  const std::string& segment = pattern[p];
  if (!is_capture(segment)) return segment == path[s] && match(pattern, p + 1, path, s + 1, params);
  if (path[s].empty()) return false;
  if (!is_greedy(segment)) {
    params.emplace_back(capture_name(segment), path[s]);
    if (match(pattern, p + 1, path, s + 1, params)) return true;
    params.pop_back();
    return false;
  }
  for (std::size_t end = path.size(); end > s; --end) {
    std::string joined = path[s];
    for (std::size_t i = s + 1; i < end; ++i) joined += "/" + path[i];
    params.emplace_back(capture_name(segment), joined);
    if (match(pattern, p + 1, path, end, params)) return true;
    params.pop_back();
  }
  return false;
  // LAB-END
}

// Literal segments beat single captures, which beat greedy ones.
std::vector<int> specificity(const std::vector<std::string>& pattern) {
  std::vector<int> score;
  for (const auto& segment : pattern) score.push_back(is_greedy(segment) ? 0 : is_capture(segment) ? 1 : 2);
  return score;
}

bool is_api_host(std::string_view host) {
  return host.empty() || host == "localhost" || host == "docker" ||
         host == "api.moby.localhost" || host.find('.') != std::string_view::npos ||
         host.find(':') != std::string_view::npos;
}

// "1.30.2" → 1.30: the major and minor of an accepted dotted version.
ApiVersion leading_version(std::string_view text) {
  ApiVersion version{0, 0};
  auto dot = text.find('.');
  std::from_chars(text.data(), text.data() + text.substr(0, dot).size(), version.major);
  if (dot != std::string_view::npos) {
    std::string_view rest = text.substr(dot + 1);
    std::from_chars(rest.data(), rest.data() + rest.size(), version.minor);
  }
  return version;
}

// The error for a version outside [minimum, current], or nullopt when it is
// inside.
std::optional<Response> version_error(const std::string& version) {
  // LAB(01) version-check: Refuse API versions outside [minimum, current] as dockerd does
  // Too new: a JSON error. Too old: dockerd's plain-text answer, which the
  // docker CLI shows verbatim. Inside the range: nullopt.
  if (compare_versions(version, kCurrentApiVersion.text()) > 0) {
    return error_response(400, "client version " + version +
                                   " is too new. Maximum supported API version is " +
                                   kCurrentApiVersion.text());
  }
  // dockerd answers this one in plain text; the docker CLI shows it verbatim.
  auto response = Response::text(400, "client version " + version +
                                          " is too old. Minimum supported API version is " +
                                          kMinimumApiVersion.text() +
                                          ", please upgrade your client to a newer version\n");
  response.set_header("X-Content-Type-Options", "nosniff");
  if (compare_versions(version, kMinimumApiVersion.text()) < 0) return response;
  return std::nullopt;
  // LAB-END
}

}  // namespace

void Router::add(std::string_view method, std::string_view pattern, Handler handler,
                 RequestBody body) {
  Route route{std::string(method), split_path(pattern), std::move(handler), body};
  for (auto& existing : routes_) {
    if (existing.method == route.method && existing.segments == route.segments) {
      existing = std::move(route);
      return;
    }
  }
  routes_.push_back(std::move(route));
}

const Router::Route* Router::find(std::string_view method, std::string_view path,
                                  Request::Pairs& params, bool& path_known) const {
  // LAB(01) route-choose: Pick the most specific route that matches the method and path
  // path_known says whether any route matched the path, whatever its method.
  auto segments = split_path(path);
  const Route* best = nullptr;
  std::vector<int> best_score;
  for (const auto& route : routes_) {
    Request::Pairs captured;
    if (!match(route.segments, 0, segments, 0, captured)) continue;
    path_known = true;
    if (route.method != method) continue;
    auto score = specificity(route.segments);
    if (!best || score > best_score) {
      best = &route;
      best_score = std::move(score);
      params = std::move(captured);
    }
  }
  return best;
  // LAB-END
}

RequestBody Router::request_body(std::string_view method, std::string_view target) const {
  auto request = Request::from_target(std::string(method), std::string(target));
  Request::Pairs params;
  bool path_known = false;
  const Route* route = find(method, split_version_prefix(request.path).path, params, path_known);
  return route ? route->body : RequestBody::in_memory;
}

Response Router::dispatch(Request& request) const {
  // LAB(01) dispatch: Strip the /vN.NN prefix, refuse bad versions, route, answer errors as JSON
  // An api::Error becomes its status and {"message": ...}; any other
  // exception a 500. Every response gets the common headers.
  Response response;
  try {
    auto split = split_version_prefix(request.path);
    auto refusal = split.version ? version_error(*split.version) : std::nullopt;
    if (refusal) {
      response = std::move(*refusal);
    } else {
      if (split.version) request.version = leading_version(*split.version);
      request.path = std::move(split.path);
      bool path_known = false;
      const Route* route = find(request.method, request.path, request.params, path_known);
      // dockerd answers a known path with the wrong method as it answers an
      // unknown path: 404 "page not found".
      response = route ? route->handler(request) : not_found(request);
    }
  } catch (const Error& error) {
    response = error_response(error.status(), error.what());
  } catch (const std::exception& error) {
    response = error_response(500, error.what());
  }
  add_common_headers(response);
  return response;
  // LAB-END
}

Response Router::not_found(const Request& request) const {
  // `curl --unix-socket S http:/version` sends "GET /" with "Host: version"
  // (the article's form predates curl's stricter URL parser). When the host
  // name glued back onto the path would have matched a route, say so.
  const std::string* host = request.header("host");
  if (host && !is_api_host(*host)) {
    std::string guess = "/" + *host + (request.path == "/" ? "" : request.path);
    Request::Pairs ignored;
    bool known = false;
    find("GET", split_version_prefix(guess).path, ignored, known);
    if (known) {
      auto question = request.target.find('?');
      std::string query = question == std::string::npos ? "" : request.target.substr(question);
      return error_response(404, "page not found (curl read \"" + *host +
                                     "\" as a host name: use http://localhost" + guess +
                                     query + ")");
    }
  }
  return error_response(404, "page not found");
}

void Router::add_common_headers(Response& response) {
  static const std::string server = std::string("gorae/") + build_info::kVersion + " (linux)";
  response.set_header("Api-Version", kCurrentApiVersion.text());
  response.set_header("Docker-Experimental", "false");
  response.set_header("Ostype", "linux");
  response.set_header("Server", server);
}

}  // namespace gorae::api
