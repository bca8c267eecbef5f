// cgroup v1 counters, converted to what Docker's stats API reports (runc's
// fs GetStats, which dockerd reads through containerd).

#include <unistd.h>

#include <algorithm>

#include "cgroup_fs.hpp"
#include "cgroup_managers.hpp"

namespace gorae::cgroups::detail {
namespace {

Status read_cpu(const std::string& cpuacct, const std::string& cpu, Stats& s) {
  GORAE_ASSIGN_OR_RETURN(s.cpu_total_ns, read_counter(cpuacct + "/cpuacct.usage"));
  if (exists(cpuacct + "/cpuacct.usage_user")) {
    GORAE_ASSIGN_OR_RETURN(s.cpu_user_ns, read_counter(cpuacct + "/cpuacct.usage_user"));
    GORAE_ASSIGN_OR_RETURN(s.cpu_system_ns, read_counter(cpuacct + "/cpuacct.usage_sys"));
  } else {
    // Before 4.16 only cpuacct.stat splits user from system, in USER_HZ ticks.
    GORAE_ASSIGN_OR_RETURN(auto ticks, read_keyed(cpuacct + "/cpuacct.stat"));
    const std::uint64_t ns_per_tick = 1'000'000'000ULL / static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
    s.cpu_user_ns = ticks["user"] * ns_per_tick;
    s.cpu_system_ns = ticks["system"] * ns_per_tick;
  }
  if (auto per_cpu = read_file(cpuacct + "/cpuacct.usage_percpu")) s.per_cpu_ns = parse_numbers(*per_cpu);
  GORAE_ASSIGN_OR_RETURN(auto throttling, read_keyed(cpu + "/cpu.stat"));
  s.periods = throttling["nr_periods"];
  s.throttled_periods = throttling["nr_throttled"];
  s.throttled_time_ns = throttling["throttled_time"];
  return {};
}

Status read_memory(const std::string& memory, Stats& s) {
  GORAE_ASSIGN_OR_RETURN(s.memory_usage, read_counter(memory + "/memory.usage_in_bytes"));
  GORAE_ASSIGN_OR_RETURN(s.memory_max_usage, read_counter(memory + "/memory.max_usage_in_bytes"));
  GORAE_ASSIGN_OR_RETURN(std::uint64_t limit, read_counter(memory + "/memory.limit_in_bytes"));
  // "Unlimited" reads as 9223372036854771712; dockerd shows the host's RAM instead.
  const std::uint64_t host = host_memory();
  s.memory_limit = host > 0 && (limit == 0 || limit > host) ? host : limit;
  GORAE_ASSIGN_OR_RETURN(s.memory_stat, read_keyed(memory + "/memory.stat"));
  return {};
}

}  // namespace

Result<Stats> V1Manager::stats(const std::string& path) const {
  GORAE_TRY(check_path(path));
  bool found = false;
  for (const auto& hierarchy : hierarchies()) found = found || is_directory(hierarchy + path);
  if (!found) return fail(Errc::not_found, "cgroup " + path + " not found under " + options_.root);
  Stats s;
  GORAE_TRY(read_cpu(dir("cpuacct", path), dir("cpu", path), s));
  GORAE_TRY(read_memory(dir("memory", path), s));
  GORAE_ASSIGN_OR_RETURN(s.pids_current, read_counter(dir("pids", path) + "/pids.current"));
  GORAE_ASSIGN_OR_RETURN(s.pids_limit, read_counter(dir("pids", path) + "/pids.max"));
  auto kills = oom_kills(path);
  if (kills) {
    s.oom_kills = *kills;
  } else if (kills.error().kind() != Errc::unavailable) {
    return tl::unexpected(std::move(kills).error());
  }
  return s;
}

Result<std::uint64_t> V1Manager::oom_kills(const std::string& path) const {
  GORAE_TRY(check_path(path));
  GORAE_TRY(require("memory", "counting OOM kills"));
  const std::string file = dir("memory", path) + "/memory.oom_control";
  GORAE_ASSIGN_OR_RETURN(std::string text, read_file(file));
  auto fields = parse_flat_keyed(text);
  auto it = fields.find("oom_kill");
  // Added in 4.13; under_oom and memory.failcnt count something else (being
  // at the limit), so there is no honest substitute.
  if (it == fields.end()) return fail(Errc::unavailable, file + " has no oom_kill counter (kernel before 4.13)");
  return it->second;
}

}  // namespace gorae::cgroups::detail
