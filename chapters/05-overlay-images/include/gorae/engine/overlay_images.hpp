#pragma once

#include <memory>
#include <string>

#include "gorae/base/error.hpp"
#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/images.hpp"
#include "gorae/engine/routes.hpp"
#include "gorae/images/image_store.hpp"

namespace gorae::engine {

/// Chapter 02's ImageStore seam over the content store: images found by any
/// reference, and each container's root filesystem an overlay of its
/// image's layers (the upper and work directories beside it).
std::unique_ptr<ImageStore> overlay_images(std::shared_ptr<images::Store> store);

/// Loads the image archives gorae's build made (`archives_dir/NAME/TAG.tar`,
/// see images/pack-image.py) whose NAME:TAG the store does not know yet: on
/// the first start, and again after the user removed one of them.
Status import_bundled_images(images::Store& store, const std::string& archives_dir);

/// goraed-ch05's engine: `parts` (chapter 04's) with images from the content
/// store under DATA_ROOT/images (the bundled archives loaded on first
/// start), overlay root filesystems, volumes (add_volume_parts) and /info's
/// Driver "overlay2".
daemon::Installer overlay_installer(std::string archives_dir, EngineParts parts);

}  // namespace gorae::engine
