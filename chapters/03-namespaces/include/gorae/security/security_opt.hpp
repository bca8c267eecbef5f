#pragma once

// HostConfig.SecurityOpt, the strings behind `docker run --security-opt`.
// Parsed the way dockerd's parseSecurityOpt (daemon/daemon_unix.go) does, with
// its error texts. The docker CLI has already replaced `seccomp=<file>` by
// `seccomp=<the file's JSON>`, so the daemon only ever sees profile text.

#include <optional>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::security {

/// Which seccomp profile a container asked for.
enum class SeccompChoice {
  daemon_default,  ///< no seccomp option, or "seccomp=": the daemon's default profile
  builtin,         ///< "seccomp=builtin": the built-in default, whatever the daemon's is
  unconfined,      ///< "seccomp=unconfined": no filter at all
  custom,          ///< "seccomp=<JSON>": the profile in SecurityOptions::seccomp_profile
};

/// What a container's SecurityOpt asked for.
struct SecurityOptions {
  SeccompChoice seccomp = SeccompChoice::daemon_default;
  std::string seccomp_profile;  ///< the profile's JSON text when seccomp == custom

  /// "no-new-privileges[=bool]"; unset means the daemon's --no-new-privileges.
  std::optional<bool> no_new_privileges;

  /// "label=..." values and the bare "disable". dockerd hands them to SELinux,
  /// which ignores them on a host without SELinux; gorae supports no SELinux,
  /// so they are kept (for inspect) and never applied.
  std::vector<std::string> label;

  /// "apparmor=PROFILE". dockerd applies it only where the host supports
  /// AppArmor and ignores it otherwise; gorae never applies it.
  std::string apparmor_profile;
};

/// Parses HostConfig.SecurityOpt. Accepts `key=value` and the deprecated
/// `key:value` (chosen by whether the option contains '=' at all), the bare
/// flags "no-new-privileges" and "disable", and the keys label, apparmor,
/// seccomp and no-new-privileges (value parsed like Go's strconv.ParseBool).
/// @return Errc::invalid_argument with dockerd's text:
///         `invalid --security-opt 1: "OPT"` for an option without a separator,
///         `invalid --security-opt 2: "OPT"` for an unknown key or a bad boolean.
Result<SecurityOptions> parse_security_opt(const std::vector<std::string>& opts);

}  // namespace gorae::security
