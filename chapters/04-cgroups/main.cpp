// goraed-ch04: chapter 03's daemon, with every container in its own cgroup:
// memory, pids and CPU limits, stats, update, and OOM detection.
#include <cstdio>
#include <memory>

#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/isolation.hpp"
#include "gorae/engine/resources.hpp"
#include "gorae/engine/routes.hpp"

int main(int argc, char** argv) {
  auto manager = gorae::cgroups::open_manager();
  if (!manager) {
    std::fprintf(stderr, "goraed-ch04: cgroups: %s\n", manager.error().what().c_str());
    return 1;
  }
  std::shared_ptr<gorae::cgroups::Manager> cgroups = std::move(*manager);
  auto settings = std::make_shared<gorae::engine::CgroupSettings>();
  return gorae::daemon::main(
      argc, argv, "goraed-ch04",
      {gorae::engine::installer(gorae::engine::find_bundled_images(GORAE_BUNDLED_IMAGES),
                                gorae::engine::cgroup_parts(settings, cgroups)),
       gorae::engine::security_info_installer(), gorae::engine::cgroup_info_installer(cgroups)},
      {gorae::engine::cgroup_flags(settings)});
}
