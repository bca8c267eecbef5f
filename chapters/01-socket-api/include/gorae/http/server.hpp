#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "gorae/api/router.hpp"
#include "gorae/base/error.hpp"
#include "gorae/http/listener.hpp"

namespace gorae::http {

struct ServerOptions {
  /// Largest request head; bigger gets 431. Docker's Go server allows 1 MiB,
  /// no docker client comes near 64 KiB.
  std::uint32_t header_limit = 64 * 1024;
  /// Largest request body of a route that takes it in memory; bigger gets
  /// 413. Routes declared with api::RequestBody::spooled have no limit.
  std::uint64_t body_limit = 32 * 1024 * 1024;
  /// Where spooled bodies are written, as files without a name
  /// (base::open_unnamed_file). Empty means $TMPDIR, else /tmp; the daemon
  /// passes DATA_ROOT/tmp, as dockerd does, so an archive lands on the disk
  /// that gets its layers anyway rather than in a tmpfs's memory.
  std::string spool_dir;
  /// A connection must deliver each whole request within this time, counted
  /// from the end of the previous response: it bounds idle keep-alive
  /// connections and slow ("slowloris") senders alike. A spooled body may
  /// take longer as a whole, but each piece of it must arrive within this.
  std::chrono::milliseconds read_timeout{std::chrono::minutes(2)};
  /// A client that does not read its response within this time is dropped.
  std::chrono::milliseconds write_timeout{std::chrono::minutes(2)};
  /// After stop(), in-flight requests get this long to finish.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
  /// Threads running the I/O loop; 0 means one per CPU.
  unsigned threads = 0;
};

/// The HTTP/1.1 server (Boost.Beast behind a pimpl: no other part of gorae
/// compiles Beast). It serves one Router on any number of listeners, with
/// keep-alive and pipelining.
class Server {
 public:
  Server(const api::Router& router, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Starts accepting on `listener` (call before or during run()).
  Status add_listener(Listener listener);

  /// Serves until stop() has been called and the last in-flight request is
  /// answered (or the shutdown grace runs out).
  void run();

  /// Stops accepting, closes idle connections, lets in-flight requests
  /// finish. Safe to call from any thread, more than once.
  void stop();

  struct Impl;  ///< opaque: the Beast machinery lives in http_server.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gorae::http
