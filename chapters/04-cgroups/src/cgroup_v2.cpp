// cgroup v2: one tree, controllers switched on per level through the parent's
// cgroup.subtree_control. Kernel reference: Documentation/admin-guide/cgroup-v2.rst.

#include <algorithm>
#include <sstream>

#include "cgroup_fs.hpp"
#include "cgroup_managers.hpp"

namespace gorae::cgroups {
namespace detail {
namespace {

const std::vector<std::string> kControllers = {"cpu", "cpuset", "memory", "pids"};

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream stream(text);
  for (std::string word; stream >> word;) out.push_back(word);
  return out;
}

// What we use among the controllers `dir` offers to its children.
Result<std::vector<std::string>> usable(const std::string& dir) {
  GORAE_ASSIGN_OR_RETURN(std::string offered, read_file(dir + "/cgroup.controllers"));
  std::vector<std::string> out;
  for (const auto& name : words(offered))
    if (std::find(kControllers.begin(), kControllers.end(), name) != kControllers.end()) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::string limit_text(std::int64_t value) { return value == -1 ? "max" : std::to_string(value); }

}  // namespace

std::vector<std::string> V2Manager::controllers() const {
  return usable(options_.root).value_or(std::vector<std::string>());
}

Status V2Manager::require(const std::string& dir, const char* controller) const {
  GORAE_ASSIGN_OR_RETURN(std::string text, read_file(dir + "/cgroup.controllers"));
  std::string enabled;
  for (const auto& name : words(text)) {
    if (name == controller) return {};
    enabled += (enabled.empty() ? "" : " ") + name;
  }
  return fail(Errc::unavailable, std::string("the ") + controller + " controller is not enabled for " +
                                     dir + " (its cgroup.controllers: \"" + enabled + "\")");
}

Status V2Manager::create(const std::string& path) {
  GORAE_TRY(check_path(path));
  std::string current = options_.root;
  for (const std::string& part : path_parts(path)) {
    // A controller reaches a cgroup only if every ancestor passes it down;
    // enabling one that is on already is a no-op, so write the whole set (runc).
    GORAE_ASSIGN_OR_RETURN(auto wanted, usable(current));
    if (!wanted.empty()) {
      std::string value;
      for (const auto& name : wanted) value += (value.empty() ? "+" : " +") + name;
      GORAE_TRY(write_file(options_, current + "/cgroup.subtree_control", value));
    }
    current += "/" + part;
    GORAE_TRY(make_dir(options_, current));
  }
  return {};
}

Status V2Manager::apply_memory(const std::string& dir, const Resources& r) {
  GORAE_TRY(require(dir, "memory"));
  GORAE_ASSIGN_OR_RETURN(auto swap, v2_swap_max(r));
  if (swap && !exists(dir + "/memory.swap.max")) {
    if (*swap != "max")
      return fail(Errc::unavailable,
                  "memory.swap: your kernel does not support swap limit capabilities or the cgroup "
                  "is not mounted (" + dir + "/memory.swap.max is missing; boot with swapaccount=1)");
    swap.reset();
  }
  // v2 has no memory <= memory+swap rule between the two files: any order works.
  if (swap) GORAE_TRY(write_file(options_, dir + "/memory.swap.max", *swap));
  if (r.memory_limit) GORAE_TRY(write_file(options_, dir + "/memory.max", limit_text(*r.memory_limit)));
  if (r.memory_reservation)
    GORAE_TRY(write_file(options_, dir + "/memory.low", limit_text(*r.memory_reservation)));
  return {};
}

Status V2Manager::apply_cpu(const std::string& dir, const Resources& r) {
  GORAE_TRY(require(dir, "cpu"));
  if (std::uint64_t weight = shares_to_weight(r.cpu_shares.value_or(0)))
    GORAE_TRY(write_file(options_, dir + "/cpu.weight", std::to_string(weight)));
  if (auto max = v2_cpu_max(r)) GORAE_TRY(write_file(options_, dir + "/cpu.max", *max));
  return {};
}

Status V2Manager::apply(const std::string& path, const Resources& r) {
  GORAE_TRY(check_path(path));
  const std::string dir = options_.root + path;
  if (r.memory_limit || r.memory_swap || r.memory_reservation) GORAE_TRY(apply_memory(dir, r));
  if (r.pids_limit) {
    GORAE_TRY(require(dir, "pids"));
    const std::string value = *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max";
    GORAE_TRY(write_file(options_, dir + "/pids.max", value));
  }
  if (r.cpu_shares || r.cpu_quota || r.cpu_period) GORAE_TRY(apply_cpu(dir, r));
  if (!r.cpuset_cpus.empty() || !r.cpuset_mems.empty()) {
    GORAE_TRY(require(dir, "cpuset"));
    if (!r.cpuset_cpus.empty()) GORAE_TRY(write_file(options_, dir + "/cpuset.cpus", r.cpuset_cpus));
    if (!r.cpuset_mems.empty()) GORAE_TRY(write_file(options_, dir + "/cpuset.mems", r.cpuset_mems));
  }
  return {};
}

Status V2Manager::add_process(const std::string& path, pid_t pid) {
  GORAE_TRY(check_path(path));
  return write_file(options_, options_.root + path + "/cgroup.procs", std::to_string(pid));
}

Status V2Manager::destroy(const std::string& path) {
  GORAE_TRY(check_path(path));
  const std::string dir = options_.root + path;
  if (!exists(dir)) return {};
  // cgroup.kill (5.14) SIGKILLs the whole subtree at once, racing no fork.
  // Without it, remove_tree() keeps killing what it finds until rmdir works.
  if (exists(dir + "/cgroup.kill")) {
    GORAE_TRY(write_file(options_, dir + "/cgroup.kill", "1"));
  } else {
    GORAE_TRY(kill_all(options_, dir));
  }
  return remove_tree(options_, dir);
}

}  // namespace detail

std::unique_ptr<Manager> make_v2_manager(ManagerOptions options) {
  return std::make_unique<detail::V2Manager>(std::move(options));
}

std::unique_ptr<Manager> make_v2_manager(std::string root) {
  ManagerOptions options;
  options.root = std::move(root);
  return make_v2_manager(std::move(options));
}

}  // namespace gorae::cgroups
