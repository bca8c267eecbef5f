#pragma once
// A container's mounts on disk (DATA_ROOT/containers/ID/mounts.json) and in
// inspect's "Mounts".

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/volumes/mount_point.hpp"

namespace gorae::engine {

/// Every field, so a start reads back exactly what the create resolved.
std::string write_mount_record(const std::vector<volumes::MountPoint>& mounts);
Result<std::vector<volumes::MountPoint>> read_mount_record(const std::string& text);

/// Docker's MountPoint list (Type, Name, Source, Destination, Driver, Mode,
/// RW, Propagation; Name and Driver only when set), sorted by destination;
/// HostConfig.Tmpfs entries are not in it, as with dockerd.
nlohmann::json mounts_json(const std::vector<volumes::MountPoint>& mounts);

}  // namespace gorae::engine
