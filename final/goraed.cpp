// goraed: the daemon with every chapter's installer, in the order of the book.
// Each chapter's lines are compiled when the tree has that chapter:
// GORAE_LAST_CHAPTER is the newest one (a lab written by scripts/make-lab
// stops at its own chapter).
#include <cstdio>
#include <memory>

#include "gorae/daemon/daemon.hpp"
#if GORAE_LAST_CHAPTER >= 2
#include "gorae/engine/routes.hpp"
#endif
#if GORAE_LAST_CHAPTER >= 3
#include "gorae/engine/isolation.hpp"
#endif
#if GORAE_LAST_CHAPTER >= 4
#include "gorae/engine/resources.hpp"
#endif
#if GORAE_LAST_CHAPTER >= 5
#include "gorae/engine/overlay_images.hpp"
#endif

int main(int argc, char** argv) {
  std::vector<gorae::daemon::Installer> installers;
  std::vector<gorae::daemon::FlagInstaller> flags;
#if GORAE_LAST_CHAPTER >= 2
  // 02 create-start-wait: containers, logs, attach; alone, the chroot runtime
  gorae::engine::EngineParts parts;
#endif
#if GORAE_LAST_CHAPTER >= 3
  // 03 namespaces: the Linux runtime and the isolation spec contributors
  parts = gorae::engine::isolation_parts();
#endif
#if GORAE_LAST_CHAPTER >= 4
  // 04 cgroups: the cgroup hook, linux.resources, stats and update
  auto manager = gorae::cgroups::open_manager();
  if (!manager) {
    std::fprintf(stderr, "goraed: cgroups: %s\n", manager.error().what().c_str());
    return 1;
  }
  std::shared_ptr<gorae::cgroups::Manager> cgroups = std::move(*manager);
  auto cgroup_settings = std::make_shared<gorae::engine::CgroupSettings>();
  parts = gorae::engine::cgroup_parts(cgroup_settings, cgroups);
  flags.push_back(gorae::engine::cgroup_flags(cgroup_settings));
#endif
#if GORAE_LAST_CHAPTER >= 5
  // 05 overlay-images: the content store, overlay root filesystems, /images,
  // volumes and /volumes
  installers.push_back(gorae::engine::overlay_installer(
      gorae::engine::find_bundled_images(GORAE_IMAGE_ARCHIVES, "image-archives"), parts));
#elif GORAE_LAST_CHAPTER >= 2
  installers.push_back(
      gorae::engine::installer(gorae::engine::find_bundled_images(GORAE_BUNDLED_IMAGES), parts));
#endif
#if GORAE_LAST_CHAPTER >= 3
  installers.push_back(gorae::engine::security_info_installer());
#endif
#if GORAE_LAST_CHAPTER >= 4
  installers.push_back(gorae::engine::cgroup_info_installer(cgroups));
#endif
  return gorae::daemon::main(argc, argv, "goraed", installers, flags);
}
