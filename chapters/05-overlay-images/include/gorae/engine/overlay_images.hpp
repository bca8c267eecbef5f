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

/// The images gorae's build made (`bundled_dir/NAME/TAG/{rootfs,config.json}`)
/// turned into one-layer images in the store, each once: the rootfs is
/// packed as a layer tar, its Cmd, Env, ... become the image config.
Status import_bundled_images(images::Store& store, const std::string& bundled_dir);

/// goraed-ch05's engine: `parts` (chapter 04's) with images from the content
/// store under DATA_ROOT/images (the bundled ones imported on first start),
/// overlay root filesystems, volumes (add_volume_parts) and /info's Driver
/// "overlay2".
daemon::Installer overlay_installer(std::string bundled_dir, EngineParts parts);

}  // namespace gorae::engine
