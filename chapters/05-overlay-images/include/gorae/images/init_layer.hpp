#pragma once

#include <string>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::images {

/// Fills `dir` as Docker fills a container's "-init" layer
/// (daemon/initlayer): the files the engine itself puts into every root
/// filesystem before the container runs, so that they sit in a read-only
/// layer between the image and the container's writes, and neither
/// `docker diff` nor `docker commit` counts them as the container's:
///  - directories dev, dev/pts, dev/shm, proc, sys, etc (mount points);
///  - empty files etc/hosts, etc/hostname, etc/resolv.conf (bind-mount
///    targets) and dev/console, and etc/mtab -> /proc/mounts;
///  - the device nodes chapter 02 makes in /dev: null, zero, full, random,
///    urandom, tty.
/// Each only where the image (`image_layers`, lowest first) shows nothing at
/// that path, and nothing below a path the image has as a non-directory. A
/// directory the image has keeps the image's mode and owner here.
/// @return the errno of a failed mkdir, mknod or write, naming the path.
Status make_init_layer(const std::string& dir, const std::vector<std::string>& image_layers);

}  // namespace gorae::images
