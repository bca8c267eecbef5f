// The mounts a create request asks for, read the way dockerd reads them
// (volume/mounts/linux_parser.go): `-v` strings, `--mount` objects and
// HostConfig.Tmpfs, with Docker's checks and its error messages word for word.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "gorae/volumes/mount_point.hpp"
#include "mount_text.hpp"

namespace gorae::volumes {
namespace {

using nlohmann::json;

// mount.Mount, as far as we read it.
struct Spec {
  std::string type, source, target;
  bool read_only = false;
  bool bind_options = false, volume_options = false, tmpfs_options = false;
  std::string propagation;
  bool non_recursive = false, create_mountpoint = false;
  bool no_copy = false;
  std::string driver;
  std::map<std::string, std::string> labels, driver_options;
  long long size_bytes = 0;
  unsigned mode = 0;
  std::vector<std::string> tmpfs_extra;  // TmpfsOptions.Options: exec, noexec
};

tl::unexpected<Error> invalid(const std::string& message) {
  return fail(Errc::invalid_argument, message);
}

tl::unexpected<Error> config_error(const Spec& spec, const std::string& why) {
  return invalid("invalid mount config for type \"" + spec.type + "\": " + why);
}

std::string not_absolute(const std::string& path) {
  return "invalid mount path: '" + path + "' mount path must be absolute";
}

Status validate(const Spec& spec, const PathExists* exists) {
  if (spec.target.empty()) return config_error(spec, "field Target must not be empty");
  if (clean_path(spec.target) == "/")
    return config_error(spec, "invalid specification: destination can't be '/'");
  if (spec.target[0] != '/') return config_error(spec, not_absolute(spec.target));
  if (spec.type == "bind") {
    if (spec.source.empty()) return config_error(spec, "field Source must not be empty");
    if (!spec.propagation.empty() && !is_propagation(spec.propagation))
      return config_error(spec, "invalid propagation mode: " + spec.propagation);
    if (spec.volume_options) return config_error(spec, "field VolumeOptions must not be specified");
    if (spec.source[0] != '/') return config_error(spec, not_absolute(spec.source));
    if (exists && !spec.create_mountpoint && !(*exists)(spec.source))
      return config_error(spec, "bind source path does not exist: " + spec.source);
  } else if (spec.type == "volume") {
    if (spec.bind_options) return config_error(spec, "field BindOptions must not be specified");
    if (spec.read_only && spec.source.empty())
      return config_error(spec, "must not set ReadOnly mode when using anonymous volumes");
  } else if (spec.type == "tmpfs") {
    if (spec.bind_options) return config_error(spec, "field BindOptions must not be specified");
    if (!spec.source.empty()) return config_error(spec, "field Source must not be specified");
    for (const auto& option : spec.tmpfs_extra)
      if (option != "exec" && option != "noexec") return config_error(spec, "invalid option: " + option);
  } else {
    return config_error(spec, "mount type unknown");
  }
  return {};
}

MountPoint to_mount_point(const Spec& spec) {
  MountPoint mp;
  mp.type = spec.type;
  mp.destination = clean_path(spec.target);
  mp.rw = !spec.read_only;
  if (spec.type == "volume") {
    mp.name = spec.source;
    mp.anonymous = spec.source.empty();
    mp.copy_data = !spec.no_copy;
    mp.volume_driver = spec.driver;
    mp.volume_labels = spec.labels;
    mp.volume_options = spec.driver_options;
  } else if (spec.type == "bind") {
    mp.source = clean_path(spec.source);
    mp.propagation = spec.propagation.empty() ? "rprivate" : spec.propagation;
    mp.non_recursive = spec.non_recursive;
    mp.create_source = spec.create_mountpoint;
  } else {
    mp.tmpfs_data = tmpfs_data(spec.read_only, spec.mode, spec.size_bytes);
    for (const auto& option : spec.tmpfs_extra)
      mp.tmpfs_data += (mp.tmpfs_data.empty() ? "" : ",") + option;
  }
  return mp;
}

}  // namespace

Result<MountPoint> parse_bind(const std::string& raw) {
  std::vector<std::string> parts = split(raw, ':', 4);
  auto bad_spec = [&] { return invalid("invalid volume specification: '" + raw + "'"); };
  if (parts[0].empty()) return bad_spec();
  Spec spec;
  std::string mode;
  switch (parts.size()) {
    case 1: spec.target = parts[0]; break;
    case 2:
      // "/data:ro" names no destination: a mode cannot stand in for one.
      if (is_valid_mode(parts[1])) return bad_spec();
      spec.source = parts[0];
      spec.target = parts[1];
      break;
    case 3:
      spec.source = parts[0];
      spec.target = parts[1];
      mode = parts[2];
      break;
    default: return bad_spec();
  }
  if (!is_valid_mode(mode)) return invalid("invalid mode: " + mode);
  spec.type = !spec.source.empty() && spec.source[0] == '/' ? "bind" : "volume";
  for (const auto& word : split(mode, ',', 0)) {
    if (word == "ro") spec.read_only = true;
    if (word == "nocopy") spec.volume_options = spec.no_copy = true;
    if (is_propagation(word)) {
      spec.bind_options = true;
      spec.propagation = word;
    }
  }
  if (auto valid = validate(spec, nullptr); !valid)
    return invalid("invalid volume specification: '" + raw + "': " + valid.error().what());
  MountPoint mp = to_mount_point(spec);
  mp.mode = mode;
  // dockerd makes a missing host directory for -v (and only for -v).
  if (mp.type == "bind") mp.create_source = true;
  return mp;
}

Result<MountPoint> parse_mount(const json& object, const PathExists& exists) {
  Spec spec;
  GORAE_TRY(read_mount_object(object, spec.type, spec.source, spec.target, spec.read_only));
  if (const json* bind = field(object, "BindOptions")) {
    spec.bind_options = true;
    GORAE_TRY(read_string(*bind, "BindOptions.Propagation", "Propagation", spec.propagation));
    GORAE_TRY(read_bool(*bind, "BindOptions.NonRecursive", "NonRecursive", spec.non_recursive));
    GORAE_TRY(read_bool(*bind, "BindOptions.CreateMountpoint", "CreateMountpoint", spec.create_mountpoint));
  }
  if (const json* volume = field(object, "VolumeOptions")) {
    spec.volume_options = true;
    GORAE_TRY(read_bool(*volume, "VolumeOptions.NoCopy", "NoCopy", spec.no_copy));
    GORAE_TRY(read_string_map(*volume, "VolumeOptions.Labels", "Labels", spec.labels));
    if (const json* driver = field(*volume, "DriverConfig")) {
      GORAE_TRY(read_string(*driver, "VolumeOptions.DriverConfig.Name", "Name", spec.driver));
      GORAE_TRY(read_string_map(*driver, "VolumeOptions.DriverConfig.Options", "Options", spec.driver_options));
    }
    std::string subpath;
    GORAE_TRY(read_string(*volume, "VolumeOptions.Subpath", "Subpath", subpath));
    if (!subpath.empty()) return invalid("VolumeOptions.Subpath needs API 1.45; gorae speaks 1.41");
  }
  if (const json* tmpfs = field(object, "TmpfsOptions")) {
    spec.tmpfs_options = true;
    GORAE_TRY(read_tmpfs_options(*tmpfs, spec.size_bytes, spec.mode, spec.tmpfs_extra));
  }
  GORAE_TRY(validate(spec, &exists));
  return to_mount_point(spec);
}

Result<MountPoint> parse_tmpfs(const std::string& destination, const std::string& options) {
  if (clean_path(destination) == "/") return invalid("invalid specification: destination can't be '/'");
  if (destination.empty() || destination[0] != '/') return invalid(not_absolute(destination));
  if (!options.empty()) GORAE_TRY(merge_tmpfs_options(split(options, ',', 0)));
  MountPoint mp;
  mp.type = "tmpfs";
  mp.destination = clean_path(destination);
  mp.tmpfs_data = options;
  mp.listed = false;  // dockerd shows --tmpfs only in HostConfig.Tmpfs
  return mp;
}

Result<std::vector<MountPoint>> parse_host_config(const json& host, const PathExists& exists) {
  std::vector<MountPoint> mounts;
  auto add = [&](MountPoint mp, const std::string& shown) -> Status {
    for (const auto& other : mounts)
      if (other.destination == mp.destination) return invalid("Duplicate mount point: " + shown);
    mounts.push_back(std::move(mp));
    return {};
  };
  if (const json* binds = field(host, "Binds"); binds && binds->is_array())
    for (const auto& raw : *binds) {
      auto parsed = parse_bind(raw.is_string() ? raw.get<std::string>() : "");
      // dockerd returns ParseMountRaw's error unwrapped, which its API
      // answers with a 500 (a --mount error is a 400).
      if (!parsed) return fail(Errc::internal, parsed.error().what());
      MountPoint mp = std::move(*parsed);
      std::string destination = mp.destination;
      GORAE_TRY(add(std::move(mp), destination));
    }
  if (const json* list = field(host, "Mounts"); list && list->is_array())
    for (const auto& object : *list) {
      GORAE_ASSIGN_OR_RETURN(MountPoint mp, parse_mount(object, exists));
      std::string target = object.value("Target", mp.destination);
      GORAE_TRY(add(std::move(mp), target));
    }
  if (const json* tmpfs = field(host, "Tmpfs"); tmpfs && tmpfs->is_object())
    for (const auto& [destination, options] : tmpfs->items()) {
      GORAE_ASSIGN_OR_RETURN(MountPoint mp,
                             parse_tmpfs(destination, options.is_string() ? options.get<std::string>() : ""));
      GORAE_TRY(add(std::move(mp), destination));
    }
  return mounts;
}

std::string tmpfs_data(bool read_only, unsigned mode, long long size_bytes) {
  std::vector<std::string> words;
  if (read_only) words.push_back("ro");
  if (mode != 0) {
    char octal[24];
    std::snprintf(octal, sizeof octal, "mode=%o", mode);
    words.push_back(octal);
  }
  if (size_bytes != 0) {
    std::string suffix;
    for (auto [unit, divisor] : {std::pair{"g", 1LL << 30}, {"m", 1LL << 20}, {"k", 1LL << 10}}) {
      if (size_bytes % divisor == 0) {
        size_bytes /= divisor;
        suffix = unit;
        break;
      }
    }
    words.push_back("size=" + std::to_string(size_bytes) + suffix);
  }
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : ",") + word;
  return out;
}

}  // namespace gorae::volumes
