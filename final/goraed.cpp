// goraed: the daemon with every chapter's installer, in the order of the book.
#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/routes.hpp"

int main(int argc, char** argv) {
  return gorae::daemon::main(
      argc, argv, "goraed",
      {
          // 02 create-start-wait: containers, the chroot runtime, logs, attach
          gorae::engine::installer(gorae::engine::find_bundled_images(GORAE_BUNDLED_IMAGES)),
      });
}
