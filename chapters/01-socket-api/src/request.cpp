#include "gorae/api/request.hpp"

#include <algorithm>
#include <stdexcept>
#include <strings.h>

namespace gorae::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

Request Request::from_target(std::string method, std::string target) {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  std::string_view view = request.target;
  auto question = view.find('?');
  // Kept encoded: the router splits on '/' first and decodes each segment,
  // so "/containers/%2Fweb/json" names the container "/web".
  request.path = std::string(view.substr(0, question));
  if (question == std::string_view::npos) return request;
  std::string_view query = view.substr(question + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    if (!item.empty()) {
      auto eq = item.find('=');
      std::string name = percent_decode(item.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? "" : percent_decode(item.substr(eq + 1), true);
      request.query.emplace_back(std::move(name), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return request;
}

const std::string* Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return &value;
  return nullptr;
}

std::optional<std::string> Request::query_value(std::string_view name) const {
  for (const auto& [key, value] : query)
    if (key == name) return value;
  return std::nullopt;
}

bool Request::query_flag(std::string_view name, bool fallback) const {
  auto value = query_value(name);
  if (!value) return fallback;
  return !(value->empty() || *value == "0" || *value == "no" || iequals(*value, "false"));
}

const std::string& Request::param(std::string_view name) const {
  for (const auto& [key, value] : params)
    if (key == name) return value;
  throw std::logic_error("route has no parameter '" + std::string(name) + "'");
}

}  // namespace gorae::api
