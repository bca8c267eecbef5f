#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/images/digest.hpp"

namespace gorae::images {

/// `docker commit --change`: Dockerfile instructions applied in order to
/// `config`, a container Config in Docker's JSON shape ("Cmd", "Env", ...),
/// as dockerd's BuildFromConfig does. All of `changes` is read as one
/// Dockerfile (a change may hold several lines). Supported: CMD and
/// ENTRYPOINT (exec and shell form; ENTRYPOINT clears a Cmd no CMD set),
/// ENV and LABEL (both forms, quotes, $VAR expansion), EXPOSE (ranges,
/// protocols), USER, VOLUME, WORKDIR (relative to the current one),
/// STOPSIGNAL and ONBUILD. On an error `config` is left as it was.
/// @return Errc::invalid_argument with dockerd's message: "run is not a
///   valid change command", "ENV must have two arguments", "Invalid
///   containerPort: x", ...; HEALTHCHECK, valid in Docker, is refused with
///   a message saying gorae has no health checks.
Status apply_changes(nlohmann::json& config, const std::vector<std::string>& changes);

/// dockerd's merge(user, container) for commit: what `user` leaves empty
/// (User, WorkingDir, StopSignal, Volumes, ExposedPorts, Env, Labels,
/// Healthcheck, and Cmd and Entrypoint when it has no Entrypoint) comes from
/// `container`; Env, Labels, ExposedPorts and Volumes gain the entries
/// `user` lacks.
void merge_config(nlohmann::json& user, const nlohmann::json& container);

/// The new history step and layer of a commit.
struct CommitStep {
  std::string created;            ///< RFC 3339 with nanoseconds, UTC
  std::string author;             ///< commit's -a
  std::string comment;            ///< commit's -m
  std::string created_by;         ///< the container's Cmd joined by spaces, as dockerd writes it
  std::optional<Digest> diff_id;  ///< the new layer; none when the container changed nothing
};

/// The committed image's config, as dockerd's image.NewChildImage makes it
/// from the parent's: the parent's architecture, variant, os, os.version,
/// os.features, rootfs and history, then `config`, the author, the new
/// created time, the new layer (if any) and a history step for it
/// ("empty_layer": true without one).
/// @return Errc::invalid_argument when `parent_config` is not a JSON object.
Result<std::string> child_config(std::string_view parent_config, const nlohmann::json& config,
                                 const CommitStep& step);

}  // namespace gorae::images
