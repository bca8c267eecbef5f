// Named volumes the way dockerd's local driver keeps them
// (volume/local/local.go): a directory per volume with its files in _data,
// and the volume service's metadata (driver, labels, options) beside them.
#include "gorae/volumes/volume_store.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "gorae/daemon/state_files.hpp"
#include "volume_files.hpp"

namespace gorae::volumes {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr const char* kMetadata = "metadata.json";

Status check_name(const std::string& name) {
  if (name.size() == 1)
    return fail(Errc::invalid_argument,
                "create " + name + ": volume name is too short, names should be at least two alphanumeric characters");
  static const std::regex allowed("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
  if (!std::regex_match(name, allowed))
    return fail(Errc::invalid_argument,
                "create " + name + ": \"" + name + "\" includes invalid characters for a local volume name, only "
                "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
  return {};
}

// The local driver's options (validateOpts). type/device/o ask it to mount a
// filesystem on _data when a container uses the volume and to unmount it
// after the last one; gorae's engine says when a container goes, not when
// it stops, so those are refused rather than taken and ignored.
Status check_options(const std::string& name, const Labels& options) {
  for (const auto& [key, value] : options) {
    if (key != "type" && key != "device" && key != "o" && key != "size")
      return fail(Errc::invalid_argument, "create " + name + ": invalid option: \"" + key + "\"");
  }
  if (options.count("size"))
    return fail(Errc::invalid_argument, "create " + name + ": quota size requested but no quota support");
  if (!options.empty())
    return fail(Errc::invalid_argument,
                "create " + name + ": the local driver's mount options (type, device, o) are not supported by gorae");
  return {};
}

Clock::time_point ctime_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  auto since_epoch = std::chrono::seconds(info.st_ctim.tv_sec) + std::chrono::nanoseconds(info.st_ctim.tv_nsec);
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(since_epoch));
}

json labels_json(const Labels& labels) { return labels.empty() ? json(nullptr) : json(labels); }

}  // namespace

Result<std::unique_ptr<VolumeStore>> VolumeStore::open(std::string dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::system, "create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0701);
  std::unique_ptr<VolumeStore> store(new VolumeStore(dir));
  json metadata = json::object();
  if (std::ifstream in(dir + "/" + kMetadata); in) {
    metadata = json::parse(in, nullptr, false);
    if (!metadata.is_object()) return fail(Errc::internal, dir + "/" + kMetadata + ": not a JSON object");
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename();
    std::error_code not_a_volume;  // metadata.json, a directory without _data
    if (!fs::is_directory(entry.path() / "_data", not_a_volume)) continue;
    Volume volume;
    volume.name = name;
    volume.mountpoint = entry.path() / "_data";
    volume.created = ctime_of(entry.path());
    if (auto known = metadata.find(name); known != metadata.end() && known->is_object()) {
      if (auto labels = known->find("Labels"); labels != known->end() && labels->is_object()) labels->get_to(volume.labels);
      if (auto options = known->find("Options"); options != known->end() && options->is_object())
        options->get_to(volume.options);
    }
    store->volumes_[name] = std::move(volume);
  }
  if (ec) return fail(Errc::system, "read " + dir + ": " + ec.message());
  return store;
}

Status VolumeStore::save_metadata() const {
  json metadata = json::object();
  for (const auto& [name, volume] : volumes_)
    metadata[name] = {{"Name", name}, {"Driver", volume.driver}, {"Labels", labels_json(volume.labels)},
                      {"Options", labels_json(volume.options)}};
  return daemon::write_file_atomic(dir_ + "/" + kMetadata, metadata.dump(1) + "\n", 0600);
}

Result<Volume> VolumeStore::create(const CreateRequest& request) {
  if (!request.driver.empty() && request.driver != "local")
    return fail(Errc::not_found, "error looking up volume plugin " + request.driver + ": plugin \"" + request.driver +
                                     "\" not found");
  Volume volume;
  volume.name = request.name;
  volume.labels = request.labels;
  volume.options = request.options;
  if (volume.name.empty()) {
    GORAE_ASSIGN_OR_RETURN(volume.name, random_id());
    volume.labels[kAnonymousLabel] = "";
  }
  std::lock_guard lock(mutex_);
  if (auto existing = volumes_.find(volume.name); existing != volumes_.end()) {
    if (!request.reference.empty()) references_[volume.name].insert(request.reference);
    return existing->second;
  }
  GORAE_TRY(check_name(volume.name));
  GORAE_TRY(check_options(volume.name, volume.options));
  std::string root = dir_ + "/" + volume.name;
  volume.mountpoint = root + "/_data";
  if (::mkdir(root.c_str(), 0701) != 0 && errno != EEXIST)
    return tl::unexpected(Error::from_errno("create " + volume.name + ": mkdir " + root));
  if (::mkdir(volume.mountpoint.c_str(), 0755) != 0 && errno != EEXIST) {
    auto error = Error::from_errno("create " + volume.name + ": mkdir " + volume.mountpoint);
    ::rmdir(root.c_str());
    return tl::unexpected(std::move(error));
  }
  // The modes dockerd gives them, whatever the daemon's umask.
  ::chmod(root.c_str(), 0701);
  ::chmod(volume.mountpoint.c_str(), 0755);
  volume.created = ctime_of(root);
  volumes_[volume.name] = volume;
  if (auto saved = save_metadata(); !saved) {
    volumes_.erase(volume.name);
    (void)remove_tree(root);
    return tl::unexpected(std::move(saved).error().wrap("create " + volume.name));
  }
  if (!request.reference.empty()) references_[volume.name].insert(request.reference);
  return volume;
}

Result<Volume> VolumeStore::get(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto found = volumes_.find(name);
  if (found == volumes_.end()) return fail(Errc::not_found, "get " + name + ": no such volume");
  return found->second;
}

std::vector<Volume> VolumeStore::list() const {
  std::lock_guard lock(mutex_);
  std::vector<Volume> out;
  for (const auto& [name, volume] : volumes_) out.push_back(volume);
  return out;
}

Status VolumeStore::remove(const std::string& name, bool force) {
  std::lock_guard lock(mutex_);
  if (!volumes_.count(name)) {
    if (force) return {};
    return fail(Errc::not_found, "get " + name + ": no such volume");
  }
  if (auto users = references_.find(name); users != references_.end() && !users->second.empty()) {
    std::string ids;
    for (const auto& id : users->second) ids += (ids.empty() ? "" : ", ") + id;
    return fail(Errc::conflict, "remove " + name + ": volume is in use - [" + ids + "]");
  }
  return remove_locked(name);
}

Status VolumeStore::remove_locked(const std::string& name) {
  GORAE_TRY(remove_tree(dir_ + "/" + name));
  volumes_.erase(name);
  references_.erase(name);
  return save_metadata();
}

void VolumeStore::add_reference(const std::string& name, const std::string& reference) {
  std::lock_guard lock(mutex_);
  references_[name].insert(reference);
}

void VolumeStore::release(const std::string& name, const std::string& reference) {
  std::lock_guard lock(mutex_);
  auto users = references_.find(name);
  if (users == references_.end()) return;
  users->second.erase(reference);
  if (users->second.empty()) references_.erase(users);
}

std::vector<std::string> VolumeStore::references(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto users = references_.find(name);
  if (users == references_.end()) return {};
  return {users->second.begin(), users->second.end()};
}

PruneReport VolumeStore::prune(const std::function<bool(const Volume&)>& select) {
  std::lock_guard lock(mutex_);
  PruneReport report;
  std::vector<std::string> chosen;
  for (const auto& [name, volume] : volumes_) {
    bool used = references_.count(name) && !references_.at(name).empty();
    if (!used && volume.driver == "local" && volume.options.empty() && select(volume)) chosen.push_back(name);
  }
  for (const auto& name : chosen) {
    std::uint64_t size = tree_size(volumes_.at(name).mountpoint);
    if (!remove_locked(name)) continue;  // dockerd skips what it cannot remove
    report.deleted.push_back(name);
    report.space_reclaimed += size;
  }
  return report;
}

std::uint64_t VolumeStore::disk_usage(const std::string& path) { return tree_size(path); }

}  // namespace gorae::volumes
