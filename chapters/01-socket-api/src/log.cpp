#include "gorae/base/log.hpp"

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>

namespace gorae::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_sink_mutex;
Sink g_sink;  // empty: stderr

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "?";
}

const char* basename_of(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

void emit(Level level, const char* file, int line, const char* format, va_list args,
          const char* suffix) {
  char message[1024];
  std::vsnprintf(message, sizeof message, format, args);
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::tm tm_utc{};
  gmtime_r(&now, &tm_utc);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  std::string text = std::string(stamp) + " " + level_name(level) + " " + message + suffix +
                     " (" + basename_of(file) + ":" + std::to_string(line) + ")";
  std::lock_guard lock(g_sink_mutex);
  if (g_sink) {
    g_sink(level, text);
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
}

}  // namespace

Level level() { return g_level.load(std::memory_order_relaxed); }
void set_level(Level level) { g_level.store(level); }

bool parse_level(std::string_view text, Level& out) {
  if (text == "debug") out = Level::debug;
  else if (text == "info") out = Level::info;
  else if (text == "warn" || text == "warning") out = Level::warn;
  else if (text == "error" || text == "fatal") out = Level::error;
  else return false;
  return true;
}

void set_sink(Sink sink) {
  std::lock_guard lock(g_sink_mutex);
  g_sink = std::move(sink);
}

void write(Level level, const char* file, int line, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(level, file, line, format, args, "");
  va_end(args);
}

void write_errno(Level level, const char* file, int line, const char* format, ...) {
  int saved = errno;
  if (::gorae::log::level() > level) return;
  std::string suffix = std::string(": ") + std::strerror(saved);
  va_list args;
  va_start(args, format);
  emit(level, file, line, format, args, suffix.c_str());
  va_end(args);
}

}  // namespace gorae::log
