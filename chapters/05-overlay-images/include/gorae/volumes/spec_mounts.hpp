#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/volumes/mount_point.hpp"

namespace gorae::volumes {

/// One resolved mount as config.json's `mounts` entry, as dockerd's
/// WithMounts writes it: a bind or a volume is type "bind" with "rbind" (or
/// "bind"), "ro" when read-only and the bind's propagation; a tmpfs gets
/// noexec, nosuid, nodev, rprivate and its data, merged.
/// @return Errc::invalid_argument for tmpfs data Docker refuses.
Result<nlohmann::json> oci_mount(const MountPoint& mount);

/// Puts a container's mounts into config.json in Docker's order: the
/// defaults already there (chapter 03's /proc, /dev, ...) without the ones a
/// user mount replaces (the same destination; everything under /dev when
/// /dev itself is mounted), then the user mounts, parents before children.
/// A shared bind makes linux.rootfsPropagation "shared", a slave one
/// "rslave", and each needs its source on a mount of that kind:
/// `mount_info` is /proc/self/mountinfo's text, `resolve` turns a source
/// into its real path (symlinks followed).
/// @return Errc::invalid_argument "path /x is mounted on / but it is not a
///         shared mount", ...
Status add_mounts(const std::vector<MountPoint>& mounts, nlohmann::json& spec,
                  const std::string& mount_info,
                  const std::function<std::string(const std::string&)>& resolve);

}  // namespace gorae::volumes
