#pragma once

#include <memory>

#include "gorae/base/error.hpp"
#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/routes.hpp"
#include "gorae/volumes/volume_store.hpp"

namespace gorae::engine {

/// Chapter 05's volumes in chapter 02's engine. Opens DATA_ROOT/volumes and
/// adds to `parts`:
///  - a spec contributor (after the others: it places its mounts among
///    chapter 03's defaults). At create it reads HostConfig.Binds, Mounts
///    and Tmpfs and Config.Volumes, makes the named and anonymous volumes,
///    copies the image's files into new ones, and records the container's
///    mounts in DATA_ROOT/containers/ID/mounts.json (where dockerd keeps
///    MountPoints: with the container); at each start it makes the missing
///    host directories of -v binds. Both times it writes config.json's mounts.
///  - a remove observer: the container's volumes are released, and with
///    `rm -v` (or --rm) its anonymous ones removed.
///  - an inspect contributor: "Mounts" in Docker's shape.
///  - the /volumes routes (create, list, inspect, remove, prune).
/// Which containers use which volume is read back from the records.
Status add_volume_parts(EngineParts& parts, const daemon::Options& options);

/// The /volumes routes over `store`.
EngineRoutes volume_routes(std::shared_ptr<volumes::VolumeStore> store);

}  // namespace gorae::engine
