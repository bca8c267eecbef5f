#pragma once

#include <string>

#include "gorae/base/error.hpp"

namespace gorae::engine {

/// Holds a cgroup frozen (`docker commit`'s pause): every process in it
/// stops until the freeze is dropped, so a commit copies files no one is
/// writing. cgroup v1: FREEZER/PATH/freezer.state; v2: PATH/cgroup.freeze,
/// frozen once cgroup.events says "frozen 1". Thaws on destruction.
class ScopedFreeze {
 public:
  ScopedFreeze() = default;
  ScopedFreeze(ScopedFreeze&& other) noexcept : state_file_(std::move(other.state_file_)), thaw_(std::move(other.thaw_)) {
    other.state_file_.clear();
  }
  ScopedFreeze& operator=(ScopedFreeze&&) = delete;
  ~ScopedFreeze();

  /// Freezes `cgroup_path` ("/gorae/<id>", as linux.cgroupsPath) under the
  /// hierarchies at `root`, waiting up to two seconds for the kernel to
  /// report it frozen (a task stuck in the kernel can delay that).
  /// @return Errc::unavailable without a freezer for it; the write's errno;
  ///         Errc::unavailable when it did not freeze in time (it is thawed).
  static Result<ScopedFreeze> freeze(const std::string& cgroup_path, const std::string& root = "/sys/fs/cgroup");

 private:
  std::string state_file_;  // empty: nothing to thaw
  std::string thaw_;
};

}  // namespace gorae::engine
