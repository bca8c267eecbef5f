// The create request a client sends (Docker's Config + HostConfig), checked
// field by field with Go's type errors, as dockerd's decoder reports them.
#include <nlohmann/json.hpp>

#include "gorae/engine/container.hpp"

namespace gorae::engine {
namespace {

using nlohmann::json;
// ---------------------------------------------------------------- create body

// Go's names for JSON value kinds, as encoding/json reports them.
const char* json_kind(const json& value) {
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "bool";
  if (value.is_number()) return "number";
  if (value.is_array()) return "array";
  if (value.is_object()) return "object";
  return "null";
}

tl::unexpected<Error> type_error(const json& value, const std::string& field, const char* go_type) {
  return unmarshal_error(value, field, go_type);
}

// Each reader leaves `out` untouched when the field is absent or null (as Go
// does), and fails with a message naming the field when the type is wrong.
// Like Go's encoding/json, an exact key wins and any other case also matches
// ("tty" sets Tty), which dockerd therefore accepts too.
const json* field_of(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) {
    auto same = [](std::string_view a, std::string_view b) {
      return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
      });
    };
    for (it = object.begin(); it != object.end(); ++it)
      if (same(it.key(), key)) break;
  }
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Status read_string(const json& object, const std::string& owner, const char* key,
                          std::string& out) {
  const json* value = field_of(object, key);
  if (!value) return {};
  if (!value->is_string()) return type_error(*value, owner + "." + key, "string");
  out = value->get<std::string>();
  return {};
}

Status read_bool(const json& object, const std::string& owner, const char* key,
                        bool& out) {
  const json* value = field_of(object, key);
  if (!value) return {};
  if (!value->is_boolean()) return type_error(*value, owner + "." + key, "bool");
  out = value->get<bool>();
  return {};
}

// A []string; null elements become "", as in Go.
Status read_strings(const json& value, const std::string& field, const char* go_type,
                           std::vector<std::string>& out) {
  if (!value.is_array()) return type_error(value, field, go_type);
  std::vector<std::string> items;
  for (const auto& item : value) {
    if (item.is_null()) {
      items.emplace_back();
    } else if (item.is_string()) {
      items.push_back(item.get<std::string>());
    } else {
      return type_error(item, field, go_type);
    }
  }
  out = std::move(items);
  return {};
}

// Docker's strslice.StrSlice (Cmd, Entrypoint): an array of strings or one
// string. Returns nullopt for absent or null, which callers must tell apart
// from [] for Entrypoint.
Result<std::optional<std::vector<std::string>>> read_str_slice(const json& object,
                                                               const char* key) {
  const json* value = field_of(object, key);
  if (!value) return std::optional<std::vector<std::string>>{};
  if (value->is_string()) return std::optional{std::vector<std::string>{value->get<std::string>()}};
  std::vector<std::string> items;
  GORAE_TRY(read_strings(*value, std::string("Config.") + key, "strslice.StrSlice", items));
  return std::optional{std::move(items)};
}

// Config.Volumes, a Go map[string]struct{}: the keys are the paths.
Status read_volumes(const json& object, std::vector<std::string>& out) {
  const json* value = field_of(object, "Volumes");
  if (!value) return {};
  if (!value->is_object()) return type_error(*value, "Config.Volumes", "map[string]struct {}");
  std::vector<std::string> paths;
  for (const auto& [path, item] : value->items()) {
    if (!item.is_object() && !item.is_null()) return type_error(item, "Config.Volumes", "struct {}");
    paths.push_back(path);
  }
  out = std::move(paths);  // a JSON object's keys come sorted and unique
  return {};
}

Status read_labels(const json& object, std::map<std::string, std::string>& out) {
  const json* value = field_of(object, "Labels");
  if (!value) return {};
  if (!value->is_object()) return type_error(*value, "Config.Labels", "map[string]string");
  std::map<std::string, std::string> labels;
  for (const auto& [key, item] : value->items()) {
    if (!item.is_string() && !item.is_null())
      return type_error(item, "Config.Labels", "map[string]string");
    labels[key] = item.is_null() ? "" : item.get<std::string>();
  }
  out = std::move(labels);
  return {};
}

// Fields we do not use yet, checked only for their type so that a client's
// mistake is reported at create time, as dockerd does, not ignored.
enum class Kind { boolean, string, integer, object, array, strings };

struct FieldType {
  const char* key;
  Kind kind;
  const char* go_type;
};

constexpr FieldType kOtherConfigFields[] = {
    {"ExposedPorts", Kind::object, "nat.PortSet"},
    {"OnBuild", Kind::strings, "[]string"},
    {"Shell", Kind::strings, "strslice.StrSlice"},
    {"StopSignal", Kind::string, "string"},
    {"StopTimeout", Kind::integer, "int"},
    {"Healthcheck", Kind::object, "container.HealthConfig"},
    {"NetworkDisabled", Kind::boolean, "bool"},
    {"MacAddress", Kind::string, "string"},
    {"ArgsEscaped", Kind::boolean, "bool"},
    {"NetworkingConfig", Kind::object, "network.NetworkingConfig"},
};

constexpr FieldType kHostConfigFields[] = {
    {"AutoRemove", Kind::boolean, "bool"},
    {"NetworkMode", Kind::string, "container.NetworkMode"},
    {"LogConfig", Kind::object, "container.LogConfig"},
    {"RestartPolicy", Kind::object, "container.RestartPolicy"},
    {"PortBindings", Kind::object, "nat.PortMap"},
    {"Binds", Kind::strings, "[]string"},
    {"Mounts", Kind::array, "[]mount.Mount"},
    {"Tmpfs", Kind::object, "map[string]string"},
    {"Privileged", Kind::boolean, "bool"},
    {"ReadonlyRootfs", Kind::boolean, "bool"},
    {"PublishAllPorts", Kind::boolean, "bool"},
    {"ConsoleSize", Kind::array, "[2]uint"},
    {"CapAdd", Kind::strings, "strslice.StrSlice"},
    {"CapDrop", Kind::strings, "strslice.StrSlice"},
    {"Dns", Kind::strings, "[]string"},
    {"DnsOptions", Kind::strings, "[]string"},
    {"DnsSearch", Kind::strings, "[]string"},
    {"ExtraHosts", Kind::strings, "[]string"},
    {"SecurityOpt", Kind::strings, "[]string"},
    {"Memory", Kind::integer, "int64"},
    {"MemorySwap", Kind::integer, "int64"},
    {"NanoCpus", Kind::integer, "int64"},
    {"CpuShares", Kind::integer, "int64"},
    {"PidsLimit", Kind::integer, "int64"},
    {"ShmSize", Kind::integer, "int64"},
};

Status check_type(const json& object, const std::string& owner, const FieldType& field) {
  const json* value = field_of(object, field.key);
  if (!value) return {};
  std::string name = owner.empty() ? field.key : owner + "." + field.key;
  bool ok = false;
  switch (field.kind) {
    case Kind::boolean: ok = value->is_boolean(); break;
    case Kind::string: ok = value->is_string(); break;
    case Kind::integer: ok = value->is_number_integer(); break;
    case Kind::object: ok = value->is_object(); break;
    case Kind::array: ok = value->is_array(); break;
    case Kind::strings: {
      std::vector<std::string> ignored;
      return read_strings(*value, name, field.go_type, ignored);
    }
  }
  if (!ok) return type_error(*value, name, field.go_type);
  return {};
}

Status check_host_config(const json& host) {
  for (const auto& field : kHostConfigFields) GORAE_TRY(check_type(host, "HostConfig", field));
  if (const json* log = field_of(host, "LogConfig")) {
    std::string type;
    GORAE_TRY(read_string(*log, "HostConfig.LogConfig", "Type", type));
    if (const json* config = field_of(*log, "Config")) {
      if (!config->is_object())
        return type_error(*config, "HostConfig.LogConfig.Config", "map[string]string");
      for (const auto& item : *config)
        if (!item.is_string() && !item.is_null())
          return type_error(item, "HostConfig.LogConfig.Config", "map[string]string");
    }
  }
  if (const json* policy = field_of(host, "RestartPolicy")) {
    std::string name;
    GORAE_TRY(read_string(*policy, "HostConfig.RestartPolicy", "Name", name));
    GORAE_TRY(check_type(*policy, "HostConfig.RestartPolicy",
                         {"MaximumRetryCount", Kind::integer, "int"}));
  }
  return {};
}

}  // namespace

tl::unexpected<Error> unmarshal_error(const json& value, const std::string& field, const std::string& go_type) {
  return fail(Errc::invalid_argument, std::string("json: cannot unmarshal ") + json_kind(value) +
                                          " into Go struct field " + field + " of type " + go_type);
}

// ---------------------------------------------------------------- create body

Result<std::pair<ContainerConfig, std::string>> parse_create_body(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    return fail(Errc::invalid_argument, "invalid JSON: got EOF while reading request body");
  json root;
  try {
    root = json::parse(body);
  } catch (const json::parse_error& error) {
    // "[json.exception.parse_error.101] parse error at ..." → "parse error at ..."
    std::string message = error.what();
    auto end = message.find("] ");
    if (message.rfind("[json.exception", 0) == 0 && end != std::string::npos)
      message.erase(0, end + 2);
    return fail(Errc::invalid_argument, "invalid JSON: " + message);
  }
  if (!root.is_object())
    return fail(Errc::invalid_argument, std::string("json: cannot unmarshal ") + json_kind(root) +
                                            " into Go value of type ContainerConfigWrapper");

  ContainerConfig config;
  const std::string owner = "Config";
  GORAE_TRY(read_string(root, owner, "Image", config.image));
  GORAE_TRY(read_string(root, owner, "Hostname", config.hostname));
  GORAE_TRY(read_string(root, owner, "Domainname", config.domainname));
  GORAE_TRY(read_string(root, owner, "User", config.user));
  GORAE_TRY(read_string(root, owner, "WorkingDir", config.working_dir));
  GORAE_TRY(read_bool(root, owner, "Tty", config.tty));
  GORAE_TRY(read_bool(root, owner, "OpenStdin", config.open_stdin));
  GORAE_TRY(read_bool(root, owner, "StdinOnce", config.stdin_once));
  GORAE_TRY(read_bool(root, owner, "AttachStdin", config.attach_stdin));
  GORAE_TRY(read_bool(root, owner, "AttachStdout", config.attach_stdout));
  GORAE_TRY(read_bool(root, owner, "AttachStderr", config.attach_stderr));
  if (const json* env = field_of(root, "Env"))
    GORAE_TRY(read_strings(*env, "Config.Env", "[]string", config.env));
  GORAE_ASSIGN_OR_RETURN(auto cmd, read_str_slice(root, "Cmd"));
  if (cmd) config.cmd = std::move(*cmd);
  // null means "the image's entrypoint"; [] means "none", so both are kept.
  GORAE_ASSIGN_OR_RETURN(config.entrypoint, read_str_slice(root, "Entrypoint"));
  GORAE_TRY(read_labels(root, config.labels));
  GORAE_TRY(read_volumes(root, config.volumes));
  for (const auto& field : kOtherConfigFields) GORAE_TRY(check_type(root, "", field));

  std::string host_text = "{}";
  if (const json* host = field_of(root, "HostConfig")) {
    if (!host->is_object())
      return type_error(*host, "ContainerConfigWrapper.HostConfig", "container.HostConfig");
    GORAE_TRY(check_host_config(*host));
    host_text = host->dump();
  }
  return std::pair{std::move(config), std::move(host_text)};
}


}  // namespace gorae::engine
