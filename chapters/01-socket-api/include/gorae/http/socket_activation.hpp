#pragma once

#include <sys/types.h>

#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::http {

/// The first descriptor systemd passes (SD_LISTEN_FDS_START).
inline constexpr int kListenFdsStart = 3;

/// Decides which descriptors systemd handed over, from the values of
/// $LISTEN_PID and $LISTEN_FDS (either may be null) and our own pid. The
/// sockets are fds 3 .. 3+LISTEN_FDS-1, meant for us only if LISTEN_PID is
/// our pid (a child that inherits the environment must not take them).
/// @return the descriptors (empty when none were passed to us), or
///         Errc::invalid_argument when the variables are malformed.
Result<std::vector<int>> activated_fds(const char* listen_pid, const char* listen_fds, pid_t self);

/// Reads the variables from the environment, unsets them so that children
/// do not see them, and marks the descriptors close-on-exec.
Result<std::vector<int>> take_activated_fds();

/// The descriptors an fd:// host asks for: every activated one for "fd://",
/// exactly N for "fd://N".
/// @return Errc::not_found when nothing (or not N) was activated.
Result<std::vector<int>> select_activated_fds(const std::vector<int>& activated, int wanted);

}  // namespace gorae::http
