#pragma once
// The parent's half of the Linux runtime: config.json → the ChildPlan the
// child follows, and the storage its pointers point into.

#include <linux/filter.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "child_plan.hpp"
#include "gorae/runtime/linux_spec.hpp"
#include "gorae/runtime/process_support.hpp"
#include "gorae/security/seccomp.hpp"
#include "mount_options.hpp"

namespace gorae::runtime {

// What the plan points into: it must outlive the clone, and it is the
// parent's only copy of what the child was asked to do (for error messages).
struct PlanStorage {
  LinuxSpec spec;
  std::string rootfs;
  std::string executable;
  std::vector<char*> argv, envp;
  std::vector<MountOptions> mount_options;
  std::vector<detail::PlannedMount> mounts;
  std::vector<const char*> readonly_paths, masked_paths;
  std::vector<detail::PlannedRlimit> rlimits;
  std::vector<base::UniqueFd> join_fds;
  std::vector<int> join_fd_numbers, join_types;
  std::string oom_score_adj;
  std::optional<security::SeccompProgram> seccomp;
  sock_fprog seccomp_program{};
  StdioSetup stdio;
};

/// Reads the spec and fills `plan` (and the clone flags) with everything the
/// child needs, allocating all of it here. `bundle_dir` resolves a relative
/// root.path; `seccomp_cache_dir` is compile_seccomp_cached()'s (empty: none).
Result<std::unique_ptr<PlanStorage>> make_plan(const std::string& bundle_dir,
                                               const nlohmann::json& config, bool open_stdin,
                                               const std::string& seccomp_cache_dir,
                                               detail::ChildPlan& plan, std::uint64_t& clone_flags);

}  // namespace gorae::runtime
