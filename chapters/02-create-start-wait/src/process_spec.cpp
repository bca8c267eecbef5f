#include <algorithm>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine_internal.hpp"

namespace gorae::engine {
namespace {

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

bool parse_id(std::string_view text, unsigned& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// Looks `name` up in a passwd- or group-style file: returns the fields of
// the first line whose first field is `name` (or whose id field is `name`).
std::optional<std::vector<std::string>> lookup(const std::string& file, const std::string& name) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream split(line);
    std::string field;
    while (std::getline(split, field, ':')) fields.push_back(field);
    if (fields.size() >= 3 && (fields[0] == name)) return fields;
  }
  return std::nullopt;
}

}  // namespace

Status merge_image_config(ContainerConfig& config, const ImageConfig& image) {
  // A client's Entrypoint replaces the image's and drops the image's Cmd.
  if (!config.entrypoint) {
    config.entrypoint = image.entrypoint;
    if (config.cmd.empty()) config.cmd = image.cmd;
  }
  std::vector<std::string> env = image.env;
  for (const auto& entry : config.env) {
    // `docker run -e NAME` with NAME unset in the client sends the bare name;
    // dockerd drops it.
    if (entry.find('=') == std::string::npos) continue;
    auto key = env_key(entry);
    auto same = std::find_if(env.begin(), env.end(),
                             [&](const std::string& e) { return env_key(e) == key; });
    if (same != env.end()) *same = entry;
    else env.push_back(entry);
  }
  config.env = std::move(env);
  if (config.working_dir.empty()) config.working_dir = image.working_dir;
  if (config.user.empty()) config.user = image.user;
  // The image's volumes are added to the client's, as dockerd merges them.
  std::vector<std::string> volumes = config.volumes;
  volumes.insert(volumes.end(), image.volumes.begin(), image.volumes.end());
  std::sort(volumes.begin(), volumes.end());
  volumes.erase(std::unique(volumes.begin(), volumes.end()), volumes.end());
  config.volumes = std::move(volumes);
  if ((!config.entrypoint || config.entrypoint->empty()) && config.cmd.empty())
    return fail(Errc::invalid_argument, "No command specified");
  return {};
}

Result<runtime::BundleSpec> make_bundle_spec(const Container& container,
                                             const std::string& rootfs) {
  runtime::BundleSpec spec;
  auto& process = spec.process;
  // LAB(02) process-spec: Fill in config.json's root and process from the container
  // root.path is the rootfs; hostname the 12-character short ID unless one
  // was given; args the path and args; env the container's, plus TERM=xterm
  // with a tty; cwd its WorkingDir or "/"; the console size from HostConfig.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  spec.root_path = rootfs;
  spec.hostname = container.config.hostname.empty() ? container.id.substr(0, 12)
                                                     : container.config.hostname;
  process.args.push_back(container.path);
  process.args.insert(process.args.end(), container.args.begin(), container.args.end());
  process.env = container.config.env;
  process.cwd = container.config.working_dir.empty() ? "/" : container.config.working_dir;
  process.terminal = container.config.tty;
  // HostConfig.ConsoleSize = [height, width], sent by docker run -t.
  auto host_config = nlohmann::json::parse(container.host_config, nullptr, false);
  if (host_config.is_object() && host_config.contains("ConsoleSize")) {
    const auto& size = host_config["ConsoleSize"];
    if (size.is_array() && size.size() == 2 && size[0].is_number_unsigned() &&
        size[1].is_number_unsigned()) {
      process.console_height = size[0].get<unsigned short>();
      process.console_width = size[1].get<unsigned short>();
    }
  }
  if (container.config.tty) process.env.push_back("TERM=xterm");
  // LAB-END

  // LAB(02) process-user: Resolve the container's user to uid, gid and HOME
  // "user", "uid", "user:group" or "uid:gid", as `docker run -u` takes them:
  // names are looked up in the rootfs's /etc/passwd and /etc/group (Docker's
  // error when a name is not there); HOME comes from passwd unless set.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  bool has_home = std::any_of(process.env.begin(), process.env.end(),
                              [](const std::string& e) { return env_key(e) == "HOME"; });
  std::string user = container.config.user;
  std::string group;
  if (auto colon = user.find(':'); colon != std::string::npos) {
    group = user.substr(colon + 1);
    user = user.substr(0, colon);
  }
  std::string home = "/";
  unsigned uid = 0;
  unsigned gid = 0;
  if (!user.empty()) {
    if (auto entry = lookup(rootfs + "/etc/passwd", user); entry && entry->size() >= 6) {
      parse_id((*entry)[2], uid);
      parse_id((*entry)[3], gid);
      home = (*entry)[5];
    } else if (!parse_id(user, uid)) {
      return fail(Errc::invalid_argument,
                  "unable to find user " + user + ": no matching entries in passwd file");
    }
  } else if (auto root = lookup(rootfs + "/etc/passwd", "root"); root && root->size() >= 6) {
    home = (*root)[5];
  }
  if (!group.empty()) {
    if (auto entry = lookup(rootfs + "/etc/group", group)) {
      parse_id((*entry)[2], gid);
    } else if (!parse_id(group, gid)) {
      return fail(Errc::invalid_argument,
                  "unable to find group " + group + ": no matching entries in group file");
    }
  }
  process.uid = uid;
  process.gid = gid;
  if (!has_home) process.env.push_back("HOME=" + home);
  // LAB-END
  return spec;
}

int start_failure_exit_code(const std::string& message) {
  // LAB(02) start-failure-code: Map a failed start to the exit code Docker reports
  // 127: the command was not found; 126: it cannot be run; 128 otherwise.
  // dockerd's mapping (daemon/start.go), which the CLI repeats.
  if (message.find("executable file not found") != std::string::npos ||
      message.find("no such file or directory") != std::string::npos)
    return 127;
  if (message.find("permission denied") != std::string::npos ||
      message.find("not a directory") != std::string::npos)
    return 126;
  return 128;
  // LAB-END
}

}  // namespace gorae::engine
