#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::volumes {

/// The label Docker (23 and later) puts on a volume made without a name.
inline constexpr const char* kAnonymousLabel = "com.docker.volume.anonymous";

using Labels = std::map<std::string, std::string>;

/// A volume of the `local` driver.
struct Volume {
  std::string name;
  std::string driver = "local";
  std::string mountpoint;  ///< DIR/NAME/_data, what containers mount
  std::chrono::system_clock::time_point created;  ///< DIR/NAME's ctime, as Docker reports it
  Labels labels;
  Labels options;  ///< the driver's options (DriverOpts)
  bool anonymous() const { return labels.count(kAnonymousLabel) > 0; }
};

struct CreateRequest {
  std::string name;    ///< "" makes a random 64-hex name, labelled anonymous
  std::string driver;  ///< "" or "local"
  Labels labels;
  Labels options;
  std::string reference;  ///< the container that uses it from now on, or ""
};

struct PruneReport {
  std::vector<std::string> deleted;
  std::uint64_t space_reclaimed = 0;
};

/// Volumes in Docker's layout: DIR/NAME/_data holds the files, and
/// DIR/metadata.json (dockerd's metadata.db) each volume's driver, labels
/// and options. Which containers use a volume is kept in memory (dockerd's
/// references), told again at each start by whoever knows the containers.
/// Thread-safe.
class VolumeStore {
 public:
  /// Opens DIR, making it if needed (0701, as dockerd's); reads what is there.
  static Result<std::unique_ptr<VolumeStore>> open(std::string dir);

  /// dockerd's VolumesService.Create: a volume of that name is returned as
  /// it is; otherwise it is made. Names are [a-zA-Z0-9][a-zA-Z0-9_.-]+.
  /// @return Errc::invalid_argument 'create NAME: "a b" includes invalid
  ///         characters for a local volume name, ...', or for options the
  ///         local driver does not take; Errc::not_found for another driver.
  Result<Volume> create(const CreateRequest& request);
  /// @return Errc::not_found "get NAME: no such volume".
  Result<Volume> get(const std::string& name) const;
  std::vector<Volume> list() const;  ///< sorted by name
  /// Removes a volume no container uses. `force` makes a missing one no error.
  /// @return Errc::conflict "remove NAME: volume is in use - [ID, ...]".
  Status remove(const std::string& name, bool force);

  void add_reference(const std::string& name, const std::string& reference);
  void release(const std::string& name, const std::string& reference);
  std::vector<std::string> references(const std::string& name) const;  ///< sorted

  /// Removes each unused volume without driver options that `select` picks.
  PruneReport prune(const std::function<bool(const Volume&)>& select);

  /// Bytes in the files under `path` (each hard link once), as Docker counts.
  static std::uint64_t disk_usage(const std::string& path);
  const std::string& dir() const { return dir_; }

 private:
  explicit VolumeStore(std::string dir) : dir_(std::move(dir)) {}
  Status save_metadata() const;
  Status remove_locked(const std::string& name);

  std::string dir_;
  mutable std::mutex mutex_;
  std::map<std::string, Volume> volumes_;
  std::map<std::string, std::set<std::string>> references_;
};

}  // namespace gorae::volumes
