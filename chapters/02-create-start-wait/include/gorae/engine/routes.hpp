#pragma once

#include <string>

#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/api/router.hpp"
#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/engine.hpp"
#include "gorae/engine/spec.hpp"

namespace gorae::engine {

/// A later chapter's routes that need the engine (stats, update, ...).
using EngineRoutes = std::function<void(api::Router& router, const std::shared_ptr<Engine>& engine)>;

/// A later chapter's part of GET /containers/{id}/json: it edits the
/// document chapter 02 made for the container (chapter 05 fills "Mounts").
using InspectContributor =
    std::function<void(const Container& container, nlohmann::json& document)>;

/// What a chapter's daemon plugs into chapter 02's engine.
struct EngineParts {
  /// The runtime that runs the bundles; empty: chapter 02's chroot runtime.
  std::function<std::unique_ptr<runtime::Runtime>(const daemon::Options& options)> make_runtime;
  std::vector<SpecContributor> contributors;
  std::vector<RemoveObserver> remove_observers;  ///< see RemoveObserver
  std::vector<InspectContributor> inspect;       ///< run in order on each inspect
  std::vector<EngineRoutes> routes;
  /// Where images come from; empty: chapter 02's image directories.
  std::function<Result<std::unique_ptr<ImageStore>>(const daemon::Options& options)> open_images;
};

/// Chapter 02's contribution to the daemon: the engine (containers under
/// DATA_ROOT/containers, images under DATA_ROOT/images seeded from
/// `bundled_images`, bundles under EXEC_ROOT/containers) and its routes:
/// /containers/... and GET /images/json, plus /info's counters. Later
/// chapters pass their runtime and spec contributors in `parts`.
daemon::Installer installer(std::string bundled_images, EngineParts parts = {});

/// Where the images built with gorae are: next to an installed daemon
/// (PREFIX/share/gorae/`installed_name`, found from /proc/self/exe) or in the
/// build tree (`build_tree_dir`), whichever exists. Chapter 05 finds its image
/// archives the same way, under another name.
std::string find_bundled_images(const std::string& build_tree_dir,
                                const std::string& installed_name = "images");

}  // namespace gorae::engine
