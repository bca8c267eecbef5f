#pragma once

#include <string>

#include "gorae/base/error.hpp"

namespace gorae::cgroups {

/// How the cgroup filesystems are arranged under the cgroup root.
enum class Layout {
  legacy,   ///< v1 only: one hierarchy per controller (memory/, pids/, cpu/, ...)
  hybrid,   ///< v1 controllers plus a cgroup2 mount at unified/ (systemd's hybrid mode)
  unified,  ///< the cgroup2 hierarchy is the root itself
};

/// Probes `root` by the files the kernel puts there, so that a fake tree in a
/// temporary directory is probed exactly like /sys/fs/cgroup.
///
/// root/cgroup.controllers → unified. Otherwise a controller directory holding
/// cgroup.procs (memory/, pids/, cpu/, cpuacct/, cpuset/, freezer/, blkio/,
/// devices/, "cpu,cpuacct"/...) → legacy, and hybrid when
/// root/unified/cgroup.controllers exists as well. A named hierarchy with no
/// controller (systemd/) does not count.
/// @return Errc::unavailable when no cgroup hierarchy is found under `root`.
Result<Layout> detect_layout(const std::string& root = "/sys/fs/cgroup");

/// "legacy", "hybrid" or "unified".
const char* to_string(Layout layout);

}  // namespace gorae::cgroups
