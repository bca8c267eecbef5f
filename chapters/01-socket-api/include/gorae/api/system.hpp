#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/api/router.hpp"

namespace gorae::api {

/// Facts about the machine that cannot change while the daemon runs, read
/// once at start-up so /version and /info never touch the disk for them.
struct HostFacts {
  std::string kernel_version;    ///< uname -r
  std::string operating_system;  ///< PRETTY_NAME of /etc/os-release
  std::string os_version;        ///< VERSION_ID of /etc/os-release
  std::string architecture;      ///< uname -m, e.g. "x86_64" (/info)
  std::string go_arch;           ///< Go's name for it, e.g. "amd64" (/version)
  int ncpu = 0;                  ///< CPUs this process may run on
  std::int64_t mem_total = 0;    ///< bytes, MemTotal of /proc/meminfo
  std::string cgroup_version;    ///< "1" or "2", as dockerd reports it
};

/// Reads HostFacts from uname, /etc/os-release, /proc/meminfo and
/// /proc/self/mounts.
HostFacts read_host_facts();

/// Go's GOARCH name for a `uname -m` machine ("x86_64" → "amd64").
std::string go_arch_name(std::string_view machine);
/// MemTotal in bytes from the text of /proc/meminfo; 0 when absent.
std::int64_t parse_mem_total(std::string_view meminfo);
/// One KEY's value from the text of /etc/os-release, unquoted.
std::string os_release_value(std::string_view os_release, std::string_view key);

/// How this daemon was started, as /info reports it.
struct DaemonFacts {
  std::string id;         ///< persistent engine ID (data-root/engine-id)
  std::string data_root;  ///< DockerRootDir
  bool debug = false;
};

/// Later chapters fill /info fields they know (Containers, Images, Driver,
/// SecurityOptions...) by registering one of these.
using InfoContributor = std::function<void(nlohmann::json& info)>;

/// The answers of /_ping, /version and /info.
class SystemInfo {
 public:
  SystemInfo(HostFacts host, DaemonFacts daemon);
  ~SystemInfo();

  void add_info_contributor(InfoContributor contributor);

  /// The /version body, from the host facts read at start-up.
  std::string version_json() const;
  /// The /info object: the fixed part plus what changes (time, fds, name)
  /// plus every contributor's fields.
  nlohmann::json info() const;

 private:
  HostFacts host_;
  std::unique_ptr<nlohmann::json> fixed_info_;
  std::vector<InfoContributor> contributors_;
};

/// GET and HEAD /_ping, GET /version, GET /info.
void install_system_routes(Router& router, std::shared_ptr<const SystemInfo> system);

}  // namespace gorae::api
