// The json-file log format and its writer, byte-compatible with dockerd's
// daemon/logger/jsonfilelog, and the stdcopy frame used on /logs and attach.
#include "gorae/engine/logs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>

#include "gorae/base/log.hpp"
#include "gorae/base/unique_fd.hpp"

namespace gorae::engine {
namespace {

using std::chrono::system_clock;
using Json = nlohmann::json;

// dockerd's copier reads container output into a 16 KiB buffer and sends a
// full buffer without newline as a "partial" message (daemon/logger/copier.go).
constexpr std::size_t kMaxEntryBytes = 16 * 1024;

const char* stream_name(StreamKind stream) {
  switch (stream) {
    case StreamKind::stdin_stream: return "stdin";
    case StreamKind::stdout_stream: return "stdout";
    case StreamKind::stderr_stream: return "stderr";
  }
  return "stdout";
}

std::optional<StreamKind> stream_from_name(const std::string& name) {
  if (name == "stdout") return StreamKind::stdout_stream;
  if (name == "stderr") return StreamKind::stderr_stream;
  if (name == "stdin") return StreamKind::stdin_stream;
  return std::nullopt;
}

// Go's time.Format with RFC3339Nano (trim = true, as in the json-file) or
// RFC3339NanoFixed (trim = false, as `docker logs -t` prints).
std::string format_time(system_clock::time_point time, bool trim) {
  using namespace std::chrono;
  auto nanos = time_point_cast<nanoseconds>(time);
  auto day = floor<days>(nanos);
  year_month_day date{day};
  hh_mm_ss clock{nanos - day};
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02lld.%09lld",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<long long>(clock.seconds().count()),
                static_cast<long long>(clock.subseconds().count()));
  std::string result = text;
  if (trim) {
    while (result.back() == '0') result.pop_back();
    if (result.back() == '.') result.pop_back();
  }
  return result + "Z";
}

// Reads `count` decimal digits at `pos`; false if any is not a digit.
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)", the subset of
// RFC 3339 that Go's time.Parse(RFC3339Nano) accepts.
std::optional<system_clock::time_point> parse_time(std::string_view text) {
  using namespace std::chrono;
  int y, mo, d, h, mi, s;
  if (!read_digits(text, 0, 4, y) || !read_digits(text, 5, 2, mo) ||
      !read_digits(text, 8, 2, d) || !read_digits(text, 11, 2, h) ||
      !read_digits(text, 14, 2, mi) || !read_digits(text, 17, 2, s) || text[4] != '-' ||
      text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':')
    return std::nullopt;
  year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  std::size_t pos = 19;
  long long fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    std::size_t digits = 0;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits)
      if (digits < 9) fraction = fraction * 10 + (text[pos] - '0');
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) fraction *= 10;
  }
  int offset_minutes = 0;  // "Z"; otherwise "+HH:MM" or "-HH:MM" east of UTC
  bool utc = pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z');
  if (!utc) {
    int oh, om;
    if (pos + 6 != text.size() || (text[pos] != '+' && text[pos] != '-') ||
        text[pos + 3] != ':' || !read_digits(text, pos + 1, 2, oh) ||
        !read_digits(text, pos + 4, 2, om))
      return std::nullopt;
    offset_minutes = (text[pos] == '-' ? -1 : 1) * (oh * 60 + om);
  }
  auto local = sys_days{date} + hours{h} + minutes{mi} + seconds{s} + nanoseconds{fraction};
  return time_point_cast<system_clock::duration>(local - minutes{offset_minutes});
}

}  // namespace

std::string frame(StreamKind stream, std::string_view bytes) {
  // The size field is 32 bits; a larger payload becomes several frames (an
  // empty one is a bare header, as dockerd's stdWriter writes it).
  constexpr std::size_t kMaxFrame = std::numeric_limits<std::uint32_t>::max();
  std::string out;
  out.reserve(bytes.size() + 8);
  do {
    std::string_view chunk = bytes.substr(0, kMaxFrame);
    bytes.remove_prefix(chunk.size());
    auto size = static_cast<std::uint32_t>(chunk.size());
    const char header[8] = {static_cast<char>(stream), 0, 0, 0,
                            static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                            static_cast<char>(size >> 8), static_cast<char>(size)};
    out.append(header, sizeof header);
    out.append(chunk);
  } while (!bytes.empty());
  return out;
}

std::string rfc3339_nano(system_clock::time_point time) { return format_time(time, false); }

std::string format_log_line(const LogEntry& entry) {
  // Built by hand to keep dockerd's key order; nlohmann only escapes. dockerd
  // also escapes <, >, & and writes \u0009 for tab: a different spelling of
  // the same JSON string, which every reader decodes alike.
  std::string log = Json(entry.text).dump(-1, ' ', false, Json::error_handler_t::replace);
  return "{\"log\":" + log + ",\"stream\":\"" + stream_name(entry.stream) + "\",\"time\":\"" +
         format_time(entry.time, true) + "\"}\n";
}

std::optional<LogEntry> parse_log_line(std::string_view line) {
  Json json = Json::parse(line.begin(), line.end(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  auto stream = json.find("stream");
  auto time = json.find("time");
  if (stream == json.end() || time == json.end() || !stream->is_string() || !time->is_string())
    return std::nullopt;
  LogEntry entry;
  auto kind = stream_from_name(stream->get<std::string>());
  auto when = parse_time(time->get<std::string>());
  if (!kind || !when) return std::nullopt;
  entry.stream = *kind;
  entry.time = *when;
  // dockerd omits "log" when it is empty (omitempty).
  if (auto log = json.find("log"); log != json.end()) {
    if (!log->is_string()) return std::nullopt;
    entry.text = log->get<std::string>();
  }
  return entry;
}

struct LogWriter::Impl {
  std::mutex mutex;
  base::UniqueFd fd;
  std::string path;
  std::array<std::string, 3> partial;  // per StreamKind: bytes after the last '\n'
  bool warned = false;

  // Moves every finished entry of `stream` into `out`; with `all`, also the
  // unfinished rest (flush). Called with `mutex` held.
  void take_entries(StreamKind stream, bool all, system_clock::time_point now, std::string& out);
  // One write(2) for everything taken in one call: with O_APPEND it lands
  // as a whole at the end, so readers never see a torn batch from us.
  void append(const std::string& lines);
};

void LogWriter::Impl::take_entries(StreamKind stream, bool all, system_clock::time_point now,
                                   std::string& out) {
  std::string& pending = partial[static_cast<std::size_t>(stream)];
  auto emit = [&](std::size_t from, std::size_t to) {
    out += format_log_line({stream, pending.substr(from, to - from), now});
  };
  std::size_t start = 0;
  for (;;) {
    std::size_t newline = pending.find('\n', start);
    std::size_t content_end = newline == std::string::npos ? pending.size() : newline;
    while (content_end - start > kMaxEntryBytes) {
      // Cut before a UTF-8 continuation byte (10xxxxxx) so that a character
      // is not split into two invalid halves (dockerd does split it).
      std::size_t cut = start + kMaxEntryBytes;
      for (int back = 0; back < 3 && (static_cast<unsigned char>(pending[cut]) & 0xC0) == 0x80;
           ++back)
        --cut;
      emit(start, cut);
      start = cut;
    }
    if (newline == std::string::npos) break;
    emit(start, newline + 1);
    start = newline + 1;
  }
  if (all && start < pending.size()) {
    emit(start, pending.size());
    start = pending.size();
  }
  pending.erase(0, start);
}

void LogWriter::Impl::append(const std::string& lines) {
  std::size_t done = 0;
  while (done < lines.size()) {
    ssize_t n = ::write(fd.get(), lines.data() + done, lines.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      // ENOSPC and friends: drop the entries (as dockerd does) and say so once.
      if (!warned) GORAE_PLOG_WARN("write log %s", path.c_str());
      warned = true;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

Result<LogWriter> LogWriter::open(const std::string& path) {
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return tl::unexpected(Error::from_errno("open log " + path));
  auto impl = std::make_unique<Impl>();
  impl->fd = std::move(fd);
  impl->path = path;
  return LogWriter(std::move(impl));
}

LogWriter::LogWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogWriter::LogWriter(LogWriter&&) noexcept = default;

LogWriter::~LogWriter() {
  if (impl_) flush();
}

void LogWriter::write(StreamKind stream, std::string_view bytes) {
  std::lock_guard lock(impl_->mutex);
  impl_->partial[static_cast<std::size_t>(stream)].append(bytes);
  std::string out;
  impl_->take_entries(stream, false, system_clock::now(), out);
  if (!out.empty()) impl_->append(out);
}

void LogWriter::flush() {
  std::lock_guard lock(impl_->mutex);
  std::string out;
  auto now = system_clock::now();
  for (auto stream : {StreamKind::stdin_stream, StreamKind::stdout_stream,
                      StreamKind::stderr_stream})
    impl_->take_entries(stream, true, now, out);
  if (!out.empty()) impl_->append(out);
}

}  // namespace gorae::engine
