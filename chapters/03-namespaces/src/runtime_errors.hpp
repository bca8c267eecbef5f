#pragma once
// The parent's words for a step the child reported failing.

#include <string>

#include "child_plan.hpp"
#include "gorae/base/error.hpp"
#include "gorae/runtime/linux_spec.hpp"

namespace gorae::runtime {

/// "error mounting \"proc\" to rootfs at \"/proc\": permission denied", with
/// the step's errno as the error code. Errors the user can fix in their
/// request (cwd, the program) are Errc::invalid_argument, as Docker maps them.
Error child_error(const detail::Report& report, const LinuxSpec& spec,
                  const std::string& executable);

}  // namespace gorae::runtime
