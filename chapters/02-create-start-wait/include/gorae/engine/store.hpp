#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/engine/container.hpp"

namespace gorae::engine {

/// Container records on disk: DIR/<id>/config.json, written atomically (temp
/// file, fsync, rename), plus the name index and ID-prefix resolution. Not
/// thread-safe: the engine serialises access.
class ContainerStore {
 public:
  explicit ContainerStore(std::string dir);

  /// Reads every record. A record that does not parse is reported and
  /// skipped, never fatal. @return the IDs that were skipped, with the reason.
  Result<std::vector<std::string>> load();

  /// A new random 64-hex ID that is not in use.
  std::string new_id() const;
  /// A free name in Docker's style, "adjective_surname".
  std::string new_name() const;
  /// Checks a user-chosen name: [a-zA-Z0-9][a-zA-Z0-9_.-]+, optional leading '/'.
  /// @return Errc::invalid_argument, or Errc::conflict with Docker's message
  ///         'Conflict. The container name "/web" is already in use by container "<id>". ...'
  Status check_name(std::string_view name) const;

  /// Adds or replaces a record and saves it.
  Status save(const Container& container);
  /// Forgets a record and removes DIR/<id> entirely.
  Status remove(const std::string& id);

  /// Full ID, unique ID prefix, or name with or without '/'. Names win over
  /// prefixes, exact IDs over both, as in dockerd.
  /// @return Errc::not_found "No such container: <ref>", or Errc::internal
  ///         "Multiple IDs found with provided prefix: <ref>" (dockerd's 500).
  Result<std::string> resolve(std::string_view reference) const;

  Container* find(const std::string& id);
  const Container* find(const std::string& id) const;
  std::vector<const Container*> all() const;  ///< newest first
  std::string container_dir(const std::string& id) const;

 private:
  std::string dir_;
  std::map<std::string, Container> containers_;
};

}  // namespace gorae::engine
