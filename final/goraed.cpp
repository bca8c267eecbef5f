// goraed: the daemon with every chapter's installer, in the order of the book.
#include <cstdio>
#include <memory>

#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/isolation.hpp"
#include "gorae/engine/resources.hpp"
#include "gorae/engine/routes.hpp"

int main(int argc, char** argv) {
  auto manager = gorae::cgroups::open_manager();
  if (!manager) {
    std::fprintf(stderr, "goraed: cgroups: %s\n", manager.error().what().c_str());
    return 1;
  }
  std::shared_ptr<gorae::cgroups::Manager> cgroups = std::move(*manager);
  auto cgroup_settings = std::make_shared<gorae::engine::CgroupSettings>();
  return gorae::daemon::main(
      argc, argv, "goraed",
      {
          // 02 create-start-wait: containers, logs, attach
          // 03 namespaces: the Linux runtime and the isolation spec contributors
          // 04 cgroups: the cgroup hook, linux.resources, stats and update
          gorae::engine::installer(gorae::engine::find_bundled_images(GORAE_BUNDLED_IMAGES),
                                   gorae::engine::cgroup_parts(cgroup_settings, cgroups)),
          gorae::engine::security_info_installer(),
          gorae::engine::cgroup_info_installer(cgroups),
      },
      {gorae::engine::cgroup_flags(cgroup_settings)});
}
