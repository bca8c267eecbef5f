#pragma once

#include <sys/types.h>

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/runtime/runtime.hpp"

namespace gorae::runtime {

/// Work a later chapter does around each container's process, at the moments
/// only the runtime sees: chapter 04 puts the process into its cgroup before
/// it runs anything and reads the OOM verdict after it ends.
class ProcessHook {
 public:
  virtual ~ProcessHook() = default;
  /// Before clone, with the whole config.json. An error refuses the start.
  virtual Status prepare(const std::string& id, const nlohmann::json& spec) = 0;
  /// After clone, while the child waits: none of the container's own code
  /// has run yet, so nothing it forks can escape what this sets up.
  virtual Status attach(const std::string& id, pid_t pid) = 0;
  /// Once the start failed (`status` null) or the process was reaped; may
  /// add to the status (oom_killed). Must clean up what prepare made.
  virtual void release(const std::string& id, ExitStatus* status) = 0;
};

}  // namespace gorae::runtime
