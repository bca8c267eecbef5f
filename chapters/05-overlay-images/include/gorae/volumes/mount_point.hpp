#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"

namespace gorae::volumes {

/// One of a container's mounts as Docker keeps it (volume/mounts.MountPoint):
/// what the create request asked for, and, once resolved, where it comes from.
struct MountPoint {
  std::string type;         ///< "bind", "volume" or "tmpfs"
  std::string name;         ///< a volume's name; "" until an anonymous one is made
  std::string source;       ///< a bind's host path, a volume's _data directory
  std::string destination;  ///< absolute and clean, in the container
  std::string driver;       ///< "local" for a volume
  std::string mode;         ///< as inspect shows it: "", "ro", "z", "ro,nocopy"...
  bool rw = true;
  std::string propagation;  ///< a bind's: "rprivate" unless asked otherwise
  bool anonymous = false;   ///< no source was named: `docker rm -v` removes it
  bool copy_data = false;   ///< a volume gets the image's files when it is empty
  bool create_source = false;   ///< a missing host path is made (-v binds)
  bool non_recursive = false;   ///< "bind" rather than "rbind"
  bool listed = true;           ///< in inspect's Mounts (HostConfig.Tmpfs is not)
  std::string tmpfs_data;       ///< "size=64m,mode=1777" for a tmpfs
  std::map<std::string, std::string> volume_labels;  ///< VolumeOptions.Labels
  std::map<std::string, std::string> volume_options; ///< VolumeOptions.DriverConfig.Options
  std::string volume_driver;                         ///< VolumeOptions.DriverConfig.Name
};

/// Whether a host path exists; the parser asks, so tests need no files.
using PathExists = std::function<bool(const std::string& path)>;

/// One HostConfig.Binds entry, `[SOURCE:]DESTINATION[:MODE]`, as dockerd
/// reads it (ParseMountRaw): an absolute SOURCE is a bind, another a named
/// volume, none an anonymous volume; MODE is rw/ro, z/Z, a propagation,
/// nocopy, a consistency, comma-separated.
/// @return Errc::invalid_argument with Docker's text, e.g. "invalid volume
///         specification: '/a:b': invalid mount config for type "bind":
///         invalid mount path: 'b' mount path must be absolute".
Result<MountPoint> parse_bind(const std::string& raw);

/// One HostConfig.Mounts entry (Docker's mount.Mount: Type, Source, Target,
/// ReadOnly, BindOptions, VolumeOptions, TmpfsOptions), checked as dockerd
/// does (ParseMountSpec): a bind's source must exist unless
/// BindOptions.CreateMountpoint.
/// @return Errc::invalid_argument: 'invalid mount config for type "bind":
///         bind source path does not exist: /x', ...
Result<MountPoint> parse_mount(const nlohmann::json& spec, const PathExists& exists);

/// One HostConfig.Tmpfs entry: {"/run": "rw,size=64m"}.
Result<MountPoint> parse_tmpfs(const std::string& destination, const std::string& options);

/// Every mount a HostConfig asks for: Binds, then Mounts, then Tmpfs, one
/// per destination. @return "Duplicate mount point: /x" for a second one;
/// a Binds entry's error as Errc::internal, the 500 dockerd answers with.
Result<std::vector<MountPoint>> parse_host_config(const nlohmann::json& host_config,
                                                  const PathExists& exists);

/// Docker's tmpfs data for TmpfsOptions: "ro", "mode=1770", "size=64m"
/// (the largest of g, m, k that divides the size), joined with ",".
std::string tmpfs_data(bool read_only, unsigned mode, long long size_bytes);

}  // namespace gorae::volumes
