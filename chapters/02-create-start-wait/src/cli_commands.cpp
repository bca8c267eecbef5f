// The container commands' installer and the helpers the cli_*.cpp files
// share: escaping, inspect, durations, the stdcopy demultiplexer.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli_internal.hpp"
#include "gorae/cli/container_commands.hpp"
#include "gorae/cli/table.hpp"

namespace gorae::cli {

void install_container_commands(CLI::App& app, Context& context) {
  container_commands({})(app, context);
}

CommandInstaller container_commands(std::vector<CreateFlagsFactory> extra_flags) {
  return [extra_flags](CLI::App& app, Context& context) {
    detail::install_run_commands(app, context, extra_flags);
    detail::install_view_commands(app, context);
    detail::install_lifecycle_commands(app, context);
  };
}

std::string escape(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string ellipsis(const std::string& text, std::size_t width) {
  if (display_width(text) <= width) return text;
  std::string out;
  std::size_t points = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80 && ++points == width) break;
    out += static_cast<char>(c);
  }
  return out + "…";
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) widths.resize(i + 1, 10);
      widths[i] = std::max(widths[i], display_width(row[i]) + 3);
    }
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) out << std::string(widths[i] - display_width(row[i]), ' ');
    }
    out << "\n";
  }
}

// github.com/docker/go-units HumanDuration, line for line.
std::string human_duration(double seconds_total) {
  auto seconds = static_cast<long long>(seconds_total);
  auto minutes = static_cast<long long>(seconds_total / 60);
  auto hours = static_cast<long long>(std::round(seconds_total / 3600));
  auto plural = [](long long n, const char* unit) {
    return std::to_string(n) + " " + unit;
  };
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return plural(seconds, "seconds");
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return plural(minutes, "minutes");
  if (hours == 1) return "About an hour";
  if (hours < 48) return plural(hours, "hours");
  if (hours < 24 * 7 * 2) return plural(hours / 24, "days");
  if (hours < 24 * 30 * 2) return plural(hours / 24 / 7, "weeks");
  if (hours < 24 * 365 * 2) return plural(hours / 24 / 30, "months");
  return plural(static_cast<long long>(seconds_total / 3600) / 24 / 365, "years");
}

std::string short_id(std::string id, bool truncate) {
  if (!truncate) return id;
  if (id.rfind("sha256:", 0) == 0) id.erase(0, 7);
  return id.substr(0, 12);
}

Failure invalid_run_flag(const std::string& value, const std::string& flag, const std::string& why) {
  return Failure(125, "invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + why +
                          "\nSee 'gorae run --help'.");
}

namespace detail {

nlohmann::json inspect_container(Context& context, const std::string& ref) {
  auto body = nlohmann::json::parse(context.call("GET", "/containers/" + escape(ref) + "/json").body,
                                    nullptr, false);
  if (!body.is_object()) throw Failure(1, "the daemon's inspect answer is not JSON");
  return body;
}

std::string read_body(http::Client& client) {
  std::string body;
  while (true) {
    auto piece = client.read_some();
    if (!piece) throw Failure(1, "error reading the daemon's answer: " + piece.error().what());
    if (!*piece) return body;
    body += **piece;
  }
}

void Demuxer::feed(std::string_view bytes) {
  if (raw_) {
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out_.flush();
    return;
  }
  pending_.append(bytes);
  std::size_t at = 0;
  while (pending_.size() - at >= 8) {
    const auto* header = reinterpret_cast<const unsigned char*>(pending_.data() + at);
    std::uint32_t size = (std::uint32_t{header[4]} << 24) | (std::uint32_t{header[5]} << 16) |
                         (std::uint32_t{header[6]} << 8) | header[7];
    if (pending_.size() - at - 8 < size) break;
    // 0 (stdin echoed) and 1 go to stdout, 2 to stderr, 3 is the daemon's
    // own error text (stdcopy's systemErr).
    std::ostream& sink = header[0] >= 2 ? err_ : out_;
    sink.write(pending_.data() + at + 8, size);
    sink.flush();
    at += 8 + size;
  }
  pending_.erase(0, at);
}

int wait_status(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object())
    throw Failure(125, "error waiting for container: unexpected answer: " + body);
  auto error = parsed.find("Error");
  if (error != parsed.end() && error->is_object() && error->contains("Message"))
    throw Failure(125, "error waiting for container: " + (*error)["Message"].get<std::string>());
  return parsed.value("StatusCode", 0);
}

}  // namespace detail
}  // namespace gorae::cli
