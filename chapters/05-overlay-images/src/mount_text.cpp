#include "mount_text.hpp"

#include <sys/mount.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "gorae/engine/container.hpp"

namespace gorae::volumes {
namespace {

using nlohmann::json;

tl::unexpected<Error> type_error(const json& value, const char* name, const char* go_type) {
  return engine::unmarshal_error(value, std::string("Mount.HostConfig.Mounts.") + name, go_type);
}

// moby/sys/mount's flag table, keyed by the flag each word sets or clears:
// "ro" and "rw" are one key, so the later of the two wins a merge.
long flag_key(const std::string& word) {
  static const std::map<std::string, long> keys = {
      {"ro", MS_RDONLY},          {"rw", MS_RDONLY},          {"suid", MS_NOSUID},
      {"nosuid", MS_NOSUID},      {"dev", MS_NODEV},          {"nodev", MS_NODEV},
      {"exec", MS_NOEXEC},        {"noexec", MS_NOEXEC},      {"sync", MS_SYNCHRONOUS},
      {"async", MS_SYNCHRONOUS},  {"dirsync", MS_DIRSYNC},    {"remount", MS_REMOUNT},
      {"mand", MS_MANDLOCK},      {"nomand", MS_MANDLOCK},    {"atime", MS_NOATIME},
      {"noatime", MS_NOATIME},    {"diratime", MS_NODIRATIME}, {"nodiratime", MS_NODIRATIME},
      {"relatime", MS_RELATIME},  {"norelatime", MS_RELATIME}, {"strictatime", MS_STRICTATIME},
      {"nostrictatime", MS_STRICTATIME},
      // One propagation (or bind) per mount: they share a key.
      {"bind", -1}, {"rbind", -1}, {"unbindable", -1}, {"runbindable", -1}, {"private", -1},
      {"rprivate", -1}, {"shared", -1}, {"rshared", -1}, {"slave", -1}, {"rslave", -1}};
  auto found = keys.find(word);
  return found == keys.end() ? 0 : found->second;
}

}  // namespace

std::vector<std::string> split(const std::string& text, char separator, int n) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (n <= 0 || static_cast<int>(parts.size()) < n - 1) {
    auto at = text.find(separator, start);
    if (at == std::string::npos) break;
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string clean_path(const std::string& path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string> kept;
  for (const auto& part : split(path, '/', 0)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!kept.empty() && kept.back() != "..") kept.pop_back();
      else if (!rooted) kept.push_back(part);
      continue;
    }
    kept.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < kept.size(); ++i) out += (i ? "/" : "") + kept[i];
  return out.empty() ? "." : out;
}

bool is_propagation(const std::string& word) {
  static const std::set<std::string> modes = {"private", "rprivate", "shared", "rshared", "slave", "rslave"};
  return modes.count(word) > 0;
}

bool is_valid_mode(const std::string& mode) {
  if (mode.empty()) return true;
  int rw = 0, label = 0, propagation = 0, copy = 0, consistency = 0;
  for (const auto& word : split(mode, ',', 0)) {
    if (word == "rw" || word == "ro") ++rw;
    else if (word == "z" || word == "Z") ++label;
    else if (is_propagation(word)) ++propagation;
    else if (word == "nocopy") ++copy;
    else if (word == "consistent" || word == "cached" || word == "delegated") ++consistency;
    else return false;
  }
  return rw <= 1 && label <= 1 && propagation <= 1 && copy <= 1 && consistency <= 1;
}

const json* field(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end()) {
    auto same = [](std::string_view a, std::string_view b) {
      return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
      });
    };
    for (it = object.begin(); it != object.end(); ++it)
      if (same(it.key(), key)) break;
  }
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

Status read_string(const json& object, const char* name, const char* key, std::string& out) {
  const json* value = field(object, key);
  if (!value) return {};
  if (!value->is_string()) return type_error(*value, name, "string");
  out = value->get<std::string>();
  return {};
}

Status read_bool(const json& object, const char* name, const char* key, bool& out) {
  const json* value = field(object, key);
  if (!value) return {};
  if (!value->is_boolean()) return type_error(*value, name, "bool");
  out = value->get<bool>();
  return {};
}

Status read_string_map(const json& object, const char* name, const char* key,
                       std::map<std::string, std::string>& out) {
  const json* value = field(object, key);
  if (!value) return {};
  if (!value->is_object()) return type_error(*value, name, "map[string]string");
  for (const auto& [k, v] : value->items()) {
    if (!v.is_string() && !v.is_null()) return type_error(v, name, "map[string]string");
    out[k] = v.is_null() ? "" : v.get<std::string>();
  }
  return {};
}

Status read_mount_object(const json& object, std::string& type, std::string& source, std::string& target,
                         bool& read_only) {
  if (!object.is_object()) return type_error(object, "Mounts", "mount.Mount");
  GORAE_TRY(read_string(object, "Type", "Type", type));
  GORAE_TRY(read_string(object, "Source", "Source", source));
  GORAE_TRY(read_string(object, "Target", "Target", target));
  return read_bool(object, "ReadOnly", "ReadOnly", read_only);
}

Status read_tmpfs_options(const json& object, long long& size_bytes, unsigned& mode,
                          std::vector<std::string>& extra) {
  if (const json* size = field(object, "SizeBytes")) {
    if (!size->is_number_integer()) return type_error(*size, "TmpfsOptions.SizeBytes", "int64");
    size_bytes = size->get<long long>();
  }
  if (const json* bits = field(object, "Mode")) {
    if (!bits->is_number_unsigned()) return type_error(*bits, "TmpfsOptions.Mode", "fs.FileMode");
    mode = bits->get<unsigned>();
  }
  if (const json* options = field(object, "Options")) {
    if (!options->is_array()) return type_error(*options, "TmpfsOptions.Options", "[][]string");
    for (const auto& pair : *options) {
      if (!pair.is_array() || pair.empty() || pair.size() > 2 || !pair[0].is_string() ||
          (pair.size() == 2 && !pair[1].is_string()))
        return fail(Errc::invalid_argument, "invalid option array length");
      std::string word = pair[0].get<std::string>();
      if (pair.size() == 2) word += "=" + pair[1].get<std::string>();
      extra.push_back(word);
    }
  }
  return {};
}

Result<std::vector<std::string>> merge_tmpfs_options(const std::vector<std::string>& options) {
  static const std::set<std::string> data_keys = {"",         "size",      "mode", "uid", "gid",
                                                  "nr_inodes", "nr_blocks", "mpol"};
  std::set<long> flags_seen;
  std::set<std::string> data_seen;
  std::vector<std::string> merged;
  // From the end, so the last word of each kind is the one kept.
  for (auto it = options.rbegin(); it != options.rend(); ++it) {
    const std::string& option = *it;
    if (option == "defaults") continue;
    if (long key = flag_key(option); key != 0) {
      if (flags_seen.insert(key).second) merged.insert(merged.begin(), option);
      continue;
    }
    auto pair = split(option, '=', 2);
    if (pair.size() != 2 || !data_keys.count(pair[0])) {
      std::string quoted = "[";
      for (std::size_t i = 0; i < pair.size(); ++i) quoted += (i ? " \"" : "\"") + pair[i] + "\"";
      return fail(Errc::invalid_argument, "invalid tmpfs option " + quoted + "]");
    }
    if (data_seen.insert(pair[0]).second) merged.insert(merged.begin(), option);
  }
  return merged;
}

}  // namespace gorae::volumes
