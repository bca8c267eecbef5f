#pragma once

#include <functional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/engine/container.hpp"

namespace gorae::engine {

/// One chapter's step in turning a container into its OCI config.json
/// (DESIGN §4). It reads the container (Config, HostConfig) and edits the
/// document that chapter 02 started (root, process, hostname). The engine
/// runs the list in order when the container is created; an error fails the
/// create with it (Errc::invalid_argument answers 400). The list, read top
/// to bottom, is the story of the book.
using SpecContributor = std::function<Status(const Container& container, nlohmann::json& spec)>;

}  // namespace gorae::engine
