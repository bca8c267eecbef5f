// gorae-api-load: a closed-loop HTTP/1.1 load generator for a unix socket.
//
// N keep-alive connections each have exactly one request in flight (no
// pipelining, like the docker CLI and SDKs); as soon as an answer is complete
// the next request goes out. One thread drives all connections with epoll,
// because the 2-core bench machine is shared with the server under test and
// every cycle the generator burns is a cycle the server does not get.
//
//   gorae-api-load --socket PATH --path /_ping [--method GET]
//                  --connections N --duration S [--warmup S]
//
// Output, one line:
//   path=/_ping conns=8 requests=R errors=E rps=X p50_us=A p99_us=B
// requests, rps and the percentiles count 2xx answers that started after the
// warmup and finished before the end; everything else is an error.

#include "response_parser.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using gorae::bench::ResponseParser;

struct Options {
  std::string socket_path;
  std::string path = "/_ping";
  std::string method = "GET";
  int connections = 1;
  double duration_s = 5;
  double warmup_s = 0;
};

[[noreturn]] void usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "gorae-api-load: %s\n", why);
  std::fprintf(stderr,
               "usage: gorae-api-load --socket PATH --path /_ping [--method GET]\n"
               "                      --connections N --duration SECONDS"
               " [--warmup SECONDS]\n");
  std::exit(2);
}

double parse_seconds(const std::string& s, bool allow_zero) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v) || v < 0 ||
      (v == 0 && !allow_zero)) {
    usage(("bad number of seconds: " + s).c_str());
  }
  return v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (arg == "-h" || arg == "--help") usage(nullptr);
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);  // --opt=value
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      usage(("missing value for " + arg).c_str());
    }
    if (arg == "--socket") o.socket_path = value;
    else if (arg == "--path") o.path = value;
    else if (arg == "--method") o.method = value;
    else if (arg == "--connections") o.connections = std::atoi(value.c_str());
    else if (arg == "--duration") o.duration_s = parse_seconds(value, false);
    else if (arg == "--warmup") o.warmup_s = parse_seconds(value, true);
    else usage(("unknown option " + arg).c_str());
  }
  if (o.socket_path.empty()) usage("--socket is required");
  if (o.socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) usage("socket path too long");
  if (o.path.empty() || o.path[0] != '/') usage("--path must start with /");
  if (o.connections < 1 || o.connections > 10000) usage("--connections must be 1..10000");
  return o;
}

// Blocking connect, then non-blocking I/O: a unix-socket connect either
// succeeds at once or fails, and a blocking one never sees EAGAIN when the
// server's accept backlog is briefly full.
int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0 ||
      ::fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

struct Conn {
  int fd = -1;
  ResponseParser parser;
  std::size_t sent = 0;        // bytes of the request already written
  bool want_out = false;       // registered for EPOLLOUT after a short write
  Clock::time_point started;   // when the current request began
  Clock::time_point retry_at;  // next reconnect attempt while fd == -1
};

class LoadRun {
 public:
  explicit LoadRun(const Options& o) : opt_(o), conns_(static_cast<std::size_t>(o.connections)) {
    request_ = o.method + " " + o.path + " HTTP/1.1\r\nHost: localhost\r\n"
               "User-Agent: gorae-api-load\r\nAccept: */*\r\n";
    if (o.method != "GET" && o.method != "HEAD") request_ += "Content-Length: 0\r\n";
    request_ += "\r\n";
    head_ = o.method == "HEAD";
    samples_ns_.reserve(1 << 20);
  }

  int run();

 private:
  void start_request(Conn& c);
  void write_some(Conn& c);
  void read_some(Conn& c);
  void complete(Conn& c);
  void fail(Conn& c);
  bool reconnect(Conn& c);
  void close_conn(Conn& c);
  bool in_window(const Conn& c, Clock::time_point now) const {
    return c.started >= measure_from_ && now <= end_;
  }
  void print() const;

  const Options& opt_;
  std::vector<Conn> conns_;
  std::string request_;
  bool head_ = false;
  int ep_ = -1;
  Clock::time_point measure_from_, end_;
  std::vector<std::int64_t> samples_ns_;  // one per 2xx answer in the window
  std::uint64_t errors_ = 0;
};

void LoadRun::start_request(Conn& c) {
  c.parser.reset(head_);
  c.sent = 0;
  c.started = Clock::now();
  write_some(c);
}

void LoadRun::write_some(Conn& c) {
  while (c.sent < request_.size()) {
    ssize_t n = ::send(c.fd, request_.data() + c.sent, request_.size() - c.sent,
                       MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) return fail(c);
    c.sent += static_cast<std::size_t>(n);
  }
  // Only ask for EPOLLOUT while a write is pending; otherwise a writable
  // socket would wake epoll on every loop.
  bool want_out = c.sent < request_.size();
  if (want_out != c.want_out) {
    epoll_event ev{};
    ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
    ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.want_out = want_out;
  }
}

void LoadRun::read_some(Conn& c) {
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(c.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      if (n == 0) c.parser.on_eof();
      return c.parser.done() ? complete(c) : fail(c);
    }
    std::size_t used = c.parser.feed({buf, static_cast<std::size_t>(n)});
    // Bytes beyond one complete answer cannot happen without pipelining.
    if (c.parser.failed() || used != static_cast<std::size_t>(n)) return fail(c);
    if (c.parser.done()) return complete(c);
  }
}

void LoadRun::complete(Conn& c) {
  Clock::time_point now = Clock::now();
  if (in_window(c, now)) {
    if (c.parser.status() >= 200 && c.parser.status() < 300) {
      samples_ns_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                now - c.started).count());
    } else {
      ++errors_;
    }
  }
  if (!c.parser.keep_alive()) {
    close_conn(c);
    if (!reconnect(c)) return;
  }
  start_request(c);
}

// The main loop reconnects, not fail() itself: a server that accepts and
// then resets every connection must not turn into unbounded recursion.
void LoadRun::fail(Conn& c) {
  Clock::time_point now = Clock::now();
  if (in_window(c, now)) ++errors_;
  close_conn(c);
  c.retry_at = now;
}

void LoadRun::close_conn(Conn& c) {
  if (c.fd >= 0) ::close(c.fd);  // close also removes it from the epoll set
  c.fd = -1;
  c.want_out = false;
}

// On failure the connection sleeps 10 ms before the next attempt, so a dead
// server costs a few error counts rather than a busy loop.
bool LoadRun::reconnect(Conn& c) {
  c.fd = connect_unix(opt_.socket_path);
  if (c.fd >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
    if (::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) == 0) return true;
    close_conn(c);
  }
  c.retry_at = Clock::now() + std::chrono::milliseconds(10);
  return false;
}

int LoadRun::run() {
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) {
    std::perror("gorae-api-load: epoll_create1");
    return 1;
  }
  // A server that is not there is a setup error, not a stream of errors.
  for (Conn& c : conns_) {
    if (!reconnect(c)) {
      std::fprintf(stderr, "gorae-api-load: connect %s: %s\n",
                   opt_.socket_path.c_str(), std::strerror(errno));
      return 1;
    }
  }
  auto to_dur = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  measure_from_ = Clock::now() + to_dur(opt_.warmup_s);
  end_ = measure_from_ + to_dur(opt_.duration_s);
  for (Conn& c : conns_) start_request(c);

  std::vector<epoll_event> events(conns_.size());
  for (Clock::time_point now = Clock::now(); now < end_; now = Clock::now()) {
    Clock::time_point wake = end_;
    for (const Conn& c : conns_) {
      if (c.fd < 0) wake = std::min(wake, c.retry_at);
    }
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()),
                         static_cast<int>(std::max<decltype(ms)>(ms, 0)));
    if (n < 0 && errno != EINTR) {
      std::perror("gorae-api-load: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      Conn& c = conns_[events[static_cast<std::size_t>(i)].data.u64];
      std::uint32_t ev = events[static_cast<std::size_t>(i)].events;
      if (c.fd < 0) continue;  // closed earlier in this batch
      if ((ev & EPOLLOUT) != 0) write_some(c);
      if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read_some(c);
    }
    now = Clock::now();
    for (Conn& c : conns_) {
      if (c.fd < 0 && c.retry_at <= now && now < end_) {
        if (reconnect(c)) {
          start_request(c);
        } else if (now >= measure_from_) {
          ++errors_;
        }
      }
    }
  }
  for (Conn& c : conns_) close_conn(c);
  ::close(ep_);
  print();
  return samples_ns_.empty() ? 1 : 0;
}

// Nearest-rank percentile: the smallest sample with at least p of the samples
// at or below it. nth_element is O(n), so a million samples cost milliseconds.
double percentile_us(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  auto nth = v.begin() + static_cast<std::ptrdiff_t>(std::max<std::size_t>(rank, 1) - 1);
  std::nth_element(v.begin(), nth, v.end());
  return static_cast<double>(*nth) / 1000.0;
}

void LoadRun::print() const {
  std::vector<std::int64_t> v = samples_ns_;
  double p50 = percentile_us(v, 0.50);
  double p99 = percentile_us(v, 0.99);
  std::printf("path=%s conns=%d requests=%zu errors=%llu rps=%.0f p50_us=%.0f p99_us=%.0f\n",
              opt_.path.c_str(), opt_.connections, samples_ns_.size(),
              static_cast<unsigned long long>(errors_),
              static_cast<double>(samples_ns_.size()) / opt_.duration_s, p50, p99);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_args(argc, argv);
  return LoadRun(opt).run();
}
