#pragma once

#include <string>

#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/spec.hpp"

namespace gorae::engine {

/// Chapter 02's contribution to the daemon: the engine (containers under
/// DATA_ROOT/containers, images under DATA_ROOT/images seeded from
/// `bundled_images`, bundles under EXEC_ROOT/containers) and its routes:
/// /containers/... and GET /images/json, plus /info's counters. Later
/// chapters pass their runtime and spec contributors in `parts`.
daemon::Installer installer(std::string bundled_images, EngineParts parts = {});

/// Where the images built with gorae are: next to an installed daemon
/// (PREFIX/share/gorae/images, found from /proc/self/exe) or in the build
/// tree (`build_tree_dir`), whichever exists.
std::string find_bundled_images(const std::string& build_tree_dir);

}  // namespace gorae::engine
