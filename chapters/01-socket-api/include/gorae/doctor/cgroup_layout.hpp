#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gorae::doctor {

/// How the cgroup filesystems are mounted on a host.
///
/// Chapter 01's doctor prints it, `/info` reports it as `CgroupVersion`, and
/// chapter 04 picks its `cgroups::Manager` from it (V1Manager for v1 and
/// hybrid, V2Manager for v2), the way nsjail and containerd probe.
enum class CgroupLayout {
  v1,      ///< only cgroup v1 hierarchies, one per controller (or group)
  hybrid,  ///< v1 controllers plus a cgroup2 mount elsewhere (systemd's /sys/fs/cgroup/unified)
  v2,      ///< the unified hierarchy is mounted at /sys/fs/cgroup
  none,    ///< no cgroup filesystem is mounted
};

/// Decides the layout from the text of /proc/self/mounts.
///
/// cgroup2 at /sys/fs/cgroup → v2, whatever else is mounted. Otherwise, v1
/// hierarchies holding at least one controller plus any cgroup2 mount →
/// hybrid, and without one → v1. A lone cgroup2 mounted somewhere other than
/// /sys/fs/cgroup still counts as v2 (see cgroup2_mount_point()). A named v1
/// hierarchy with no controller (`name=systemd`) does not count as v1. When
/// two mounts share a mount point, the later one hides the earlier.
/// @return CgroupLayout::none when no cgroup or cgroup2 mount is listed.
CgroupLayout detect_cgroup_layout(std::string_view proc_mounts_text);

/// Where the cgroup2 hierarchy is mounted ("/sys/fs/cgroup",
/// "/sys/fs/cgroup/unified", ...), octal escapes such as `\040` decoded.
/// @return "" when no cgroup2 filesystem is mounted. Prefers /sys/fs/cgroup.
std::string cgroup2_mount_point(std::string_view proc_mounts_text);

/// The controllers the engine can use with this layout.
///
/// For v1 and hybrid they come from /proc/cgroups: controllers that are
/// enabled (4th column 1) and attached to a v1 hierarchy (2nd column ≠ 0);
/// gorae, like dockerd, drives a hybrid host through its v1 hierarchies.
/// For v2 they are the words of `<cgroup2 mount>/cgroup.controllers`.
/// @param proc_cgroups_text the text of /proc/cgroups (used for v1, hybrid)
/// @param cgroup2_controllers_text the text of `<mount>/cgroup.controllers` (used for v2)
/// @return controller names in file order; empty for CgroupLayout::none.
std::vector<std::string> cgroup_controllers(CgroupLayout layout, std::string_view proc_cgroups_text,
                                            std::string_view cgroup2_controllers_text);

/// "v1", "hybrid", "v2" or "none".
const char* to_string(CgroupLayout layout);

/// The `CgroupVersion` that `/info` reports: "2" for v2 and "1" otherwise.
/// dockerd says "1" for hybrid (it then drives the v1 hierarchies) and, having
/// "1" as its default, for a host without cgroups too.
std::string docker_cgroup_version(CgroupLayout layout);

}  // namespace gorae::doctor
