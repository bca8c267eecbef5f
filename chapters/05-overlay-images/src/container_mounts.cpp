// A container's mounts through its life: resolved and recorded at create
// (volumes made, image files copied up), written into config.json at each
// start, shown by inspect, and let go when the container is removed.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gorae/base/log.hpp"
#include "gorae/daemon/state_files.hpp"
#include "gorae/engine/volume_parts.hpp"
#include "gorae/volumes/copy_up.hpp"
#include "gorae/volumes/mount_point.hpp"
#include "gorae/volumes/spec_mounts.hpp"
#include "mount_record.hpp"
#include "mount_text.hpp"

namespace gorae::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using volumes::MountPoint;
using volumes::VolumeStore;

struct Shared {
  std::shared_ptr<VolumeStore> store;
  std::string containers_dir;  // DATA_ROOT/containers, chapter 02's
  std::string record(const std::string& id) const { return containers_dir + "/" + id + "/mounts.json"; }
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What a create made, undone when it fails halfway.
void let_go(VolumeStore& store, const std::vector<MountPoint>& mounts, const std::string& id, bool remove_anonymous) {
  for (const auto& mp : mounts) {
    if (mp.type != "volume" || mp.name.empty()) continue;
    store.release(mp.name, id);
    if (!remove_anonymous || !mp.anonymous) continue;
    // Another container may use it (dockerd ignores that conflict too).
    if (auto removed = store.remove(mp.name, true); !removed && removed.error().kind() != Errc::conflict)
      GORAE_LOG_WARN("volume %s: %s", mp.name.c_str(), removed.error().what().c_str());
  }
}

// `requested`: asked for in HostConfig (-v, --mount), not by Config.Volumes.
Status make_volume(VolumeStore& store, MountPoint& mp, const std::string& id, bool requested) {
  if (mp.anonymous) mp.volume_labels[volumes::kAnonymousLabel] = "";
  GORAE_ASSIGN_OR_RETURN(auto volume,
                         store.create({mp.name, mp.volume_driver, mp.volume_labels, mp.volume_options, id}));
  mp.name = volume.name;
  mp.source = volume.mountpoint;
  mp.driver = volume.driver;
  if (mp.mode.empty() && requested) mp.mode = "z";  // dockerd's setBindModeIfNull for local volumes
  return {};
}

// dockerd's create-time work (registerMountPoints, then the image's volumes
// in createContainerOSSpecificSettings, then populateVolumes).
Status resolve_mounts(VolumeStore& store, const Container& container, const std::string& rootfs,
                      std::vector<MountPoint>& mounts) {
  json host = json::parse(container.host_config, nullptr, false);
  auto exists = [](const std::string& path) {
    std::error_code ec;
    return fs::exists(path, ec);
  };
  GORAE_ASSIGN_OR_RETURN(mounts, volumes::parse_host_config(host.is_object() ? host : json::object(), exists));
  for (auto& mp : mounts)
    if (mp.type == "volume") GORAE_TRY(make_volume(store, mp, container.id, true));
  for (const auto& path : container.config.volumes) {
    MountPoint mp;
    mp.type = "volume";
    mp.destination = volumes::clean_path(path);
    bool mounted = false;
    for (const auto& other : mounts) mounted = mounted || other.destination == mp.destination;
    if (mounted) continue;  // a bind or a named volume there wins
    struct stat info {};
    std::string in_rootfs = rootfs + mp.destination;
    if (::lstat(in_rootfs.c_str(), &info) == 0 && !S_ISDIR(info.st_mode) && !S_ISLNK(info.st_mode))
      return fail(Errc::invalid_argument, "cannot mount volume over existing file, file exists " + in_rootfs);
    mp.anonymous = mp.copy_data = true;
    GORAE_TRY(make_volume(store, mp, container.id, false));
    mounts.push_back(std::move(mp));
  }
  for (const auto& mp : mounts)
    if (mp.type == "volume" && mp.copy_data)
      GORAE_TRY(volumes::copy_up(rootfs, mp.destination, mp.source).map_error([&](Error e) {
        return std::move(e).wrap("copy " + mp.destination + " into volume " + mp.name);
      }));
  return {};
}

// dockerd makes a -v bind's missing host directory at each start
// (MountPoint.Setup), owned by root, 0755.
Status make_bind_sources(const std::vector<MountPoint>& mounts) {
  for (const auto& mp : mounts) {
    if (mp.type != "bind" || !mp.create_source) continue;
    std::error_code ec;
    if (fs::exists(mp.source, ec)) continue;
    fs::create_directories(mp.source, ec);
    if (ec) return fail(Errc::system, "error while creating mount source path '" + mp.source + "': " + ec.message());
  }
  return {};
}

Status contribute(const Shared& shared, const Container& container, json& spec) {
  std::vector<MountPoint> mounts;
  std::string record = shared.record(container.id);
  if (fs::exists(record)) {
    GORAE_ASSIGN_OR_RETURN(mounts, read_mount_record(read_text(record)));
    for (const auto& mp : mounts)
      if (mp.type == "volume") GORAE_TRY(shared.store->get(mp.name));
    GORAE_TRY(make_bind_sources(mounts));
  } else {
    std::string rootfs = spec["root"].value("path", "");
    if (auto resolved = resolve_mounts(*shared.store, container, rootfs, mounts); !resolved) {
      let_go(*shared.store, mounts, container.id, true);
      return resolved;
    }
    if (auto saved = daemon::write_file_atomic(record, write_mount_record(mounts), 0600); !saved) {
      let_go(*shared.store, mounts, container.id, true);
      return saved;
    }
  }
  auto resolve = [](const std::string& path) {
    std::error_code ec;
    auto real = fs::canonical(path, ec);
    return ec ? path : real.string();
  };
  return volumes::add_mounts(mounts, spec, read_text("/proc/self/mountinfo"), resolve);
}

std::vector<MountPoint> recorded(const Shared& shared, const std::string& id) {
  std::string record = shared.record(id);
  if (!fs::exists(record)) return {};
  auto mounts = read_mount_record(read_text(record));
  if (!mounts) GORAE_LOG_WARN("container %s: %s", id.c_str(), mounts.error().what().c_str());
  return mounts ? *mounts : std::vector<MountPoint>{};
}

}  // namespace

Status add_volume_parts(EngineParts& parts, const daemon::Options& options) {
  GORAE_ASSIGN_OR_RETURN(std::shared_ptr<VolumeStore> store, VolumeStore::open(options.data_root + "/volumes"));
  auto shared = std::make_shared<Shared>(Shared{store, options.data_root + "/containers"});
  // The references dockerd rebuilds at start: every container's volumes.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(shared->containers_dir, ec))
    for (const auto& mp : recorded(*shared, entry.path().filename()))
      if (mp.type == "volume") store->add_reference(mp.name, entry.path().filename());
  parts.contributors.push_back(
      [shared](const Container& container, json& spec) { return contribute(*shared, container, spec); });
  parts.remove_observers.push_back([shared](const Container& container, bool remove_volumes) {
    let_go(*shared->store, recorded(*shared, container.id), container.id, remove_volumes);
  });
  parts.inspect.push_back([shared](const Container& container, json& document) {
    document["Mounts"] = mounts_json(recorded(*shared, container.id));
  });
  parts.routes.push_back(volume_routes(store));
  return {};
}

}  // namespace gorae::engine
