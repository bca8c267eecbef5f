// The isolation flags of `gorae run/create`, turned into HostConfig fields the
// way the docker CLI does it (cli/command/container/opts.go).

#include <CLI/CLI.hpp>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gorae/cli/isolation_flags.hpp"

namespace gorae::cli {
namespace {

using nlohmann::json;

bool parse_int(std::string_view text, std::int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// "nofile=1024:2048" or "nofile=1024" (hard = soft).
json parse_ulimit(const std::string& text) {
  auto equals = text.find('=');
  if (equals == std::string::npos)
    throw Failure(125, "invalid argument \"" + text + "\" for \"--ulimit\" flag: invalid ulimit argument: " + text);
  std::string name = text.substr(0, equals);
  std::string limits = text.substr(equals + 1);
  auto colon = limits.find(':');
  std::int64_t soft = 0, hard = 0;
  bool ok = parse_int(limits.substr(0, colon), soft);
  hard = soft;
  if (colon != std::string::npos) ok = ok && parse_int(limits.substr(colon + 1), hard);
  if (!ok)
    throw Failure(125, "invalid argument \"" + text + "\" for \"--ulimit\" flag: invalid ulimit argument: " + text);
  return {{"Name", name}, {"Soft", soft}, {"Hard", hard}};
}

// `seccomp=PATH` is read on the client, as docker does: the daemon may run
// elsewhere and never sees the file.
std::string resolve_security_opt(const std::string& option) {
  for (const char* prefix : {"seccomp=", "seccomp:"}) {
    if (option.rfind(prefix, 0) != 0) continue;
    std::string value = option.substr(8);
    if (value == "unconfined" || value == "builtin" || value.empty()) return option;
    std::ifstream file(value);
    if (!file)
      throw Failure(125, "invalid argument \"" + option + "\" for \"--security-opt\" flag: opening seccomp profile (" +
                             value + ") failed: open " + value + ": no such file or directory");
    std::stringstream content;
    content << file.rdbuf();
    return "seccomp=" + content.str();
  }
  return option;
}

class IsolationFlags final : public CreateFlags {
 public:
  void add_to(CLI::App& command) override {
    command.add_option("--cap-add", cap_add_, "Add Linux capabilities")->allow_extra_args(false);
    command.add_option("--cap-drop", cap_drop_, "Drop Linux capabilities")->allow_extra_args(false);
    command.add_flag("--privileged", privileged_, "Give extended privileges to this container");
    command.add_option("--security-opt", security_opt_, "Security Options")->allow_extra_args(false);
    command.add_flag("--read-only", read_only_, "Mount the container's root filesystem as read only");
    command.add_option("--ulimit", ulimits_, "Ulimit options")->allow_extra_args(false);
    command.add_option("--pid", pid_, "PID namespace to use");
    command.add_option("--ipc", ipc_, "IPC mode to use");
    command.add_option("--uts", uts_, "UTS namespace to use");
    command.add_option("--cgroupns", cgroupns_, "Cgroup namespace to use (host|private)");
    command.add_option("--domainname", domainname_, "Container NIS domain name");
  }

  void apply(json& body) const override {
    json& host = body["HostConfig"];
    host["CapAdd"] = cap_add_.empty() ? json(nullptr) : json(cap_add_);
    host["CapDrop"] = cap_drop_.empty() ? json(nullptr) : json(cap_drop_);
    host["Privileged"] = privileged_;
    host["ReadonlyRootfs"] = read_only_;
    json security = json::array();
    for (const auto& option : security_opt_) security.push_back(resolve_security_opt(option));
    host["SecurityOpt"] = security.empty() ? json(nullptr) : security;
    json ulimits = json::array();
    for (const auto& limit : ulimits_) ulimits.push_back(parse_ulimit(limit));
    host["Ulimits"] = ulimits.empty() ? json(nullptr) : ulimits;
    host["PidMode"] = pid_;
    host["IpcMode"] = ipc_;
    host["UTSMode"] = uts_;
    host["CgroupnsMode"] = cgroupns_;
    body["Domainname"] = domainname_;
  }

 private:
  std::vector<std::string> cap_add_, cap_drop_, security_opt_, ulimits_;
  bool privileged_ = false, read_only_ = false;
  std::string pid_, ipc_, uts_, cgroupns_, domainname_;
};

}  // namespace

std::unique_ptr<CreateFlags> isolation_flags() { return std::make_unique<IsolationFlags>(); }

}  // namespace gorae::cli
