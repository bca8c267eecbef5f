// Chapter 03's part of config.json, written from the create request the way
// dockerd writes it (daemon/oci_linux.go and oci/defaults.go): the
// namespaces, the filesystems every container gets, what it may not see,
// and what it may do.

#include <sched.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "gorae/api/system.hpp"
#include "gorae/engine/isolation.hpp"
#include "gorae/runtime/linux_runtime.hpp"
#include "gorae/security/capabilities.hpp"
#include "gorae/security/seccomp.hpp"
#include "gorae/security/security_opt.hpp"

namespace gorae::engine {
namespace {

using nlohmann::json;

json host_config_of(const Container& container) {
  json parsed = json::parse(container.host_config, nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

std::string text_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "", "private", "host", ...: which namespaces the container shares with the
// host. Sharing with another container ("container:NAME") needs the engine
// to find that container's namespace paths; it is refused until then.
Result<bool> shares_host(const json& host_config, const char* field, const char* what,
                         std::initializer_list<const char*> own_modes) {
  std::string mode = text_field(host_config, field);
  if (mode == "host") return true;
  if (mode.empty() || std::find_if(own_modes.begin(), own_modes.end(), [&](const char* m) {
                        return mode == m;
                      }) != own_modes.end())
    return false;
  if (mode.rfind("container:", 0) == 0)
    return fail(Errc::invalid_argument, std::string(what) + " \"" + mode +
                                            "\": joining another container's namespace is not supported");
  return fail(Errc::invalid_argument, std::string("invalid ") + what + ": " + mode);
}

Status add_namespaces(const Container& container, json& spec) {
  // LAB(03) namespaces: Choose the container's namespaces from HostConfig's modes
  // linux.namespaces lists the namespaces the container gets of its own:
  // mount always; network, uts, pid, ipc and cgroup unless HostConfig's
  // NetworkMode, UTSMode, PidMode, IpcMode or CgroupnsMode is "host"
  // (shares_host() reads a mode and refuses the ones we cannot honour).
  // Without its own UTS namespace the spec may not set a hostname; with
  // one, Config.Domainname becomes "domainname".
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  json host_config = host_config_of(container);
  GORAE_ASSIGN_OR_RETURN(bool host_pid, shares_host(host_config, "PidMode", "PID mode", {}));
  GORAE_ASSIGN_OR_RETURN(bool host_ipc, shares_host(host_config, "IpcMode", "IPC mode",
                                                    {"private", "shareable", "none"}));
  GORAE_ASSIGN_OR_RETURN(bool host_uts, shares_host(host_config, "UTSMode", "UTS mode", {}));
  GORAE_ASSIGN_OR_RETURN(bool host_cgroup, shares_host(host_config, "CgroupnsMode", "cgroup namespace mode",
                                                       {"private"}));
  // Chapter 06 gives the container a network; until then it gets its own
  // empty one (only lo), unless it shares the host's.
  std::string network = text_field(host_config, "NetworkMode");
  bool host_net = network == "host";

  json namespaces = json::array();
  namespaces.push_back({{"type", "mount"}});
  if (!host_net) namespaces.push_back({{"type", "network"}});
  if (!host_uts) namespaces.push_back({{"type", "uts"}});
  if (!host_pid) namespaces.push_back({{"type", "pid"}});
  if (!host_ipc) namespaces.push_back({{"type", "ipc"}});
  if (!host_cgroup) namespaces.push_back({{"type", "cgroup"}});
  spec["linux"]["namespaces"] = namespaces;

  // A hostname needs a UTS namespace of its own (runc refuses it otherwise).
  if (host_uts) {
    spec.erase("hostname");
  } else if (!container.config.domainname.empty()) {
    spec["domainname"] = container.config.domainname;
  }
  // LAB-END
  return {};
}

json mount(const char* destination, const char* type, const char* source,
           std::initializer_list<const char*> options) {
  return {{"destination", destination}, {"type", type}, {"source", source}, {"options", options}};
}

Status add_filesystems(const Container& container, json& spec) {
  // LAB(03) default-mounts: The filesystems every container gets, and what it may not see
  // Docker's mounts, in its order: /proc, /dev (a tmpfs), /dev/pts (a new
  // devpts instance), /sys (read-only unless Privileged), /dev/mqueue, then
  // /dev/shm: the host's with IpcMode "host", none with "none", else a tmpfs
  // of ShmSize (64 MiB by default). Unless Privileged, the masked and
  // read-only paths below; root.readonly from ReadonlyRootfs. mount() makes
  // one entry.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  json host_config = host_config_of(container);
  bool privileged = host_config.value("Privileged", false);
  json mounts = json::array({
      mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      // A privileged container may write /sys, as with Docker.
      privileged ? mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev"})
                 : mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
  });
  if (text_field(host_config, "IpcMode") == "host") {
    mounts.push_back(mount("/dev/shm", "bind", "/dev/shm", {"rbind", "rprivate"}));
  } else if (text_field(host_config, "IpcMode") != "none") {
    std::int64_t shm_size = host_config.value("ShmSize", std::int64_t{0});
    std::string size = "size=" + std::to_string(shm_size > 0 ? shm_size : 64 * 1024 * 1024);
    json shm = mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777"});
    shm["options"].push_back(size);
    mounts.push_back(shm);
  }
  spec["mounts"] = mounts;
  if (!privileged) {
    spec["linux"]["maskedPaths"] = default_masked_paths();
    spec["linux"]["readonlyPaths"] = default_readonly_paths();
  }
  spec["root"]["readonly"] = host_config.value("ReadonlyRootfs", false);
  // LAB-END
  return {};
}

Result<std::vector<std::string>> strings_field(const json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) return fail(Errc::invalid_argument, std::string(key) + " must be a list of strings");
  for (const json& item : *it) {
    if (!item.is_string()) return fail(Errc::invalid_argument, std::string(key) + " must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Status add_privileges(const Container& container, json& spec) {
  // LAB(03) privileges: Capabilities from CapAdd, CapDrop and Privileged; seccomp and no-new-privileges
  // security::merge_capabilities() applies Docker's rules; the result is the
  // bounding, effective and permitted sets (inheritable and ambient stay
  // empty, as with Docker 23+). HostConfig.SecurityOpt, parsed by
  // security::parse_security_opt(), says no-new-privileges and which seccomp
  // profile: security::container_seccomp() gives the linux.seccomp document,
  // or null for none (unconfined, or Privileged).
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  json host_config = host_config_of(container);
  bool privileged = host_config.value("Privileged", false);
  GORAE_ASSIGN_OR_RETURN(auto add, strings_field(host_config, "CapAdd"));
  GORAE_ASSIGN_OR_RETURN(auto drop, strings_field(host_config, "CapDrop"));
  GORAE_ASSIGN_OR_RETURN(auto capabilities, security::merge_capabilities(add, drop, privileged));
  spec["process"]["capabilities"] = {{"bounding", capabilities},
                                     {"effective", capabilities},
                                     {"permitted", capabilities}};

  GORAE_ASSIGN_OR_RETURN(auto security_opt, strings_field(host_config, "SecurityOpt"));
  GORAE_ASSIGN_OR_RETURN(security::SecurityOptions options, security::parse_security_opt(security_opt));
  spec["process"]["noNewPrivileges"] = options.no_new_privileges.value_or(false);
  GORAE_ASSIGN_OR_RETURN(json seccomp, security::container_seccomp(options, capabilities, privileged));
  if (!seccomp.is_null()) spec["linux"]["seccomp"] = std::move(seccomp);
  // LAB-END
  return {};
}

Status add_limits(const Container& container, json& spec) {
  json host_config = host_config_of(container);
  static const std::map<std::string, const char*> kNames = {
      {"as", "RLIMIT_AS"},         {"core", "RLIMIT_CORE"},         {"cpu", "RLIMIT_CPU"},
      {"data", "RLIMIT_DATA"},     {"fsize", "RLIMIT_FSIZE"},       {"locks", "RLIMIT_LOCKS"},
      {"memlock", "RLIMIT_MEMLOCK"}, {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},
      {"nofile", "RLIMIT_NOFILE"}, {"nproc", "RLIMIT_NPROC"},       {"rss", "RLIMIT_RSS"},
      {"rtprio", "RLIMIT_RTPRIO"}, {"rttime", "RLIMIT_RTTIME"},     {"sigpending", "RLIMIT_SIGPENDING"},
      {"stack", "RLIMIT_STACK"}};
  json rlimits = json::array();
  auto ulimits = host_config.find("Ulimits");
  if (ulimits != host_config.end() && ulimits->is_array()) {
    for (const json& limit : *ulimits) {
      std::string name = limit.is_object() ? text_field(limit, "Name") : "";
      auto known = kNames.find(name);
      if (known == kNames.end()) return fail(Errc::invalid_argument, "invalid ulimit type: " + name);
      auto soft = limit.value("Soft", std::int64_t{-1});
      auto hard = limit.value("Hard", std::int64_t{-1});
      if (soft < 0 || hard < 0)
        return fail(Errc::invalid_argument, "invalid ulimit " + name + ": limits must be non-negative");
      if (soft > hard)
        return fail(Errc::invalid_argument, "ulimit soft limit must be less than or equal to hard limit: " +
                                                std::to_string(soft) + " > " + std::to_string(hard));
      rlimits.push_back({{"type", known->second}, {"soft", soft}, {"hard", hard}});
    }
  }
  if (!rlimits.empty()) spec["process"]["rlimits"] = rlimits;
  auto oom = host_config.find("OomScoreAdj");
  if (oom != host_config.end() && oom->is_number_integer()) {
    int value = oom->get<int>();
    if (value < -1000 || value > 1000)
      return fail(Errc::invalid_argument,
                  "Invalid value " + std::to_string(value) + ", range for oom score adj is [-1000, 1000]");
    if (value != 0) spec["process"]["oomScoreAdj"] = value;
  }
  return {};
}

}  // namespace

const std::vector<std::string>& default_masked_paths() {
  static const std::vector<std::string> paths = {
      "/proc/asound",      "/proc/acpi",        "/proc/kcore",       "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",        "/sys/firmware",     "/sys/devices/virtual/powercap"};
  return paths;
}

const std::vector<std::string>& default_readonly_paths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

std::vector<SpecContributor> isolation_contributors() {
  return {add_namespaces, add_filesystems, add_privileges, add_limits};
}

runtime::LinuxRuntimeOptions runtime_options(const daemon::Options& options) {
  runtime::LinuxRuntimeOptions out;
  // Compiling Docker's profile takes milliseconds on every start; the exec
  // root is the daemon's own (root-only) and a reboot empties it.
  out.seccomp_cache_dir = options.exec_root + "/seccomp-cache";
  return out;
}

EngineParts isolation_parts() {
  EngineParts parts;
  parts.make_runtime = [](const daemon::Options& options) {
    return runtime::make_linux_runtime({}, runtime_options(options));
  };
  parts.contributors = isolation_contributors();
  return parts;
}

daemon::Installer security_info_installer() {
  return [](daemon::Context& context) -> Status {
    context.system.add_info_contributor([](json& info) {
      info["SecurityOptions"] = json::array({"name=seccomp,profile=builtin"});
    });
    return {};
  };
}

}  // namespace gorae::engine
