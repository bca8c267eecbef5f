/*
 * hello: the program in gorae's hello-world image.
 *
 * It is built static (-static -Os) so that it needs nothing from the image
 * but itself: the image's root filesystem holds this one file. It uses only
 * write(2) and returns 0, so an engine that shows this text and reports exit
 * code 0 has done every step the text describes.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char message[] =
    "\n"
    "Hello from gorae! (고래, \"whale\")\n"
    "\n"
    "If you can read this, your gorae engine is working. To show you this\n"
    "text, it took these steps:\n"
    "\n"
    " 1. The gorae client talked to the gorae daemon, goraed, over its unix\n"
    "    socket, in the Docker Engine API.\n"
    " 2. goraed found the \"hello-world\" image in its image store. gorae built\n"
    "    that image itself, so no registry was needed.\n"
    " 3. goraed created a container from the image: a new directory with the\n"
    "    container's own copy of the image's files.\n"
    " 4. goraed started this program in the container, with that copy as its\n"
    "    root directory (a chroot; later chapters add namespaces and cgroups).\n"
    " 5. goraed caught what this program wrote and sent it to your client\n"
    "    through the container's log and attach stream.\n"
    "\n"
    "Try something bigger, a shell in a busybox container:\n"
    " $ gorae run -it busybox sh\n"
    "\n"
    "Each of these steps is a chapter of the gorae book (chapters/ and docs/\n"
    "in the source tree): read it, then build it yourself.\n"
    "\n";

int main(void) {
  const char* p = message;
  size_t left = sizeof message - 1;
  while (left > 0) {
    ssize_t n = write(STDOUT_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1; /* stdout closed: nobody to tell */
    }
    p += n;
    left -= (size_t)n;
  }
  return 0;
}
