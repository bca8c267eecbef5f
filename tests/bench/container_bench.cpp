// gorae-container-bench: how long the Engine API takes to run `busybox true`.
//
// Each run is create, start and wait on one keep-alive unix-socket connection:
//
//   POST /v1.41/containers/create   {"Image": IMAGE, "Cmd": ["true"], ...}
//   POST /v1.41/containers/ID/start
//   POST /v1.41/containers/ID/wait                      (condition not-running)
//
// The clock runs from the first byte of the create request to the last byte of
// the wait answer; the DELETE /containers/ID?force=1 that follows is timed too
// but kept out of the total. A few warm-up runs are not counted. Like
// gorae-api-load it is plain POSIX + C++20 with no Boost and no gorae code, so
// goraed and dockerd are measured by the same client.
//
//   gorae-container-bench --socket PATH [--image busybox] [--network MODE]
//                         [--runs 50] [--warmup 3] [--api /v1.41]
//
// Output, one line (microseconds, nearest-rank percentiles over counted runs):
//   runs=50 errors=0 p50_us=A p90_us=B min_us=C max_us=D create_p50_us=...
//   start_p50_us=... wait_p50_us=... remove_p50_us=...
// A run whose requests do not all answer 2xx, or whose container does not exit
// with status 0, is an error and is left out of the percentiles.

#include <sys/socket.h>

#include "response_parser.hpp"
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string socket_path;
  std::string image = "busybox";
  std::string network;  // HostConfig.NetworkMode; empty: the daemon's default
  std::string api = "/v1.41";
  int runs = 50;
  int warmup = 3;
};

[[noreturn]] void usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "gorae-container-bench: %s\n", why);
  std::fprintf(stderr,
               "usage: gorae-container-bench --socket PATH [--image busybox] [--network MODE]\n"
               "                             [--runs 50] [--warmup 3] [--api /v1.41]\n");
  std::exit(2);
}

int parse_count(const std::string& s, int min) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || v < min || v > 100000) {
    usage(("bad count: " + s).c_str());
  }
  return static_cast<int>(v);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (arg == "-h" || arg == "--help") usage(nullptr);
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      usage(("missing value for " + arg).c_str());
    }
    if (arg == "--socket") o.socket_path = value;
    else if (arg == "--image") o.image = value;
    else if (arg == "--network") o.network = value;
    else if (arg == "--api") o.api = value;
    else if (arg == "--runs") o.runs = parse_count(value, 1);
    else if (arg == "--warmup") o.warmup = parse_count(value, 0);
    else usage(("unknown option " + arg).c_str());
  }
  if (o.socket_path.empty()) usage("--socket is required");
  if (o.socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) usage("socket path too long");
  // Both values go into a JSON string unescaped.
  for (const std::string* s : {&o.image, &o.network}) {
    if (s->find_first_of("\"\\") != std::string::npos) usage("quotes are not allowed");
  }
  return o;
}

struct Response {
  int status = 0;
  bool keep_alive = true;
  std::string body;
};

// A blocking HTTP/1.1 client on one unix-socket connection: enough of RFC 9112
// for the Engine API (Content-Length, chunked, or a body that ends at close).
class Connection {
 public:
  explicit Connection(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
      int saved = errno;
      ::close(fd_);
      fd_ = -1;
      errno = saved;
    }
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] bool ok() const { return fd_ >= 0; }

  /// Sends one request and reads its answer; nullopt (and a message in
  /// error()) when the connection fails or the answer is malformed.
  std::optional<Response> request(std::string_view method, const std::string& target,
                                  std::string_view body = {}) {
    std::string req;
    req.reserve(256 + body.size());
    req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    req += "Host: docker\r\nUser-Agent: gorae-container-bench\r\n";
    if (!body.empty()) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    req.append(body);
    for (std::size_t sent = 0; sent < req.size();) {
      ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(std::string("send: ") + std::strerror(errno));
      sent += static_cast<std::size_t>(n);
    }
    return read_response(method == "HEAD");
  }

  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::nullopt_t fail(std::string why) {
    error_ = std::move(why);
    return std::nullopt;
  }

  // Reads more bytes into buf_; false at EOF or on error.
  bool fill() {
    char tmp[16 * 1024];
    for (;;) {
      ssize_t n = ::read(fd_, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
  }

  // The shared benchmark parser (response_parser.cpp), here keeping the body.
  std::optional<Response> read_response(bool head) {
    Response r;
    gorae::bench::ResponseParser parser;
    parser.reset(head);
    parser.keep_body(&r.body);
    for (;;) {
      buf_.erase(0, parser.feed(buf_));
      if (parser.failed()) return fail("malformed response");
      if (parser.done()) break;
      if (!fill()) {
        parser.on_eof();
        if (!parser.done()) return fail("connection closed mid-response");
        break;
      }
    }
    r.status = parser.status();
    r.keep_alive = parser.keep_alive();
    return r;
  }

  int fd_ = -1;
  std::string buf_;  // bytes read but not yet parsed
  std::string error_;
};

// The value of "key" in a flat JSON object: a string's contents or a number's
// text. Enough for "Id" and "StatusCode"; not a JSON parser.
std::string json_field(const std::string& body, const std::string& key) {
  auto k = body.find("\"" + key + "\"");
  if (k == std::string::npos) return {};
  auto colon = body.find(':', k + key.size() + 2);
  if (colon == std::string::npos) return {};
  auto v = body.find_first_not_of(" \t\r\n", colon + 1);
  if (v == std::string::npos) return {};
  if (body[v] == '"') {
    auto end = body.find('"', v + 1);
    return end == std::string::npos ? std::string{} : body.substr(v + 1, end - v - 1);
  }
  auto end = body.find_first_of(",} \t\r\n", v);
  return body.substr(v, end == std::string::npos ? std::string::npos : end - v);
}

struct Sample {
  std::int64_t total_ns, create_ns, start_ns, wait_ns, remove_ns;
};

std::int64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

std::string brief(const Response& r) {
  std::string b = r.body.substr(0, 200);
  while (!b.empty() && (b.back() == '\n' || b.back() == '\r')) b.pop_back();
  return std::to_string(r.status) + " " + b;
}

// One create-start-wait-remove; nullopt (with the reason on stderr) on error.
std::optional<Sample> run_once(const Options& o, const std::string& create_body) {
  Connection c(o.socket_path);
  if (!c.ok()) {
    std::fprintf(stderr, "gorae-container-bench: connect %s: %s\n", o.socket_path.c_str(),
                 std::strerror(errno));
    return std::nullopt;
  }
  auto report = [&](const char* what, const std::optional<Response>& r) {
    std::fprintf(stderr, "gorae-container-bench: %s: %s\n", what,
                 r ? brief(*r).c_str() : c.error().c_str());
  };
  Sample s{};
  Clock::time_point t0 = Clock::now();
  auto created = c.request("POST", o.api + "/containers/create", create_body);
  Clock::time_point t1 = Clock::now();
  if (!created || created->status != 201) {
    report("create", created);
    return std::nullopt;
  }
  std::string id = json_field(created->body, "Id");
  if (id.empty()) {
    report("create answered no Id", created);
    return std::nullopt;
  }
  bool ok = true;
  std::optional<Connection> fresh;  // used if the daemon closes after an answer
  auto conn = [&]() -> Connection& { return fresh ? *fresh : c; };
  auto next = [&](const std::optional<Response>& r) {
    if (r && !r->keep_alive) fresh.emplace(o.socket_path);
  };
  next(created);
  auto started = conn().request("POST", o.api + "/containers/" + id + "/start");
  Clock::time_point t2 = Clock::now();
  if (!started || started->status != 204) {
    report("start", started);
    ok = false;
  }
  Clock::time_point t3 = t2;
  if (ok) {
    next(started);
    auto waited = conn().request("POST", o.api + "/containers/" + id + "/wait");
    t3 = Clock::now();
    if (!waited || waited->status != 200 || json_field(waited->body, "StatusCode") != "0") {
      report("wait", waited);
      ok = false;
    } else {
      next(waited);
    }
  }
  // Outside the total: remove the container (force, in case start failed).
  if (!ok) fresh.emplace(o.socket_path);
  auto removed = conn().request("DELETE", o.api + "/containers/" + id + "?force=1");
  Clock::time_point t4 = Clock::now();
  if (!removed || removed->status != 204) {
    report("remove", removed);
    ok = false;
  }
  if (!ok) return std::nullopt;
  s.total_ns = ns_between(t0, t3);
  s.create_ns = ns_between(t0, t1);
  s.start_ns = ns_between(t1, t2);
  s.wait_ns = ns_between(t2, t3);
  s.remove_ns = ns_between(t3, t4);
  return s;
}

// Nearest-rank percentile, in microseconds.
double percentile_us(std::vector<std::int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return static_cast<double>(v[std::max<std::size_t>(rank, 1) - 1]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  // What `docker run busybox true` sends, less the attach and TTY fields.
  std::string body = "{\"Image\":\"" + o.image + "\",\"Cmd\":[\"true\"],\"HostConfig\":{";
  if (!o.network.empty()) body += "\"NetworkMode\":\"" + o.network + "\"";
  body += "}}";

  std::vector<Sample> samples;
  int errors = 0;
  for (int i = 0; i < o.warmup + o.runs; ++i) {
    auto s = run_once(o, body);
    if (i < o.warmup) continue;
    if (s) samples.push_back(*s);
    else ++errors;
    if (errors > 5 && samples.empty()) break;  // a setup problem, not noise
  }

  auto column = [&](std::int64_t Sample::*field) {
    std::vector<std::int64_t> v;
    v.reserve(samples.size());
    for (const Sample& s : samples) v.push_back(s.*field);
    return v;
  };
  auto total = column(&Sample::total_ns);
  double min_us = total.empty() ? 0 : static_cast<double>(*std::min_element(total.begin(), total.end())) / 1000.0;
  double max_us = total.empty() ? 0 : static_cast<double>(*std::max_element(total.begin(), total.end())) / 1000.0;
  std::printf(
      "runs=%zu errors=%d p50_us=%.0f p90_us=%.0f min_us=%.0f max_us=%.0f "
      "create_p50_us=%.0f start_p50_us=%.0f wait_p50_us=%.0f remove_p50_us=%.0f\n",
      samples.size(), errors, percentile_us(total, 0.5), percentile_us(total, 0.9), min_us, max_us,
      percentile_us(column(&Sample::create_ns), 0.5), percentile_us(column(&Sample::start_ns), 0.5),
      percentile_us(column(&Sample::wait_ns), 0.5), percentile_us(column(&Sample::remove_ns), 0.5));
  return samples.empty() ? 1 : 0;
}
