// cgroup v1: one hierarchy per controller (or per group of co-mounted
// controllers), so every operation repeats in each of them. Kernel reference:
// Documentation/admin-guide/cgroup-v1/{memory,cpusets,freezer-subsystem,pids}.rst.

#include <limits.h>
#include <stdlib.h>

#include <chrono>
#include <set>
#include <thread>

#include "cgroup_fs.hpp"
#include "cgroup_managers.hpp"
#include "gorae/base/log.hpp"

namespace gorae::cgroups {
namespace detail {
namespace {

// The order create() and add_process() visit them in; freezer last so that
// destroy() can rely on it whenever it exists.
const std::vector<std::string> kControllers = {"memory", "pids", "cpu", "cpuacct", "cpuset", "freezer"};

// The kernel creates a cpuset cgroup with empty cpus and mems (unless the
// parent has cgroup.clone_children) and then refuses tasks with ENOSPC.
Status fill_cpuset(const ManagerOptions& options, const std::string& parent, const std::string& dir) {
  for (const char* name : {"/cpuset.cpus", "/cpuset.mems"}) {
    GORAE_ASSIGN_OR_RETURN(std::string own, read_value(dir + name));
    if (!own.empty()) continue;
    GORAE_ASSIGN_OR_RETURN(std::string inherited, read_value(parent + name));
    GORAE_TRY(write_file(options, dir + name, inherited));
  }
  return {};
}

std::string limit_text(std::int64_t value) { return std::to_string(value); }

}  // namespace

std::string V1Manager::dir(const std::string& controller, const std::string& path) const {
  return options_.root + "/" + controller + path;
}

std::vector<std::string> V1Manager::controllers() const {
  std::vector<std::string> out;
  for (const auto& controller : kControllers)
    if (exists(options_.root + "/" + controller + "/cgroup.procs")) out.push_back(controller);
  return out;
}

Status V1Manager::require(const std::string& controller, const char* wanted_for) const {
  if (exists(options_.root + "/" + controller + "/cgroup.procs")) return {};
  return fail(Errc::unavailable, std::string(wanted_for) + " needs the " + controller +
                                     " cgroup hierarchy, which is not mounted at " + options_.root +
                                     "/" + controller);
}

std::vector<std::string> V1Manager::hierarchies() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& controller : controllers()) {
    // "cpu" and "cpuacct" are often symlinks to one "cpu,cpuacct" mount.
    char real[PATH_MAX];
    const std::string root = options_.root + "/" + controller;
    if (::realpath(root.c_str(), real) && seen.insert(real).second) out.push_back(root);
  }
  return out;
}

Status V1Manager::create(const std::string& path) {
  GORAE_TRY(check_path(path));
  if (controllers().empty())
    return fail(Errc::unavailable, "no cgroup v1 hierarchy is mounted under " + options_.root);
  for (const std::string& hierarchy : hierarchies()) {
    std::string current = hierarchy;
    const bool cpuset = exists(current + "/cpuset.cpus");
    for (const std::string& part : path_parts(path)) {
      std::string parent = current;
      current += "/" + part;
      GORAE_TRY(make_dir(options_, current));
      // Every level, not only new ones: a parent made by someone else may be empty too.
      if (cpuset) GORAE_TRY(fill_cpuset(options_, parent, current));
    }
  }
  return {};
}

Status V1Manager::apply_memory(const std::string& dir, const Resources& r) {
  // LAB(04) v1-memory: Write the memory and memory+swap limits in an order the kernel accepts
  // v1 counts swap as memory + swap (memory.memsw.limit_in_bytes) and keeps
  // memory <= memsw at every moment: raise memsw first, lower memory first
  // (compare with the current memory.limit_in_bytes; -1 is unlimited).
  // Lifting memory with no word on swap lifts swap too. Without the memsw
  // file (no swap accounting) a swap limit is Errc::unavailable, "unlimited"
  // is already true. Then the reservation: memory.soft_limit_in_bytes.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  std::optional<std::int64_t> limit = r.memory_limit, swap = r.memory_swap;
  // runc: lifting the memory limit without a word on swap lifts swap too.
  if (limit == -1 && !swap) swap = -1;
  const std::string memory_file = dir + "/memory.limit_in_bytes";
  const std::string memsw_file = dir + "/memory.memsw.limit_in_bytes";
  if (swap && !exists(memsw_file)) {
    // Without swap accounting (swapaccount=0, or no CONFIG_MEMCG_SWAP) swap is
    // unlimited already; a limit cannot be honoured, and saying so beats ignoring it.
    if (*swap != -1)
      return fail(Errc::unavailable,
                  "memory.swap: your kernel does not support swap limit capabilities or the cgroup "
                  "is not mounted (" + memsw_file + " is missing; boot with swapaccount=1)");
    swap.reset();
  }
  if (limit && swap) {
    // The kernel keeps memory <= memsw at every step: raise memsw first,
    // lower memory first (runc's setMemoryAndSwap).
    GORAE_ASSIGN_OR_RETURN(auto current, read_limit(memory_file));
    const bool raising = *swap == -1 || (current && *current < static_cast<std::uint64_t>(*swap));
    if (raising) {
      GORAE_TRY(write_file(options_, memsw_file, limit_text(*swap)));
      GORAE_TRY(write_file(options_, memory_file, limit_text(*limit)));
    } else {
      GORAE_TRY(write_file(options_, memory_file, limit_text(*limit)));
      GORAE_TRY(write_file(options_, memsw_file, limit_text(*swap)));
    }
  } else if (limit) {
    GORAE_TRY(write_file(options_, memory_file, limit_text(*limit)));
  } else if (swap) {
    GORAE_TRY(write_file(options_, memsw_file, limit_text(*swap)));
  }
  if (r.memory_reservation)
    GORAE_TRY(write_file(options_, dir + "/memory.soft_limit_in_bytes", limit_text(*r.memory_reservation)));
  // LAB-END
  return {};
}

Status V1Manager::apply(const std::string& path, const Resources& r) {
  GORAE_TRY(check_path(path));
  if (r.memory_limit || r.memory_swap || r.memory_reservation) {
    GORAE_TRY(require("memory", "a memory limit"));
    GORAE_TRY(apply_memory(dir("memory", path), r));
  }
  // LAB(04) v1-limits: Write the pids and cpu limits to their v1 files
  // pids.max takes a number, or "max" for 0 and below. cpu.shares, then
  // cpu.cfs_period_us before cpu.cfs_quota_us: the kernel judges a quota
  // against the period it has. require() each hierarchy first, so that a
  // missing one is named.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  if (r.pids_limit) {
    GORAE_TRY(require("pids", "a pids limit"));
    const std::string value = *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max";
    GORAE_TRY(write_file(options_, dir("pids", path) + "/pids.max", value));
  }
  if (r.cpu_shares || r.cpu_period || r.cpu_quota) {
    GORAE_TRY(require("cpu", "a cpu limit"));
    const std::string cpu = dir("cpu", path);
    if (r.cpu_shares) GORAE_TRY(write_file(options_, cpu + "/cpu.shares", std::to_string(*r.cpu_shares)));
    // Period before quota, so that the quota is judged against the new period.
    if (r.cpu_period)
      GORAE_TRY(write_file(options_, cpu + "/cpu.cfs_period_us", std::to_string(*r.cpu_period)));
    if (r.cpu_quota)
      GORAE_TRY(write_file(options_, cpu + "/cpu.cfs_quota_us", limit_text(*r.cpu_quota)));
  }
  // LAB-END
  if (!r.cpuset_cpus.empty() || !r.cpuset_mems.empty()) {
    GORAE_TRY(require("cpuset", "a cpuset"));
    const std::string cpuset = dir("cpuset", path);
    if (!r.cpuset_cpus.empty()) GORAE_TRY(write_file(options_, cpuset + "/cpuset.cpus", r.cpuset_cpus));
    if (!r.cpuset_mems.empty()) GORAE_TRY(write_file(options_, cpuset + "/cpuset.mems", r.cpuset_mems));
  }
  return {};
}

Status V1Manager::add_process(const std::string& path, pid_t pid) {
  GORAE_TRY(check_path(path));
  for (const std::string& hierarchy : hierarchies())
    GORAE_TRY(write_file(options_, hierarchy + path + "/cgroup.procs", std::to_string(pid)));
  return {};
}

// Frozen tasks cannot fork, so the pids read after FROZEN are all there is;
// the SIGKILLs land when the cgroup thaws (runc's signalAllProcesses).
Status V1Manager::kill_inside(const std::string& path) {
  const std::string freezer = dir("freezer", path);
  if (!exists(freezer + "/freezer.state")) {
    for (const auto& hierarchy : hierarchies())
      if (exists(hierarchy + path)) return kill_all(options_, hierarchy + path);
    return {};
  }
  bool any = false;
  for (const auto& cgroup : post_order(freezer)) any = any || !read_pids(cgroup).empty();
  if (!any) return {};
  GORAE_TRY(write_file(options_, freezer + "/freezer.state", "FROZEN"));
  // FREEZING turns into FROZEN once every task has stopped; a task stuck in
  // the kernel can delay it, and then the kill goes ahead anyway.
  auto deadline = std::chrono::steady_clock::now() + options_.empty_timeout;
  while (read_value(freezer + "/freezer.state").value_or("") != "FROZEN") {
    if (std::chrono::steady_clock::now() >= deadline) {
      GORAE_LOG_WARN("%s did not reach FROZEN; killing its tasks anyway", freezer.c_str());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Status killed = kill_all(options_, freezer);
  GORAE_TRY(write_file(options_, freezer + "/freezer.state", "THAWED"));
  return killed;
}

Status V1Manager::destroy(const std::string& path) {
  GORAE_TRY(check_path(path));
  GORAE_TRY(kill_inside(path));
  for (const std::string& hierarchy : hierarchies()) GORAE_TRY(remove_tree(options_, hierarchy + path));
  return {};
}

}  // namespace detail

std::unique_ptr<Manager> make_v1_manager(ManagerOptions options) {
  return std::make_unique<detail::V1Manager>(std::move(options));
}

std::unique_ptr<Manager> make_v1_manager(std::string root) {
  ManagerOptions options;
  options.root = std::move(root);
  return make_v1_manager(std::move(options));
}

}  // namespace gorae::cgroups
