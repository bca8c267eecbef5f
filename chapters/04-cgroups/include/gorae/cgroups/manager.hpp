#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/cgroups/detect.hpp"
#include "gorae/cgroups/resources.hpp"

namespace gorae::cgroups {

/// What `GET /containers/{id}/stats` needs, in Docker's units.
struct Stats {
  std::uint64_t cpu_total_ns = 0;   ///< v1 cpuacct.usage; v2 cpu.stat usage_usec × 1000
  std::uint64_t cpu_user_ns = 0;    ///< v1 cpuacct.usage_user (or cpuacct.stat user); v2 user_usec × 1000
  std::uint64_t cpu_system_ns = 0;  ///< v1 cpuacct.usage_sys (or cpuacct.stat system); v2 system_usec × 1000
  std::vector<std::uint64_t> per_cpu_ns;  ///< v1 cpuacct.usage_percpu; empty on v2
  std::uint64_t throttled_periods = 0, throttled_time_ns = 0, periods = 0;
  std::uint64_t memory_usage = 0;      ///< v1 memory.usage_in_bytes; v2 memory.current
  std::uint64_t memory_max_usage = 0;  ///< v1 memory.max_usage_in_bytes; v2 memory.peak (0 before 5.19)
  std::uint64_t memory_limit = 0;      ///< the cgroup's limit, or the host's RAM when that is lower (dockerd)
  std::map<std::string, std::uint64_t> memory_stat;  ///< memory.stat as the kernel names it
  std::uint64_t pids_current = 0;
  std::uint64_t pids_limit = 0;  ///< 0: no limit ("max")
  std::uint64_t oom_kills = 0;   ///< 0 as well where the kernel does not count them
};

/// The calls whose effect cgroupfs defines and a plain directory cannot show:
/// mkdir fills a new cgroup with its interface files, rmdir takes them along
/// (and fails with EBUSY while processes remain), and a killed process leaves
/// cgroup.procs. Unit tests replace them to model the kernel on a fake tree.
/// Each returns 0, or -1 with errno set, like the system call.
struct KernelOps {
  std::function<int(const std::string& path, mode_t mode)> mkdir;
  std::function<int(const std::string& path)> rmdir;
  std::function<int(pid_t pid, int signal)> kill;
  /// mkdir(2), rmdir(2) and kill(2).
  static KernelOps system();
};

struct ManagerOptions {
  std::string root = "/sys/fs/cgroup";
  KernelOps ops = KernelOps::system();
  /// How long destroy() waits for killed processes to leave before giving up.
  std::chrono::milliseconds empty_timeout{5000};
  /// Called after each successful write to a cgroup file, in order: the
  /// trace of what the kernel was told (the learner's window, and the tests').
  std::function<void(const std::string& file, const std::string& value)> on_write;
};

/// One container's cgroup, driven through whichever hierarchies the host has.
/// `path` is the cgroup relative to each hierarchy's root, e.g. "/gorae/<id>":
/// absolute, without "..", and never "/" itself (Errc::invalid_argument).
class Manager {
 public:
  virtual ~Manager() = default;
  /// 1 or 2.
  virtual int version() const = 0;
  /// mkdir -p in every hierarchy used. v2 first enables the controllers in
  /// each ancestor's cgroup.subtree_control; v1 copies cpuset.cpus/mems from
  /// the parent into each new level, where the kernel leaves them empty.
  virtual Status create(const std::string& path) = 0;
  /// Writes every set field. v1 orders memory and memsw as runc does (the
  /// kernel refuses memsw below memory). A swap limit where swap accounting
  /// is off is Errc::unavailable with dockerd's "your kernel does not support
  /// swap limit capabilities" (unlimited swap, -1, is then skipped).
  /// @return Errc::unavailable for a controller the host lacks; otherwise the
  ///   errno of the write, its message naming the file and the value.
  virtual Status apply(const std::string& path, const Resources& resources) = 0;
  /// Writes `pid` to cgroup.procs in every hierarchy.
  virtual Status add_process(const std::string& path, pid_t pid) = 0;
  /// Reads the counters; files of controllers the host lacks count as 0.
  /// @return Errc::not_found when the cgroup does not exist.
  virtual Result<Stats> stats(const std::string& path) const = 0;
  /// v1 memory.oom_control "oom_kill N", v2 memory.events "oom_kill N".
  /// @return Errc::unavailable on kernels that do not count them (before 4.13).
  virtual Result<std::uint64_t> oom_kills(const std::string& path) const = 0;
  /// Kills what is inside (v2 cgroup.kill, else SIGKILL to every pid; v1
  /// freezes first so nothing forks past the kill), waits for it to leave
  /// (at most empty_timeout), and removes the directories, children first, in
  /// every hierarchy. A cgroup that is already gone is not an error.
  virtual Status destroy(const std::string& path) = 0;
  /// The controllers it manages that the host has: memory, pids, cpu, cpuset
  /// (plus cpuacct and freezer on v1).
  virtual std::vector<std::string> controllers() const = 0;
};

/// v1: root/<controller>/<path> for memory, pids, cpu, cpuacct, cpuset and
/// freezer. cpu and cpuacct may be one hierarchy ("cpu,cpuacct" with the two
/// names as symlinks); each directory is then written once.
std::unique_ptr<Manager> make_v1_manager(ManagerOptions options);
std::unique_ptr<Manager> make_v1_manager(std::string root = "/sys/fs/cgroup");
/// v2: root/<path> in the unified hierarchy.
std::unique_ptr<Manager> make_v2_manager(ManagerOptions options);
std::unique_ptr<Manager> make_v2_manager(std::string root = "/sys/fs/cgroup");

/// The manager for this host: unified → v2; legacy or hybrid → v1 (a hybrid's
/// cgroup2 at unified/ holds no controller we use).
/// @return Errc::unavailable when detect_layout() finds no hierarchy.
Result<std::unique_ptr<Manager>> open_manager(ManagerOptions options);
Result<std::unique_ptr<Manager>> open_manager(std::string root = "/sys/fs/cgroup");

}  // namespace gorae::cgroups
