#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gorae/runtime/process_hook.hpp"
#include "gorae/runtime/runtime.hpp"

namespace gorae::runtime {

/// Options of make_linux_runtime().
struct LinuxRuntimeOptions {
  /// Where compiled seccomp programs are kept between starts (root-only,
  /// ideally on tmpfs; see security::compile_seccomp_cached). Empty: each
  /// start compiles its filter with libseccomp, milliseconds for Docker's profile.
  std::string seccomp_cache_dir;
};

/// Chapter 03's runtime: runs a bundle's config.json the way runc does, in
/// the namespaces it lists (pid, mount, uts, ipc, network, cgroup, user),
/// on its own root filesystem (mounts, /dev, pivot_root, masked and
/// read-only paths), with its capabilities, rlimits, no_new_privs and
/// seccomp filter. A step that fails is reported by name and errno.
/// `hooks` run around each process (see ProcessHook), in order.
std::unique_ptr<Runtime> make_linux_runtime(std::vector<std::shared_ptr<ProcessHook>> hooks = {},
                                            LinuxRuntimeOptions options = {});

}  // namespace gorae::runtime
