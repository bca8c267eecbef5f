#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gorae/api/router.hpp"
#include "gorae/http/server.hpp"

namespace gorae::testing {

using namespace std::chrono_literals;

/// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// A client that writes raw bytes, for the cases a proper client cannot
/// produce (garbage, pipelining, truncated bodies).
class RawConnection {
 public:
  explicit RawConnection(const std::string& socket_path);
  ~RawConnection();
  bool connected() const { return fd_ >= 0; }
  void send(const std::string& bytes);
  void shutdown_write();
  /// Reads one response (head + Content-Length or chunked body); empty when the
  /// peer closed or nothing arrived within the timeout.
  std::string read_response(std::chrono::milliseconds timeout = 5s);
  /// Reads only a response head (up to the blank line), for HEAD requests.
  std::string read_head(std::chrono::milliseconds timeout = 5s);
  /// Everything received so far and not yet consumed (after closed_by_peer).
  std::string read_all_buffered();
  /// True when the peer has closed (read returns 0) within the timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout = 5s);

 private:
  bool fill(std::chrono::milliseconds timeout);
  int fd_ = -1;
  std::string buffer_;
};

/// Parsed pieces of a raw response.
struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};
RawResponse parse_raw_response(const std::string& text);

/// An http::Server on a temporary socket, run on its own thread.
class TestServer {
 public:
  explicit TestServer(const api::Router& router, http::ServerOptions options = {});
  ~TestServer();
  const std::string& socket_path() const { return socket_path_; }
  /// Stops the server and waits for run() to return.
  void stop();

 private:
  TempDir dir_;
  std::string socket_path_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

/// A child process; killed (SIGKILL) and reaped on destruction if still running.
class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv,
             const std::vector<std::string>& extra_env = {},
             const std::string& output_file = "");
  ~Subprocess();
  pid_t pid() const { return pid_; }
  /// Sends a signal and waits for the exit; returns the wait status or
  /// nullopt if it did not exit in time.
  std::optional<int> signal_and_wait(int signal, std::chrono::milliseconds timeout = 10s);
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
};

/// Runs a shell command and returns its exit status and combined output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::string& command);

/// Waits until `GET /_ping` on the socket answers 200.
bool wait_for_ping(const std::string& socket_path, std::chrono::milliseconds timeout = 20s);

}  // namespace gorae::testing
