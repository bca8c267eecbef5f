// goraed-ch01: the daemon as it stands at the end of chapter 01. It answers
// /_ping, /version and /info; each later chapter's main adds its installer.
#include "gorae/daemon/daemon.hpp"

int main(int argc, char** argv) {
  return gorae::daemon::main(argc, argv, "goraed-ch01", {});
}
