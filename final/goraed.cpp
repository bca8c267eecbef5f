// goraed: the daemon with every chapter's installer, in the order of the book.
#include "gorae/daemon/daemon.hpp"

int main(int argc, char** argv) {
  return gorae::daemon::main(argc, argv, "goraed", {});
}
