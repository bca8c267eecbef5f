#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/engine/container.hpp"
#include "gorae/images/changes.hpp"
#include "gorae/images/image_store.hpp"

namespace gorae::engine {

/// POST /commit's parameters.
struct CommitOptions {
  /// The request body's Config (JSON), when it had one: it replaces the
  /// container's config before `changes` and the merge, as in dockerd.
  std::string config_json;
  std::vector<std::string> changes;  ///< --change, Dockerfile instructions
  std::string author, comment;
  bool pause = true;                          ///< freeze a running container meanwhile
  std::optional<images::Reference> reference;  ///< tag the new image (repo, tag)
};

/// The read-only directories under a container's writes: its image's layers,
/// lowest first, then its init layer (containers made before it had one
/// have none). `container_dir` is DATA_ROOT/containers/ID.
Result<std::vector<std::string>> container_layers(const images::Store& store, const Container& container,
                                                  const std::string& container_dir);

/// GET /containers/{id}/changes: container_changes() of its upper directory.
Result<std::vector<images::Change>> changes_of(const images::Store& store, const Container& container,
                                               const std::string& container_dir);

/// docker commit: the container's upper directory becomes a new layer (none
/// when it changed nothing) over its image's, with a config made as dockerd
/// makes it (CommitOptions, merge_config, child_config; Cmd joined into the
/// history step's created_by). The image records its parent, is tagged when
/// asked, and its layer is unpacked into the layer store like any other. A
/// running container is frozen for the copy when its cgroup has a freezer
/// (dockerd ignores a pause that fails, and so does this).
/// @return the image; Errc::invalid_argument for a bad body or change;
///         Errc::conflict for a dead container or one being removed.
Result<images::Image> commit_container(images::Store& store, const Container& container,
                                       const std::string& container_dir, const CommitOptions& options);

}  // namespace gorae::engine
