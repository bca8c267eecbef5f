// goraed-ch03: chapter 02's daemon, with containers isolated by namespaces,
// pivot_root, capabilities and seccomp, run by the Linux runtime from the
// config.json that chapter 03's spec contributors write.
#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/isolation.hpp"
#include "gorae/engine/routes.hpp"

int main(int argc, char** argv) {
  return gorae::daemon::main(
      argc, argv, "goraed-ch03",
      {gorae::engine::installer(gorae::engine::find_bundled_images(GORAE_BUNDLED_IMAGES),
                                gorae::engine::isolation_parts()),
       gorae::engine::security_info_installer()});
}
