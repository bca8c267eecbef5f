// goraed-ch05: chapter 04's daemon, with images as content — blobs by their
// sha256, layers unpacked once — and each container's root filesystem an
// overlay of its image's layers.
#include <cstdio>
#include <memory>

#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/isolation.hpp"
#include "gorae/engine/overlay_images.hpp"
#include "gorae/engine/resources.hpp"
#include "gorae/engine/routes.hpp"

int main(int argc, char** argv) {
  auto manager = gorae::cgroups::open_manager();
  if (!manager) {
    std::fprintf(stderr, "goraed-ch05: cgroups: %s\n", manager.error().what().c_str());
    return 1;
  }
  std::shared_ptr<gorae::cgroups::Manager> cgroups = std::move(*manager);
  auto settings = std::make_shared<gorae::engine::CgroupSettings>();
  return gorae::daemon::main(
      argc, argv, "goraed-ch05",
      {gorae::engine::overlay_installer(gorae::engine::find_bundled_images(GORAE_IMAGE_ARCHIVES, "image-archives"),
                                        gorae::engine::cgroup_parts(settings, cgroups)),
       gorae::engine::security_info_installer(), gorae::engine::cgroup_info_installer(cgroups)},
      {gorae::engine::cgroup_flags(settings)});
}
