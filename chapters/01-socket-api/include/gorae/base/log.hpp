#pragma once

#include <functional>
#include <string_view>

namespace gorae::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

/// The current threshold; messages below it are not even formatted.
Level level();
void set_level(Level level);
/// Parses "debug", "info", "warn"/"warning", "error"; false when unknown.
bool parse_level(std::string_view text, Level& out);

/// Where finished lines go (stderr by default; tests capture them).
using Sink = std::function<void(Level, std::string_view line)>;
void set_sink(Sink sink);

void write(Level level, const char* file, int line, const char* format, ...)
    __attribute__((format(printf, 4, 5)));
/// Like write(), with ": strerror(errno)" appended.
void write_errno(Level level, const char* file, int line, const char* format, ...)
    __attribute__((format(printf, 4, 5)));

}  // namespace gorae::log

#define GORAE_LOG_AT(lvl, ...)                                                   \
  do {                                                                           \
    if (::gorae::log::level() <= (lvl))                                          \
      ::gorae::log::write((lvl), __FILE__, __LINE__, __VA_ARGS__);               \
  } while (0)
#define GORAE_LOG_DEBUG(...) GORAE_LOG_AT(::gorae::log::Level::debug, __VA_ARGS__)
#define GORAE_LOG_INFO(...) GORAE_LOG_AT(::gorae::log::Level::info, __VA_ARGS__)
#define GORAE_LOG_WARN(...) GORAE_LOG_AT(::gorae::log::Level::warn, __VA_ARGS__)
#define GORAE_LOG_ERROR(...) GORAE_LOG_AT(::gorae::log::Level::error, __VA_ARGS__)
#define GORAE_PLOG_WARN(...)                                                     \
  ::gorae::log::write_errno(::gorae::log::Level::warn, __FILE__, __LINE__, __VA_ARGS__)
#define GORAE_PLOG_ERROR(...)                                                    \
  ::gorae::log::write_errno(::gorae::log::Level::error, __FILE__, __LINE__, __VA_ARGS__)
