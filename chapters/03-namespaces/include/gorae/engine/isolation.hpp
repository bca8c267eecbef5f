#pragma once

#include <string>
#include <vector>

#include "gorae/daemon/daemon.hpp"
#include "gorae/engine/routes.hpp"
#include "gorae/runtime/linux_runtime.hpp"

namespace gorae::engine {

/// Docker's lists for a container that is not privileged
/// (HostConfig.MaskedPaths / ReadonlyPaths in `docker inspect`).
const std::vector<std::string>& default_masked_paths();
const std::vector<std::string>& default_readonly_paths();

/// Chapter 03's spec contributors, in the order they run:
///  1. namespaces: pid, mount, uts, ipc, network (only `lo` until chapter 06),
///     cgroup; HostConfig.PidMode/IpcMode/UTSMode/CgroupnsMode/NetworkMode
///     "host" leave one out; Hostname and Domainname.
///  2. filesystem: /proc, /dev (+ pts, shm, mqueue), /sys; masked and
///     read-only paths; HostConfig.ReadonlyRootfs.
///  3. privileges: capabilities (Docker's 14, CapAdd, CapDrop, Privileged =
///     every capability the daemon holds), the seccomp profile and
///     no-new-privileges from HostConfig.SecurityOpt.
///  4. limits: HostConfig.Ulimits and OomScoreAdj.
/// A request that cannot be honoured fails the create with 400.
std::vector<SpecContributor> isolation_contributors();

/// The Linux runtime's options for this daemon (the seccomp cache in its exec root).
runtime::LinuxRuntimeOptions runtime_options(const daemon::Options& options);

/// What goraed-ch03 plugs into chapter 02's engine: the Linux runtime and
/// the contributors above.
EngineParts isolation_parts();

/// Adds /info's SecurityOptions ("name=seccomp,profile=builtin", ...).
daemon::Installer security_info_installer();

}  // namespace gorae::engine
