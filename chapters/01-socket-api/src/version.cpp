#include "gorae/api/version.hpp"

#include <charconv>

namespace gorae::api {
namespace {

bool parse_number(std::string_view text, int& out) {
  if (text.empty() || text.size() > 6 || text[0] < '0' || text[0] > '9') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string ApiVersion::text() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::optional<ApiVersion> ApiVersion::parse(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  ApiVersion version;
  if (!parse_number(text.substr(0, dot), version.major)) return std::nullopt;
  if (!parse_number(text.substr(dot + 1), version.minor)) return std::nullopt;
  return version;
}

VersionedPath split_version_prefix(std::string_view path) {
  // LAB(01) version-prefix: Split "/v1.41/containers/json" into "1.41" and "/containers/json"
  // A first segment "v" + digits and dots is a version; anything else is path.
  if (path.size() < 3 || path[0] != '/' || path[1] != 'v') return {std::nullopt, std::string(path)};
  auto end = path.find('/', 1);
  std::string_view segment = path.substr(2, end == std::string_view::npos ? end : end - 2);
  if (segment.empty() || segment.find_first_not_of("0123456789.") != std::string_view::npos)
    return {std::nullopt, std::string(path)};
  std::string rest = end == std::string_view::npos ? "/" : std::string(path.substr(end));
  return {std::string(segment), rest};
  // LAB-END
}

int compare_versions(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    auto next_part = [](std::string_view& text) {
      auto dot = text.find('.');
      std::string_view part = text.substr(0, dot);
      text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
      long value = 0;
      std::from_chars(part.data(), part.data() + part.size(), value);
      return value;
    };
    long left = next_part(a);
    long right = next_part(b);
    if (left != right) return left < right ? -1 : 1;
  }
  return 0;
}

}  // namespace gorae::api
