// The only translation unit (with http_client.cpp) that compiles Beast: the
// rest of gorae sees api::Request and api::Response.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <stop_token>
#include <atomic>
#include <cctype>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "gorae/api/error.hpp"
#include "gorae/base/log.hpp"
#include "gorae/base/temp_file.hpp"
#include "gorae/http/server.hpp"

namespace gorae::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using local = net::local::stream_protocol;
using Clock = std::chrono::steady_clock;
constexpr std::size_t kSpoolRead = 64 * 1024;  // Beast's largest read

class Session;

}  // namespace

struct Server::Impl {
  Impl(const api::Router& r, ServerOptions o) : router(r), options(std::move(o)) {
    if (options.spool_dir.empty()) {
      const char* tmpdir = std::getenv("TMPDIR");
      options.spool_dir = tmpdir && *tmpdir ? tmpdir : "/tmp";
    }
    unsigned count = options.threads ? options.threads
                                     : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 1; i < count; ++i) workers.push_back(std::make_unique<net::io_context>());
  }
  // Sessions still queued in an io_context unregister themselves while it
  // is destroyed, so the registry (declared before them) must outlive it.
  ~Impl() {
    grace_timer.reset();
    sweeper.reset();
  }

  void accept(local::acceptor& acceptor);
  void add_session(const std::shared_ptr<Session>& session);
  void remove_session(Session* session);
  void begin_shutdown();
  void stream_started();
  void stream_finished();
  void wait_for_streams();
  void sweep();
  void arm_sweeper();  // with mutex held

  const api::Router& router;
  ServerOptions options;

  std::mutex mutex;  // guards sessions, stopping and both timers
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  bool stopping = false;
  int active_streams = 0;  // threads running a Response::stream
  std::condition_variable streams_done;
  std::atomic<bool> hard_stopped{false};  // the grace ran out: give up on writes
  std::optional<net::steady_timer> grace_timer;
  std::optional<net::steady_timer> sweeper;

  // One io_context per thread, each run by exactly one thread: a
  // connection lives on one of them, so its handlers never need a strand
  // and never hop between cores. `ioc` also owns the listeners and timers.
  // Declared first, destroyed last: an accept still pending in `ioc` holds
  // a socket that already belongs to one of the workers.
  std::vector<std::unique_ptr<net::io_context>> workers;
  net::io_context ioc;
  std::atomic<std::size_t> next_context{0};
  std::vector<std::unique_ptr<local::acceptor>> acceptors;

  net::io_context& context_for_next_connection() {
    std::size_t n = next_context++ % (workers.size() + 1);
    return n == 0 ? ioc : *workers[n - 1];
  }
  void stop_all() {
    hard_stopped = true;
    ioc.stop();
    for (auto& worker : workers) worker->stop();
  }
};

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The body of a route that takes api::RequestBody::spooled: Beast's parser
// hands over the decoded bytes (chunked or not) as they arrive and they go
// straight to an unnamed file, so a body of any size costs one read buffer.
struct SpoolBody {
  struct value_type {
    base::UniqueFd file;
    int write_errno = 0;  // set when the file refused the bytes (ENOSPC...)
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) { ec = {}; }
    template <class Buffers>
    std::size_t put(const Buffers& buffers, beast::error_code& ec) {
      std::size_t taken = 0;
      for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
        net::const_buffer piece = *it;
        const char* data = static_cast<const char*>(piece.data());
        for (std::size_t done = 0; done < piece.size();) {
          ssize_t n = ::write(body_.file.get(), data + done, piece.size() - done);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) {
            body_.write_errno = errno;
            ec.assign(errno, beast::system_category());
            return taken;
          }
          done += static_cast<std::size_t>(n);
          taken += static_cast<std::size_t>(n);
        }
      }
      ec = {};
      return taken;
    }
    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

// One connection: read a request, answer it, repeat (keep-alive). Requests
// already in the buffer are read next, which is all pipelining needs. Every
// step runs on the one thread that runs the connection's io_context.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(local::socket socket, Server::Impl& server)
      : socket_(std::move(socket)), server_(server) {}
  ~Session() { server_.remove_session(this); }

  void start(bool stopping) {
    net::dispatch(socket_.get_executor(), [self = shared_from_this(), stopping] {
      self->stopping_ = stopping;
      self->do_read();
    });
  }

  // Idle connections close now; a request in progress finishes first.
  // The flag is set at once so that a request being handled right now
  // already answers with "Connection: close".
  void shutdown() {
    stopping_ = true;
    stream_stop_.request_stop();
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->reading_) self->socket_.cancel();
    });
  }

  // Called by the sweeper: a read or write that outlived its deadline is
  // cancelled, which closes the connection.
  void expire_if_late(Clock::rep now) {
    auto deadline = deadline_.load(std::memory_order_relaxed);
    if (deadline == 0 || deadline > now) return;
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      auto current = self->deadline_.load(std::memory_order_relaxed);
      if (current != 0 && current <= Clock::now().time_since_epoch().count()) {
        beast::error_code ignored;
        self->socket_.cancel(ignored);
      }
    });
  }

 private:
  // The head comes first: the route it names decides where the body goes.
  void do_read() {
    if (stopping_) return do_close();
    parser_.emplace();
    parser_->header_limit(server_.options.header_limit);
    parser_->body_limit(boost::none);  // set in on_header, once the route is known
    set_deadline(server_.options.read_timeout);
    reading_ = true;
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read(ec, 0);
    // A spooled route always gets its file, an empty one for an empty body.
    if (spooled()) return parser_->is_done() ? start_spool() : continue_then(&Session::start_spool);
    if (parser_->is_done()) return on_read(ec, 0);
    // Beast checks a Content-Length against the limit only while it parses
    // the head, which it did without one; a chunked body counts as it comes.
    auto length = parser_->content_length();
    if (length && *length > server_.options.body_limit) return on_read(bhttp::error::body_limit, 0);
    parser_->body_limit(server_.options.body_limit);
    continue_then(&Session::read_body);
  }

  void read_body() {
    bhttp::async_read(socket_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  bool spooled() const {
    const auto& head = parser_->get();
    try {
      return server_.router.request_body(head.method_string(), head.target()) ==
             api::RequestBody::spooled;
    } catch (const std::exception&) {
      return false;  // a lab's unwritten router: dispatch answers with the reason
    }
  }

  // curl asks before it sends a large body ("Expect: 100-continue", RFC 9110
  // section 10.1.1), and otherwise waits a second for an answer that never comes.
  void continue_then(void (Session::*next)()) {
    if (!beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) return (this->*next)();
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(socket_, net::buffer(kContinue),
                     [self = shared_from_this(), next](beast::error_code ec, std::size_t) {
                       if (ec) return self->do_close();
                       ((*self).*next)();
                     });
  }

  void start_spool() {
    auto file = base::open_unnamed_file(server_.options.spool_dir);
    if (!file) {
      GORAE_LOG_ERROR("spool a request body: %s", file.error().what().c_str());
      reading_ = false;
      return write_error(500, "spool the request body: " + file.error().what());
    }
    spool_.emplace(std::move(*parser_));
    parser_.reset();
    spool_->get().body().file = std::move(*file);
    // Beast reads no more than the buffer's spare capacity (at least 512
    // bytes, at most 64 KiB): left at what the head needed, a 100 MiB body
    // took 200000 reads and as many writes.
    buffer_.reserve(buffer_.size() + kSpoolRead);
    if (spool_->is_done()) return on_spool({}, 0);
    read_spool();
  }

  // Piece by piece, each with its own deadline: a large body may take longer
  // than read_timeout as a whole, a stalled one may not.
  void read_spool() {
    set_deadline(server_.options.read_timeout);
    bhttp::async_read_some(socket_, buffer_, *spool_,
                           beast::bind_front_handler(&Session::on_spool, shared_from_this()));
  }

  void on_spool(beast::error_code ec, std::size_t) {
    if (!ec && !spool_->is_done()) return read_spool();
    reading_ = false;
    int write_errno = spool_->get().body().write_errno;
    if (!ec && ::lseek(spool_->get().body().file.get(), 0, SEEK_SET) != 0) write_errno = errno;
    if (ec || write_errno) {
      spool_.reset();  // the file goes now, not when the session ends
      if (!write_errno) return on_read(ec, 0);
      GORAE_LOG_ERROR("spool a request body: %s", std::strerror(write_errno));
      return write_error(500, std::string("spool the request body: ") + std::strerror(write_errno));
    }
    auto message = spool_->release();
    spool_.reset();
    buffer_.shrink_to_fit();  // an idle keep-alive connection keeps no 64 KiB
    serve(std::move(message));
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted)
      return do_close();
    if (ec == bhttp::error::body_limit)
      return write_error(413, "request body is larger than the limit of " +
                                  std::to_string(server_.options.body_limit) + " bytes");
    if (ec == bhttp::error::header_limit)
      return write_error(431, "request header fields are larger than the limit of " +
                                  std::to_string(server_.options.header_limit) + " bytes");
    // Every other parser error (garbage, a bad Content-Length, a body cut
    // short by a half-close) gets a 400 before the connection closes.
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category())
      return write_error(400, "malformed HTTP request: " + ec.message());
    if (ec) return do_close();
    serve(parser_->release());
  }

  template <class Body>
  void serve(bhttp::request<Body> message) {
    try {
      handle(std::move(message));
    } catch (const std::exception& error) {
      GORAE_LOG_ERROR("answering a request failed: %s", error.what());
      do_close();
    }
  }

  template <class Body>
  void handle(bhttp::request<Body> message) {
    auto request = api::Request::from_target(std::string(message.method_string()),
                                             std::string(message.target()));
    for (const auto& field : message)
      request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    if constexpr (std::is_same_v<Body, SpoolBody>)
      request.body_file = std::make_shared<const base::UniqueFd>(std::move(message.body().file));
    else
      request.body = std::move(message.body());
    api::Response response = server_.router.dispatch(request);
    GORAE_LOG_DEBUG("%s %s -> %d", request.method.c_str(), request.target.c_str(),
                    response.status);
    bool keep_alive = message.keep_alive() && !stopping_;
    if (response.hijack) return send_head_then(std::move(response), false);
    if (response.stream) return send_head_then(std::move(response), keep_alive);
    send(std::move(response), keep_alive, message.method() == bhttp::verb::head);
  }

  // Streaming and hijacked answers: the head goes out now, the rest later.
  void send_head_then(api::Response response, bool keep_alive) {
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    head->result(static_cast<unsigned>(response.status));
    head->version(11);
    for (auto& [name, value] : response.headers) head->set(name, value);
    if (response.stream) {
      head->keep_alive(keep_alive);
      head->chunked(true);
    }
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    set_deadline(server_.options.write_timeout);
    bhttp::async_write_header(
        socket_, *serializer,
        [self = shared_from_this(), head, serializer, keep_alive,
         stream = std::move(response.stream),
         hijack = std::move(response.hijack)](beast::error_code ec, std::size_t) mutable {
          self->deadline_ = 0;
          if (ec) return self->do_close();
          if (hijack) return self->hand_over(std::move(hijack));
          self->run_stream(std::move(stream), keep_alive);
        });
  }

  void run_stream(std::function<void(api::BodyWriter&)> stream, bool keep_alive) {
    stream_stop_ = std::stop_source();
    if (stopping_) stream_stop_.request_stop();
    watch_for_hangup();
    server_.stream_started();
    std::thread([self = shared_from_this(), stream = std::move(stream), keep_alive] {
      ChunkWriter writer(self);
      try {
        stream(writer);
      } catch (const std::exception& error) {
        GORAE_LOG_ERROR("streaming a response failed: %s", error.what());
      }
      bool ended = writer.send(std::make_shared<std::string>("0\r\n\r\n"));
      net::post(self->socket_.get_executor(), [self, ended, keep_alive] {
        beast::error_code ignored;
        self->socket_.cancel(ignored);  // the hang-up watch
        if (!ended || !keep_alive || self->client_gone_) return self->do_close();
        self->do_read();
      });
      self->server_.stream_finished();
    }).detach();
  }

  // While a stream runs nobody reads the socket; a readable socket with
  // nothing in it means the client hung up (docker run -d drops its /wait).
  void watch_for_hangup() {
    socket_.async_wait(local::socket::wait_read, [self = shared_from_this()](
                                                     beast::error_code ec) {
      if (ec) return;
      char byte;
      ssize_t n = ::recv(self->socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        self->client_gone_ = true;
        self->stream_stop_.request_stop();
      }
      // n > 0: the client already sent its next request; it waits its turn.
    });
  }

  // The hijack owns the connection from here: it gets the descriptor in
  // blocking mode and whatever the client sent after the request.
  void hand_over(std::function<void(base::UniqueFd, std::string)> hijack) {
    std::string early(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    beast::error_code ec;
    int fd = socket_.release(ec);
    if (ec) return do_close();
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    std::thread([hijack = std::move(hijack), fd, early = std::move(early)]() mutable {
      try {
        hijack(base::UniqueFd(fd), std::move(early));
      } catch (const std::exception& error) {
        GORAE_LOG_ERROR("hijacked connection failed: %s", error.what());
      }
    }).detach();
  }

  // Response::stream's writer: each write becomes one chunk, written on the
  // connection's own thread while the stream's thread waits for it.
  class ChunkWriter : public api::BodyWriter {
   public:
    explicit ChunkWriter(std::shared_ptr<Session> session) : session_(std::move(session)) {}

    bool write(std::string_view bytes) override {
      if (bytes.empty()) return !gone_;
      char size[24];
      std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
      auto chunk = std::make_shared<std::string>(size);
      chunk->append(bytes);
      chunk->append("\r\n");
      return send(std::move(chunk));
    }

    std::stop_token stop_token() const override { return session_->stream_stop_.get_token(); }

    bool send(std::shared_ptr<std::string> data) {
      if (gone_) return false;
      auto done = std::make_shared<std::promise<bool>>();
      auto written = done->get_future();
      Session& session = *session_;
      net::post(session.socket_.get_executor(), [self = session_, data, done] {
        self->set_deadline(self->server_.options.write_timeout);
        net::async_write(self->socket_, net::buffer(*data),
                         [self, data, done](beast::error_code ec, std::size_t) {
                           self->deadline_ = 0;
                           done->set_value(!ec);
                         });
      });
      while (written.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
        if (session.server_.hard_stopped) return !(gone_ = true);
      }
      gone_ = !written.get();
      return !gone_;
    }

   private:
    std::shared_ptr<Session> session_;
    bool gone_ = false;
  };

  void write_error(int status, const std::string& message) {
    auto response = api::error_response(status, message);
    api::Router::add_common_headers(response);
    send(std::move(response), false);
  }

  // A HEAD answer carries the length the GET answer would have, and no body.
  void send(api::Response response, bool keep_alive, bool head = false) {
    response_.clear();
    response_.result(static_cast<unsigned>(response.status));
    response_.version(11);
    for (auto& [name, value] : response.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    if (head) {
      response_.body().clear();
      response_.content_length(response.body.size());
    } else {
      response_.body() = std::move(response.body);
      response_.prepare_payload();
    }
    set_deadline(server_.options.write_timeout);
    bhttp::async_write(socket_, response_,
                       beast::bind_front_handler(&Session::on_write, shared_from_this(),
                                                 keep_alive));
  }

  void on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec || !keep_alive) return do_close();
    do_read();
  }

  void do_close() {
    deadline_ = 0;
    beast::error_code ignored;
    socket_.shutdown(local::socket::shutdown_send, ignored);
  }

  // Timeouts cost one clock read per step: a server-wide sweeper compares
  // deadlines, instead of arming a timer for every read and write.
  void set_deadline(std::chrono::milliseconds timeout) {
    deadline_.store((Clock::now() + timeout).time_since_epoch().count(),
                    std::memory_order_relaxed);
  }

  local::socket socket_;
  std::atomic<Clock::rep> deadline_{0};
  std::stop_source stream_stop_;
  bool client_gone_ = false;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request_parser<SpoolBody>> spool_;  // instead of parser_ for spooled routes
  bhttp::response<bhttp::string_body> response_;
  Server::Impl& server_;
  bool reading_ = false;
  std::atomic<bool> stopping_{false};
};

}  // namespace

void Server::Impl::accept(local::acceptor& acceptor) {
  acceptor.async_accept(context_for_next_connection(), [this, &acceptor](beast::error_code ec,
                                                                        local::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // EMFILE and friends: wait a little instead of spinning on the error.
      GORAE_LOG_WARN("accept: %s", ec.message().c_str());
      auto timer = std::make_shared<net::steady_timer>(acceptor.get_executor(),
                                                       std::chrono::milliseconds(100));
      timer->async_wait([this, &acceptor, timer](beast::error_code) {
        if (acceptor.is_open()) accept(acceptor);
      });
      return;
    }
    add_session(std::make_shared<Session>(std::move(socket), *this));
    accept(acceptor);
  });
}

void Server::Impl::arm_sweeper() {
  auto shortest = std::min(options.read_timeout, options.write_timeout);
  auto interval = std::clamp(shortest / 4, std::chrono::milliseconds(10),
                             std::chrono::milliseconds(1000));
  sweeper->expires_after(interval);
  sweeper->async_wait([this](beast::error_code ec) {
    if (!ec) sweep();
  });
}

void Server::Impl::sweep() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mutex);
    for (auto& [raw, weak] : sessions)
      if (auto session = weak.lock()) live.push_back(std::move(session));
    if (!stopping || !sessions.empty()) arm_sweeper();
  }
  auto now = Clock::now().time_since_epoch().count();
  for (auto& session : live) session->expire_if_late(now);
}

void Server::Impl::stream_started() {
  std::lock_guard lock(mutex);
  ++active_streams;
}

void Server::Impl::stream_finished() {
  std::lock_guard lock(mutex);
  if (--active_streams == 0) streams_done.notify_all();
}

void Server::Impl::wait_for_streams() {
  std::unique_lock lock(mutex);
  streams_done.wait(lock, [this] { return active_streams == 0; });
}

void Server::Impl::add_session(const std::shared_ptr<Session>& session) {
  bool now_stopping;
  {
    std::lock_guard lock(mutex);
    sessions.emplace(session.get(), session);
    now_stopping = stopping;
  }
  session->start(now_stopping);
}

void Server::Impl::remove_session(Session* session) {
  std::lock_guard lock(mutex);
  sessions.erase(session);
  if (stopping && sessions.empty()) {
    if (grace_timer) grace_timer->cancel();
    if (sweeper) sweeper->cancel();
  }
}

void Server::Impl::begin_shutdown() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mutex);
    if (stopping) return;
    stopping = true;
    if (sessions.empty() && sweeper) sweeper->cancel();
    for (auto& [raw, weak] : sessions)
      if (auto session = weak.lock()) live.push_back(std::move(session));
    if (!live.empty()) {
      grace_timer.emplace(ioc, options.shutdown_grace);
      grace_timer->async_wait([this](beast::error_code ec) {
        if (ec) return;  // cancelled: every connection finished in time
        GORAE_LOG_WARN("shutdown grace of %lld ms ran out; closing remaining connections",
                       static_cast<long long>(options.shutdown_grace.count()));
        stop_all();
      });
    }
  }
  for (auto& acceptor : acceptors) {
    net::post(acceptor->get_executor(), [raw = acceptor.get()] {
      beast::error_code ignored;
      raw->close(ignored);
    });
  }
  for (auto& session : live) session->shutdown();
}

Server::Server(const api::Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, options)) {}

Server::~Server() = default;

Status Server::add_listener(Listener listener) {
  auto acceptor = std::make_unique<local::acceptor>(impl_->ioc);
  beast::error_code ec;
  acceptor->assign(local(), listener.fd.get(), ec);
  if (ec) return fail(Errc::system, "serve " + listener.description + ": " + ec.message());
  (void)listener.fd.release();  // the acceptor owns it now
  impl_->accept(*acceptor);
  impl_->acceptors.push_back(std::move(acceptor));
  std::lock_guard lock(impl_->mutex);
  if (!impl_->sweeper) {
    impl_->sweeper.emplace(impl_->ioc);
    impl_->arm_sweeper();
  }
  return {};
}

void Server::run() {
  // The workers idle until connections arrive, so they hold a work guard.
  // The main context runs out of work once stopping has finished (listeners
  // closed, no session left, timers cancelled); then the workers may end.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  for (auto& worker : impl_->workers) {
    guards.push_back(net::make_work_guard(*worker));
    threads.emplace_back([&context = *worker] { context.run(); });
  }
  impl_->ioc.run();
  guards.clear();
  for (auto& thread : threads) thread.join();
  // A stream's thread holds its session; let it notice the stop and end
  // before the contexts it refers to go away.
  impl_->wait_for_streams();
}

void Server::stop() {
  // Directly, not posted: the main context may be busy with a slow request,
  // and that request must already learn that the server is stopping.
  impl_->begin_shutdown();
}

}  // namespace gorae::http
