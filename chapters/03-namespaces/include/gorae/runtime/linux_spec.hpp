#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/runtime/runtime.hpp"

namespace gorae::runtime {

/// linux.namespaces[]: a namespace to create (path empty) or to join.
struct NamespaceSpec {
  int clone_flag = 0;  ///< CLONE_NEWPID, CLONE_NEWNS, ...
  std::string type;    ///< "pid", "mount", ... as written
  std::string path;    ///< join /proc/PID/ns/TYPE (or a bind mount of it)
};

/// linux.uidMappings[] / gidMappings[]: containerID..+size ↔ hostID..+size.
struct IdMapping {
  std::uint32_t container_id = 0;
  std::uint32_t host_id = 0;
  std::uint32_t size = 0;
};

/// mounts[]: options as in mount(8), still unparsed ("nosuid", "mode=755").
struct MountSpec {
  std::string destination;  ///< absolute, inside the container
  std::string type;         ///< "proc", "tmpfs", "bind", ...
  std::string source;
  std::vector<std::string> options;
};

/// process.rlimits[]: RLIMIT_* by number.
struct RlimitSpec {
  int resource = 0;
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

/// process.capabilities: the five sets, as "CAP_*" names.
struct CapabilitySets {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

/// What chapter 03's runtime reads from config.json: chapter 02's part
/// (root.path, hostname, process) plus isolation and privileges.
/// Field names: opencontainers/runtime-spec config.md and config-linux.md.
struct LinuxSpec {
  BundleSpec base;
  bool root_readonly = false;       ///< root.readonly
  std::string domainname;           ///< domainname
  std::vector<MountSpec> mounts;    ///< mounts, in order
  std::optional<CapabilitySets> capabilities;  ///< absent: the process gets none
  bool no_new_privileges = false;   ///< process.noNewPrivileges
  std::vector<RlimitSpec> rlimits;  ///< process.rlimits
  std::optional<int> oom_score_adj; ///< process.oomScoreAdj
  std::vector<NamespaceSpec> namespaces;          ///< linux.namespaces
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::vector<std::string> masked_paths;          ///< linux.maskedPaths
  std::vector<std::string> readonly_paths;        ///< linux.readonlyPaths
  std::string rootfs_propagation;                 ///< linux.rootfsPropagation
  std::string seccomp_json;  ///< linux.seccomp as JSON text; empty: no filter

  bool has_namespace(int clone_flag) const;
};

/// Reads bundle/config.json.
/// @return Errc::invalid_argument naming the field, e.g. "config.json:
///         linux.namespaces[2].type: unknown namespace type \"pdi\"".
Result<LinuxSpec> load_linux_bundle(const std::string& bundle_dir);
/// The same, for a document already read.
Result<LinuxSpec> parse_linux_spec(const nlohmann::json& config);

}  // namespace gorae::runtime
