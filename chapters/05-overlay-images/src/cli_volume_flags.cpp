// The mount flags of `gorae run/create`, read as the docker CLI reads them
// (cli/opts/mount.go, cli/command/container/opts.go).
#include <CLI/CLI.hpp>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gorae/cli/resource_flags.hpp"
#include "gorae/cli/volume_commands.hpp"

namespace gorae::cli {
namespace {

using nlohmann::json;

// Go's encoding/csv for one record: commas split, double quotes group.
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// "./data" and "." as the docker CLI sends them: absolute.
std::string absolute_if_dotted(const std::string& path) {
  if (path == "." || path.rfind("./", 0) == 0) return std::filesystem::absolute(path).lexically_normal().string();
  return path;
}

std::optional<bool> parse_bool(const std::string& text) {
  if (text == "1" || text == "t" || text == "T" || text == "true" || text == "TRUE" || text == "True") return true;
  if (text == "0" || text == "f" || text == "F" || text == "false" || text == "FALSE" || text == "False") return false;
  return std::nullopt;
}

class VolumeFlags final : public CreateFlags {
 public:
  void add_to(CLI::App& command) override {
    command.add_option("-v,--volume", volumes_, "Bind mount a volume")->allow_extra_args(false);
    command.add_option("--mount", mounts_, "Attach a filesystem mount to the container")->allow_extra_args(false);
    command.add_option("--tmpfs", tmpfs_, "Mount a tmpfs directory")->allow_extra_args(false);
  }

  void apply(json& body) const override {
    json& host = body["HostConfig"];
    for (const auto& spec : volumes_) {
      if (spec.empty()) throw invalid_run_flag(spec, "-v, --volume", "invalid empty volume spec");
      auto colon = spec.find(':');
      // A bare path is an anonymous volume, for Config.Volumes.
      if (colon == std::string::npos) body["Volumes"][spec] = json::object();
      else host["Binds"].push_back(absolute_if_dotted(spec.substr(0, colon)) + spec.substr(colon));
    }
    for (const auto& value : mounts_) host["Mounts"].push_back(parse_mount_flag(value));
    for (const auto& value : tmpfs_) {
      auto colon = value.find(':');
      host["Tmpfs"][value.substr(0, colon)] = colon == std::string::npos ? "" : value.substr(colon + 1);
    }
  }

 private:
  std::vector<std::string> volumes_, mounts_, tmpfs_;
};

}  // namespace

json parse_mount_flag(const std::string& value) {
  auto fail_with = [&](const std::string& why) { return invalid_run_flag(value, "--mount", why); };
  json mount = {{"Type", "volume"}};
  json volume_options, bind_options, tmpfs_options;
  for (const auto& field : csv_fields(value)) {
    auto equals = field.find('=');
    std::string key = field.substr(0, equals);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (equals == std::string::npos) {
      if (key == "readonly" || key == "ro") mount["ReadOnly"] = true;
      else if (key == "volume-nocopy") volume_options["NoCopy"] = true;
      else if (key == "bind-nonrecursive") bind_options["NonRecursive"] = true;
      else throw fail_with("invalid field '" + field + "' must be a key=value pair");
      continue;
    }
    std::string val = field.substr(equals + 1);
    auto boolean = [&] {
      auto parsed = parse_bool(val);
      if (!parsed) throw fail_with("invalid value for " + key + ": " + val);
      return *parsed;
    };
    auto set_pair = [&](json& map) {
      auto at = val.find('=');
      map[val.substr(0, at)] = at == std::string::npos ? "" : val.substr(at + 1);
    };
    if (key == "type") {
      for (auto& c : val) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      mount["Type"] = val;
    } else if (key == "source" || key == "src") mount["Source"] = absolute_if_dotted(val);
    else if (key == "target" || key == "dst" || key == "destination") mount["Target"] = val;
    else if (key == "readonly" || key == "ro") mount["ReadOnly"] = boolean();
    else if (key == "consistency") mount["Consistency"] = val;
    else if (key == "bind-propagation") bind_options["Propagation"] = val;
    else if (key == "bind-nonrecursive") bind_options["NonRecursive"] = boolean();
    else if (key == "volume-driver") volume_options["DriverConfig"]["Name"] = val;
    else if (key == "volume-nocopy") volume_options["NoCopy"] = boolean();
    else if (key == "volume-label") set_pair(volume_options["Labels"]);
    else if (key == "volume-opt") set_pair(volume_options["DriverConfig"]["Options"]);
    else if (key == "tmpfs-size") {
      auto bytes = ram_in_bytes(val);
      if (!bytes) throw fail_with("invalid size: '" + val + "'");
      tmpfs_options["SizeBytes"] = *bytes;
    } else if (key == "tmpfs-mode") {
      std::size_t used = 0;
      unsigned long mode = 0;
      try {
        mode = std::stoul(val, &used, 8);
      } catch (const std::exception&) {
      }
      if (val.empty() || used != val.size() || mode > 0xffffffffUL) throw fail_with("invalid value for " + key + ": " + val);
      tmpfs_options["Mode"] = mode;
    } else {
      throw fail_with("unexpected key '" + key + "' in '" + field + "'");
    }
  }
  std::string type = mount["Type"];
  if (type.empty()) throw fail_with("type is required");
  if (!mount.contains("Target") || mount["Target"].get<std::string>().empty()) throw fail_with("target is required");
  if (!volume_options.is_null() && type != "volume") throw fail_with("cannot mix 'volume-*' options with mount type '" + type + "'");
  if (!bind_options.is_null() && type != "bind") throw fail_with("cannot mix 'bind-*' options with mount type '" + type + "'");
  if (!tmpfs_options.is_null() && type != "tmpfs") throw fail_with("cannot mix 'tmpfs-*' options with mount type '" + type + "'");
  if (!volume_options.is_null()) mount["VolumeOptions"] = volume_options;
  if (!bind_options.is_null()) mount["BindOptions"] = bind_options;
  if (!tmpfs_options.is_null()) mount["TmpfsOptions"] = tmpfs_options;
  return mount;
}

std::unique_ptr<CreateFlags> volume_flags() { return std::make_unique<VolumeFlags>(); }

}  // namespace gorae::cli
