// goraed-ch02: chapter 01's daemon plus containers (create, start, wait,
// logs, attach) run by the chroot runtime.
#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/routes.hpp"

int main(int argc, char** argv) {
  return gorae::daemon::main(
      argc, argv, "goraed-ch02",
      {gorae::engine::installer(gorae::engine::find_bundled_images(GORAE_BUNDLED_IMAGES))});
}
