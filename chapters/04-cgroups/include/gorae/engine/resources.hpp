#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/cgroups/manager.hpp"
#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/routes.hpp"
#include "gorae/runtime/process_hook.hpp"

namespace gorae::engine {

/// The daemon's cgroup settings: `--cgroup-parent`, the cgroup every
/// container's own cgroup goes under unless HostConfig.CgroupParent says
/// otherwise.
struct CgroupSettings {
  std::string parent = "/gorae";
};

/// HostConfig's resource fields → the OCI `linux.resources` object, as
/// dockerd converts them (Memory, MemorySwap, MemoryReservation, PidsLimit,
/// NanoCpus, CpuQuota, CpuPeriod, CpuShares, CpusetCpus, CpusetMems), with
/// dockerd's checks and messages (Errc::invalid_argument).
Result<nlohmann::json> resources_from_host_config(const nlohmann::json& host_config);

/// The cgroup a container runs in, relative to the hierarchies' roots, as
/// its config.json says (linux.cgroupsPath). Errc::not_found when the
/// container has none.
Result<std::string> cgroup_path_of(const Container& container);

/// Chapter 04's spec contributor: linux.cgroupsPath (PARENT/ID) and
/// linux.resources.
SpecContributor resources_contributor(std::shared_ptr<const CgroupSettings> settings);

/// GET /containers/{id}/stats (Docker's shape, streamed every second or
/// once) and POST /containers/{id}/update (new limits, applied at once to
/// a running container and kept for its next start).
EngineRoutes stats_routes(std::shared_ptr<cgroups::Manager> manager);

/// The runtime hook that puts each container process into its cgroup
/// (linux.cgroupsPath, limited by linux.resources) before it runs, and
/// removes the cgroup after, noting an OOM kill.
std::shared_ptr<runtime::ProcessHook> cgroup_hook(std::shared_ptr<cgroups::Manager> manager);

/// What goraed-ch04 plugs into chapter 02's engine: chapter 03's parts, the
/// cgroup hook on the runtime, the resources contributor and the routes.
EngineParts cgroup_parts(std::shared_ptr<const CgroupSettings> settings,
                         std::shared_ptr<cgroups::Manager> manager);

/// `--cgroup-parent` on the daemon's command line.
daemon::FlagInstaller cgroup_flags(std::shared_ptr<CgroupSettings> settings);

/// /info's CgroupDriver ("cgroupfs") and CgroupVersion ("1" or "2").
daemon::Installer cgroup_info_installer(std::shared_ptr<cgroups::Manager> manager);

}  // namespace gorae::engine
