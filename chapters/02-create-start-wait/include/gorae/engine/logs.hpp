#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "gorae/base/error.hpp"

namespace gorae::engine {

enum class StreamKind : std::uint8_t { stdin_stream = 0, stdout_stream = 1, stderr_stream = 2 };

/// The 8-byte header dockerd puts before each chunk of a non-Tty stream:
/// {stream, 0, 0, 0, size as big-endian uint32}, then the bytes.
std::string frame(StreamKind stream, std::string_view bytes);

/// One line of Docker's json-file log:
/// {"log":"hello\n","stream":"stdout","time":"2026-11-24T07:00:00.123456789Z"}
struct LogEntry {
  StreamKind stream = StreamKind::stdout_stream;
  std::string text;  ///< including its trailing newline, if it had one
  std::chrono::system_clock::time_point time;
};

/// One json-file line, ending in "\n". Keys and time are written as dockerd
/// writes them: "time" is Go's RFC3339Nano, whose trailing zeros are trimmed
/// (".12Z", or no fraction at all on a whole second). Invalid UTF-8 becomes
/// U+FFFD; control characters are escaped, so the line holds one '\n'.
std::string format_log_line(const LogEntry& entry);
/// @return the entry, or nullopt for anything that is not a json-file line
/// (garbage, a truncated write, an unknown stream, a malformed time).
std::optional<LogEntry> parse_log_line(std::string_view line);
/// RFC 3339 in UTC with always nine fraction digits, as `docker logs -t`
/// prints it (Go's RFC3339NanoFixed): "2026-11-24T07:00:00.120000000Z".
std::string rfc3339_nano(std::chrono::system_clock::time_point time);

/// Appends entries to a container's json-file log. Output is split into
/// lines as the container writes them; a partial line waits for its end
/// (or for flush(), when the stream closes; the destructor flushes too).
/// A line longer than 16 KiB goes out in 16 KiB entries without newline,
/// as dockerd does. Thread-safe. Write errors are logged, not returned:
/// the container must not stall because its log cannot be written.
class LogWriter {
 public:
  /// Opens (creating it, mode 0640) `path` for appending.
  /// @return the writer, or the open(2) error (ENOENT, EACCES, ...).
  static Result<LogWriter> open(const std::string& path);
  LogWriter(LogWriter&&) noexcept;
  ~LogWriter();
  void write(StreamKind stream, std::string_view bytes);
  void flush();

 private:
  struct Impl;
  explicit LogWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct LogQuery {
  bool stdout_wanted = true;
  bool stderr_wanted = true;
  /// Last N lines of the file, counted before `since` and stream selection
  /// (as dockerd does); nullopt = all, 0 = none (with follow: new lines only).
  std::optional<std::size_t> tail;
  std::optional<std::chrono::system_clock::time_point> since;  ///< at or after
  /// For the caller, which prefixes rfc3339_nano(time) + ' '; read_log
  /// ignores it and passes entries unchanged.
  bool timestamps = false;
  bool follow = false;
};

/// Reads a json-file log and calls `emit` for each selected entry. With
/// `follow`, keeps reading new lines until `still_running()` is false and
/// the file is drained, or `stop` is requested (the client went away).
/// The writer must have flushed before `still_running()` turns false.
/// Stops early, successfully, when emit returns false (the client is gone).
/// A missing file is an empty log (the container never started).
/// @return an error only when the file cannot be opened or read.
Status read_log(const std::string& path, const LogQuery& query,
                const std::function<bool(const LogEntry&)>& emit,
                const std::function<bool()>& still_running, std::stop_token stop);

}  // namespace gorae::engine
