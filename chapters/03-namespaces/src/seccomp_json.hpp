#pragma once

// Typed reads from a seccomp JSON document (a Docker profile or an OCI
// linux.seccomp object) that name the field they looked at, so a bad profile
// says where it is bad: "syscalls[3].args[0].op: ...". Not a public header.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gorae/base/error.hpp"

namespace gorae::security::detail {

class JsonFields {
 public:
  /// `prefix` starts every message: "Decoding seccomp profile failed: ".
  explicit JsonFields(std::string prefix) : prefix_(std::move(prefix)) {}

  tl::unexpected<Error> error(const std::string& field, const std::string& problem) const {
    return fail(Errc::invalid_argument, prefix_ + field + ": " + problem);
  }

  /// The member, or nullptr when it is absent or null (Go decodes null as "unset").
  static const nlohmann::json* find(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  Result<std::string> string(const nlohmann::json& object, const char* key,
                             const std::string& field) const {
    const nlohmann::json* v = find(object, key);
    if (!v) return std::string();
    if (!v->is_string()) return error(field, "must be a string");
    return v->get<std::string>();
  }

  Result<std::vector<std::string>> strings(const nlohmann::json& object, const char* key,
                                           const std::string& field) const {
    std::vector<std::string> out;
    const nlohmann::json* v = find(object, key);
    if (!v) return out;
    if (!v->is_array()) return error(field, "must be an array of strings");
    for (const auto& item : *v) {
      if (!item.is_string()) return error(field, "must be an array of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  Result<std::optional<std::uint64_t>> uint(const nlohmann::json& object, const char* key,
                                            const std::string& field, std::uint64_t max) const {
    const nlohmann::json* v = find(object, key);
    if (!v) return std::optional<std::uint64_t>();
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0))
      return error(field, "must be an integer from 0 to " + std::to_string(max));
    auto n = v->get<std::uint64_t>();
    if (n > max) return error(field, "must be an integer from 0 to " + std::to_string(max));
    return std::optional<std::uint64_t>(n);
  }

  Result<const nlohmann::json*> array(const nlohmann::json& object, const char* key,
                                      const std::string& field) const {
    const nlohmann::json* v = find(object, key);
    if (v && !v->is_array()) return error(field, "must be an array");
    return v;
  }

 private:
  std::string prefix_;
};

}  // namespace gorae::security::detail
