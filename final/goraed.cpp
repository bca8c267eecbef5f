// goraed: the daemon with every chapter's installer, in the order of the book.
#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/isolation.hpp"
#include "gorae/engine/routes.hpp"

int main(int argc, char** argv) {
  return gorae::daemon::main(
      argc, argv, "goraed",
      {
          // 02 create-start-wait: containers, logs, attach
          // 03 namespaces: the Linux runtime and the isolation spec contributors
          gorae::engine::installer(gorae::engine::find_bundled_images(GORAE_BUNDLED_IMAGES),
                                   gorae::engine::isolation_parts()),
          gorae::engine::security_info_installer(),
      });
}
