// Incremental HTTP/1.1 response parser for the benchmark clients.
//
// Only what a benchmark client needs from RFC 9112: the status line, the
// framing headers (Content-Length, Transfer-Encoding: chunked, Connection) and
// the body boundaries. Header values other than those are skipped, and bodies
// are counted, not stored, so parsing a 3 KB /info answer costs no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gorae::bench {

class ResponseParser {
 public:
  /// Prepares for the next response. A HEAD answer has headers but no body.
  void reset(bool head_request);

  /// Also keeps the body's bytes in `*body` (until the next reset); by
  /// default bodies are only counted.
  void keep_body(std::string* body) { body_ = body; }

  /// Consumes bytes from `data` and returns how many it used. It stops early
  /// once the response is complete, so leftover bytes mean the server sent
  /// more than one response.
  std::size_t feed(std::string_view data);

  /// The peer closed the connection: completes a body delimited by close
  /// (neither Content-Length nor chunked), fails anything else.
  void on_eof();

  [[nodiscard]] bool done() const { return state_ == State::kDone; }
  [[nodiscard]] bool failed() const { return state_ == State::kError; }
  [[nodiscard]] int status() const { return status_; }
  /// False when the server asked to close (Connection: close, HTTP/1.0, or a
  /// body that ends at close).
  [[nodiscard]] bool keep_alive() const { return keep_alive_; }

 private:
  enum class State {
    kStatusLine, kHeaders, kBody, kChunkSize, kChunkData, kChunkDataEnd,
    kTrailers, kUntilClose, kDone, kError,
  };

  static constexpr std::size_t kMaxLine = 64 * 1024;

  bool take_line(std::string_view& data);
  void on_line();
  void on_status_line();
  void on_header();
  void on_headers_end();
  void on_chunk_size();

  State state_ = State::kStatusLine;
  bool head_request_ = false;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool has_length_ = false;
  int status_ = 0;
  std::uint64_t remaining_ = 0;  // body or chunk bytes still to come
  std::string line_;             // the current line, possibly split by reads
  std::string* body_ = nullptr;  // where to keep the body, if anywhere
};

}  // namespace gorae::bench
