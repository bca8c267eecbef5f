#include "mount_record.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace gorae::engine {
namespace {

using nlohmann::json;
using volumes::MountPoint;

json to_record(const MountPoint& mp) {
  return json{{"Type", mp.type},
              {"Name", mp.name},
              {"Source", mp.source},
              {"Destination", mp.destination},
              {"Driver", mp.driver},
              {"Mode", mp.mode},
              {"RW", mp.rw},
              {"Propagation", mp.propagation},
              {"Anonymous", mp.anonymous},
              {"CopyData", mp.copy_data},
              {"CreateSource", mp.create_source},
              {"NonRecursive", mp.non_recursive},
              {"Listed", mp.listed},
              {"TmpfsData", mp.tmpfs_data}};
}

MountPoint from_record(const json& in) {
  MountPoint mp;
  in.at("Type").get_to(mp.type);
  in.at("Name").get_to(mp.name);
  in.at("Source").get_to(mp.source);
  in.at("Destination").get_to(mp.destination);
  in.at("Driver").get_to(mp.driver);
  in.at("Mode").get_to(mp.mode);
  in.at("RW").get_to(mp.rw);
  in.at("Propagation").get_to(mp.propagation);
  in.at("Anonymous").get_to(mp.anonymous);
  in.at("CopyData").get_to(mp.copy_data);
  in.at("CreateSource").get_to(mp.create_source);
  in.at("NonRecursive").get_to(mp.non_recursive);
  in.at("Listed").get_to(mp.listed);
  in.at("TmpfsData").get_to(mp.tmpfs_data);
  return mp;
}

}  // namespace

std::string write_mount_record(const std::vector<MountPoint>& mounts) {
  json list = json::array();
  for (const auto& mp : mounts) list.push_back(to_record(mp));
  return list.dump(1) + "\n";
}

Result<std::vector<MountPoint>> read_mount_record(const std::string& text) {
  json list = json::parse(text, nullptr, false);
  if (!list.is_array()) return fail(Errc::internal, "mounts.json: not a JSON list");
  std::vector<MountPoint> mounts;
  try {
    for (const auto& entry : list) mounts.push_back(from_record(entry));
  } catch (const json::exception& error) {
    return fail(Errc::internal, std::string("mounts.json: ") + error.what());
  }
  return mounts;
}

json mounts_json(const std::vector<MountPoint>& mounts) {
  std::vector<const MountPoint*> shown;
  for (const auto& mp : mounts)
    if (mp.listed) shown.push_back(&mp);
  std::sort(shown.begin(), shown.end(), [](auto* a, auto* b) { return a->destination < b->destination; });
  json list = json::array();
  for (const MountPoint* mp : shown) {
    json entry = {{"Type", mp->type}};
    if (!mp->name.empty()) entry["Name"] = mp->name;
    entry["Source"] = mp->source;
    entry["Destination"] = mp->destination;
    if (!mp->driver.empty()) entry["Driver"] = mp->driver;
    entry["Mode"] = mp->mode;
    entry["RW"] = mp->rw;
    entry["Propagation"] = mp->propagation;
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace gorae::engine
