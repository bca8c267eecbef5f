// config.json → ChildPlan: every string, mask, descriptor and BPF program
// the child will use is made here, before clone.

#include "linux_plan.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "gorae/security/capabilities.hpp"

namespace gorae::runtime {
namespace {

using base::UniqueFd;
using detail::ChildPlan;

Result<std::uint64_t> capability_mask(const std::vector<std::string>& names, const char* set) {
  std::uint64_t mask = 0;
  for (const std::string& name : names) {
    auto number = security::capability_number(name);
    if (!number)
      return fail(Errc::invalid_argument, std::string("config.json: process.capabilities.") + set +
                                              ": unknown capability \"" + name + "\"");
    mask |= std::uint64_t{1} << *number;
  }
  return mask;
}

Status plan_capabilities(const LinuxSpec& spec, ChildPlan& plan) {
  if (!spec.capabilities) return {};  // as runc: leave the process's sets alone
  const CapabilitySets& caps = *spec.capabilities;
  plan.set_capabilities = true;
  GORAE_ASSIGN_OR_RETURN(plan.bounding, capability_mask(caps.bounding, "bounding"));
  GORAE_ASSIGN_OR_RETURN(plan.effective, capability_mask(caps.effective, "effective"));
  GORAE_ASSIGN_OR_RETURN(plan.permitted, capability_mask(caps.permitted, "permitted"));
  GORAE_ASSIGN_OR_RETURN(plan.inheritable, capability_mask(caps.inheritable, "inheritable"));
  GORAE_ASSIGN_OR_RETURN(plan.ambient, capability_mask(caps.ambient, "ambient"));
  return {};
}

Status plan_mounts(PlanStorage& storage, ChildPlan& plan) {
  const auto& mounts = storage.spec.mounts;
  storage.mount_options.reserve(mounts.size());
  storage.mounts.reserve(mounts.size());
  for (const MountSpec& mount : mounts) {
    MountOptions& options = storage.mount_options.emplace_back(parse_mount_options(mount.type, mount.options));
    detail::PlannedMount planned;
    planned.destination = mount.destination.c_str();
    planned.source = mount.source.empty() ? mount.type.c_str() : mount.source.c_str();
    planned.bind = options.bind;
    planned.fstype = options.bind ? nullptr : mount.type.c_str();
    planned.data = options.data.empty() ? nullptr : options.data.c_str();
    planned.flags = options.flags;
    planned.propagation = options.propagation;
    planned.readonly = options.readonly;
    if (options.bind) {
      std::error_code ec;
      if (!std::filesystem::exists(mount.source, ec))
        return fail(Errc::invalid_argument,
                    "bind source path does not exist: " + mount.source);
      planned.file_target = !std::filesystem::is_directory(mount.source, ec);
    }
    planned.is_dev = mount.destination == "/dev" && mount.type == "tmpfs";
    storage.mounts.push_back(planned);
  }
  plan.mounts = storage.mounts.data();
  plan.mount_count = storage.mounts.size();
  return {};
}

Status plan_namespaces(PlanStorage& storage, ChildPlan& plan, std::uint64_t& clone_flags) {
  const LinuxSpec& spec = storage.spec;
  if (!spec.has_namespace(CLONE_NEWNS))
    return fail(Errc::invalid_argument,
                "config.json: linux.namespaces: a mount namespace is required (pivot_root needs one)");
  // LAB(03) namespace-flags: New namespaces become clone flags; the others are joined by path
  // The user namespace first: joining it decides what the others may do. A
  // namespace without a path is a CLONE_NEW* flag for clone3; one with a path
  // is opened here (the child only calls setns on the descriptor) and kept
  // in storage.join_* with its type. Joining a pid namespace means the
  // child must fork once more (plan.fork_after_join). Then the plan's flags:
  // wait_for_parent for a new user namespace (its id maps come from the
  // parent), userns, and loopback_up for a new network namespace.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  std::vector<const NamespaceSpec*> ordered;
  for (const NamespaceSpec& ns : spec.namespaces)
    if (ns.clone_flag == CLONE_NEWUSER) ordered.insert(ordered.begin(), &ns);
    else ordered.push_back(&ns);
  for (const NamespaceSpec* ns : ordered) {
    if (ns->path.empty()) {
      clone_flags |= static_cast<std::uint64_t>(ns->clone_flag);
      continue;
    }
    UniqueFd fd(::open(ns->path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
      return tl::unexpected(Error::from_errno("open " + ns->type + " namespace " + ns->path));
    storage.join_fd_numbers.push_back(fd.get());
    storage.join_types.push_back(ns->clone_flag);
    storage.join_fds.push_back(std::move(fd));
    if (ns->clone_flag == CLONE_NEWPID) plan.fork_after_join = true;
  }
  plan.join_fds = storage.join_fd_numbers.data();
  plan.join_types = storage.join_types.data();
  plan.join_count = storage.join_types.size();
  plan.wait_for_parent = (clone_flags & CLONE_NEWUSER) != 0;
  plan.userns = spec.has_namespace(CLONE_NEWUSER);
  plan.loopback_up = (clone_flags & CLONE_NEWNET) != 0;
  // LAB-END
  return {};
}

unsigned long root_propagation(const std::string& name) {
  if (name.empty()) return MS_REC | MS_PRIVATE;
  return parse_mount_options("", {name}).propagation;
}

}  // namespace

Result<std::unique_ptr<PlanStorage>> make_plan(const std::string& bundle_dir,
                                               const nlohmann::json& config, bool open_stdin,
                                               const std::string& seccomp_cache_dir,
                                               ChildPlan& plan, std::uint64_t& clone_flags) {
  auto storage = std::make_unique<PlanStorage>();
  GORAE_ASSIGN_OR_RETURN(storage->spec, parse_linux_spec(config));
  const LinuxSpec& spec = storage->spec;
  const ProcessSpec& process = spec.base.process;

  std::filesystem::path root = spec.base.root_path;
  if (root.is_relative()) root = std::filesystem::path(bundle_dir) / root;
  std::error_code ec;
  storage->rootfs = std::filesystem::absolute(root, ec).lexically_normal().string();
  UniqueFd root_fd(::open(storage->rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid())
    return tl::unexpected(Error::from_errno("rootfs " + storage->rootfs).wrap("config.json: root.path"));
  GORAE_ASSIGN_OR_RETURN(storage->executable, find_executable(root_fd.get(), process));

  GORAE_TRY(plan_namespaces(*storage, plan, clone_flags));
  GORAE_TRY(plan_mounts(*storage, plan));
  GORAE_TRY(plan_capabilities(spec, plan));
  if (!spec.seccomp_json.empty()) {
    auto program = security::compile_seccomp_cached(spec.seccomp_json, seccomp_cache_dir);
    if (!program) return tl::unexpected(std::move(program).error().wrap("config.json: linux.seccomp"));
    storage->seccomp = std::move(*program);
    storage->seccomp_program = storage->seccomp->fprog();
    plan.seccomp = &storage->seccomp_program;
    plan.seccomp_flags = storage->seccomp->flags;
  }
  for (const std::string& path : spec.readonly_paths) storage->readonly_paths.push_back(path.c_str());
  for (const std::string& path : spec.masked_paths) storage->masked_paths.push_back(path.c_str());
  for (const RlimitSpec& limit : spec.rlimits)
    storage->rlimits.push_back({limit.resource, {limit.soft, limit.hard}});
  if (spec.oom_score_adj) storage->oom_score_adj = std::to_string(*spec.oom_score_adj);
  storage->argv = c_strings(process.args);
  storage->envp = c_strings(process.env);
  if (!process.terminal) {
    GORAE_ASSIGN_OR_RETURN(storage->stdio, make_pipes(open_stdin));
  }

  plan.hostname = spec.base.hostname.empty() ? nullptr : spec.base.hostname.c_str();
  plan.domainname = spec.domainname.empty() ? nullptr : spec.domainname.c_str();
  plan.oom_score_adj = spec.oom_score_adj ? storage->oom_score_adj.c_str() : nullptr;
  plan.rootfs = storage->rootfs.c_str();
  plan.root_propagation = root_propagation(spec.rootfs_propagation);
  plan.kcore_exists = ::access("/proc/kcore", F_OK) == 0;
  plan.terminal = process.terminal;
  plan.console_rows = process.console_height;
  plan.console_columns = process.console_width;
  plan.readonly_paths = storage->readonly_paths.data();
  plan.readonly_count = storage->readonly_paths.size();
  plan.masked_paths = storage->masked_paths.data();
  plan.masked_count = storage->masked_paths.size();
  plan.root_readonly = spec.root_readonly;
  plan.rlimits = storage->rlimits.data();
  plan.rlimit_count = storage->rlimits.size();
  for (int i = 0; i < 3; ++i) plan.stdio[i] = storage->stdio.child[i].get();
  plan.cwd = process.cwd.c_str();
  plan.no_new_privileges = spec.no_new_privileges;
  plan.uid = process.uid;
  plan.gid = process.gid;
  plan.groups = process.additional_gids.data();
  plan.group_count = process.additional_gids.size();
  plan.executable = storage->executable.c_str();
  plan.argv = storage->argv.data();
  plan.envp = storage->envp.data();
  return storage;
}

}  // namespace gorae::runtime
