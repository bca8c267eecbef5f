#pragma once

// Seccomp in three steps, one per side of the engine:
//   1. the daemon: a Docker-format profile (ours, profiles/seccomp-default.json,
//      or the user's) → the OCI `linux.seccomp` object for this container, with
//      the profile's includes/excludes decided for its capabilities, this
//      machine's architecture and kernel (seccomp_for_container);
//   2. the runtime, before forking: OCI linux.seccomp → a classic BPF program,
//      built with libseccomp (compile_seccomp);
//   3. the container's child, just before execve: one syscall loads it
//      (install_seccomp), with no allocation, so it is safe after fork() in a
//      multithreaded daemon.

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/security/security_opt.hpp"

namespace gorae::security {

/// gorae's default profile in Docker's JSON format (profiles/seccomp-default.json,
/// built into the library): an allow-list, EPERM for everything else.
std::string_view default_seccomp_profile() noexcept;

/// What the profile's includes/excludes are decided against.
struct SeccompHost {
  std::string arch;    ///< Docker's (Go's) name for the native arch: "amd64", "arm64", ...
  int kernel = 0;      ///< running kernel version, "6.1.0-18" → kernel 6 ...
  int major = 0;       ///< ... major 1 (Docker's names for the two numbers)
};

/// This machine: uname(2)'s machine and release.
/// @return Errc::unavailable for an architecture Docker's profiles do not name.
Result<SeccompHost> this_seccomp_host();

/// Docker profile → OCI linux.seccomp, as moby's profiles/seccomp setupSeccomp does:
///  - "architectures" is copied, or "archMap"'s entry for the native arch gives
///    the arch and its sub-architectures (x86_64 → SCMP_ARCH_X86_64, SCMP_ARCH_X86,
///    SCMP_ARCH_X32); giving both is an error;
///  - a syscalls[] entry is dropped if excludes.arches names this arch, if any of
///    excludes.caps is in `capabilities`, or if the kernel is at least
///    excludes.minKernel; and unless includes.arches names this arch, all of
///    includes.caps are in `capabilities` and the kernel is at least
///    includes.minKernel;
///  - "name" (old profiles) becomes "names"; "comment", "includes", "excludes"
///    and unknown fields are not copied: the result holds only OCI fields
///    (defaultAction, defaultErrnoRet, architectures, flags, listenerPath,
///    listenerMetadata, syscalls[{names, action, errnoRet, args[{index, value,
///    valueTwo, op}]}]), which runc 1.1 accepts.
/// @param capabilities the container's bounding set ("CAP_*" names).
/// @return the linux.seccomp object, or a null JSON value when the profile has
///         neither defaultAction nor syscalls (Docker: seccomp disabled).
///         Errc::invalid_argument for a bad profile: `Decoding seccomp profile
///         failed: ...` (Docker's prefix) when the text is not JSON or a field
///         has the wrong type, and `invalid seccomp profile: syscalls[3]: unknown
///         action "SCMP_ACT_FOO"` style messages for unknown actions, operators,
///         architectures, flags or kernel versions.
Result<nlohmann::json> seccomp_for_container(std::string_view docker_profile_json,
                                             const std::vector<std::string>& capabilities,
                                             const SeccompHost& host);

/// seccomp_for_container() for this machine (this_seccomp_host()).
Result<nlohmann::json> seccomp_for_container(std::string_view docker_profile_json,
                                             const std::vector<std::string>& capabilities);

/// The container's linux.seccomp as dockerd's WithSeccomp chooses it:
/// unconfined → none; privileged → none, unless a custom profile was given
/// (moby 25+ applies it even then); custom → that profile; otherwise our default.
/// @return a null JSON value when the container runs without a filter.
Result<nlohmann::json> container_seccomp(const SecurityOptions& options,
                                         const std::vector<std::string>& capabilities,
                                         bool privileged);

/// A compiled filter: what the kernel's seccomp(SECCOMP_SET_MODE_FILTER) takes.
struct SeccompProgram {
  std::vector<sock_filter> filter;  ///< classic BPF instructions, native byte order
  unsigned int flags = 0;           ///< SECCOMP_FILTER_FLAG_* from linux.seccomp.flags

  /// The kernel's view of `filter`; allocates nothing.
  sock_fprog fprog() const noexcept;
};

/// OCI linux.seccomp → BPF, the way runc builds it: seccomp_init(defaultAction),
/// seccomp_arch_add for each architecture, one seccomp_rule_add_array per
/// syscall name (a name libseccomp does not know on this arch is skipped, as
/// runc skips it; a rule whose action equals the default is skipped too), then
/// seccomp_export_bpf into a memfd that is read back.
/// Argument rules: `value`/`valueTwo` are libseccomp's datum_a/datum_b, so
/// SCMP_CMP_MASKED_EQ means (arg & value) == valueTwo; several args on one
/// rule must all match, except that args repeating an index become separate
/// rules (any may match), as in runc.
/// @return Errc::invalid_argument for an unknown action/op/arch/flag, an arg
///         index above 5, SCMP_ACT_NOTIFY (no listener support) or a filter
///         longer than the kernel's 4096 instructions.
Result<SeccompProgram> compile_seccomp(const nlohmann::json& linux_seccomp);

/// compile_seccomp() of the linux.seccomp text, through a cache of compiled
/// programs in `cache_dir` (made 0700 if missing). The key is the text, the
/// libseccomp version and the kernel (uname); a file, named by a hash of the
/// key, holds the key, the flags and the instructions, and is used only if
/// its key equals ours. A missing, foreign or malformed entry is compiled and
/// stored (temp file + rename); failing to store is not an error. An empty
/// `cache_dir` only compiles.
/// @return as compile_seccomp(), or Errc::invalid_argument if the text is not JSON.
Result<SeccompProgram> compile_seccomp_cached(const std::string& linux_seccomp_text,
                                              const std::string& cache_dir);

/// Loads `program` into the calling thread: seccomp(SECCOMP_SET_MODE_FILTER,
/// program.flags, &prog), or prctl(PR_SET_SECCOMP) on kernels without the
/// seccomp syscall. Async-signal-safe: no allocation, no locks, errno untouched
/// on success. The caller must first set no_new_privs
/// (prctl(PR_SET_NO_NEW_PRIVS, 1)) or hold CAP_SYS_ADMIN in its user namespace,
/// otherwise the kernel answers EACCES. Install it last before execve: every
/// syscall after it (including the runtime's own) is filtered.
/// @return 0, or the errno (EINVAL for an empty program).
int install_seccomp(const SeccompProgram& program) noexcept;

}  // namespace gorae::security
