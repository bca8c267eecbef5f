// cgroup v2 counters, converted to what Docker's stats API reports: v2 counts
// CPU time in µs where Docker (and v1) count ns (runc's fs2 GetStats).

#include "cgroup_fs.hpp"
#include "cgroup_managers.hpp"

namespace gorae::cgroups::detail {

Result<Stats> V2Manager::stats(const std::string& path) const {
  GORAE_TRY(check_path(path));
  const std::string dir = options_.root + path;
  if (!is_directory(dir)) return fail(Errc::not_found, "cgroup " + path + " not found under " + options_.root);
  Stats s;
  // cpu.stat's usage fields exist even without the cpu controller (core accounting).
  GORAE_ASSIGN_OR_RETURN(auto cpu, read_keyed(dir + "/cpu.stat"));
  s.cpu_total_ns = cpu["usage_usec"] * 1000;
  s.cpu_user_ns = cpu["user_usec"] * 1000;
  s.cpu_system_ns = cpu["system_usec"] * 1000;
  s.periods = cpu["nr_periods"];
  s.throttled_periods = cpu["nr_throttled"];
  s.throttled_time_ns = cpu["throttled_usec"] * 1000;

  GORAE_ASSIGN_OR_RETURN(s.memory_usage, read_counter(dir + "/memory.current"));
  // memory.peak appeared in 5.19; before that there is no high-water mark.
  GORAE_ASSIGN_OR_RETURN(s.memory_max_usage, read_counter(dir + "/memory.peak"));
  GORAE_ASSIGN_OR_RETURN(std::uint64_t limit, read_counter(dir + "/memory.max"));
  const std::uint64_t host = host_memory();
  s.memory_limit = host > 0 && (limit == 0 || limit > host) ? host : limit;
  GORAE_ASSIGN_OR_RETURN(s.memory_stat, read_keyed(dir + "/memory.stat"));
  GORAE_ASSIGN_OR_RETURN(auto events, read_keyed(dir + "/memory.events"));
  s.oom_kills = events["oom_kill"];

  GORAE_ASSIGN_OR_RETURN(s.pids_current, read_counter(dir + "/pids.current"));
  GORAE_ASSIGN_OR_RETURN(s.pids_limit, read_counter(dir + "/pids.max"));
  return s;
}

Result<std::uint64_t> V2Manager::oom_kills(const std::string& path) const {
  GORAE_TRY(check_path(path));
  const std::string file = options_.root + path + "/memory.events";
  GORAE_ASSIGN_OR_RETURN(std::string text, read_file(file));
  auto events = parse_flat_keyed(text);
  auto it = events.find("oom_kill");
  if (it == events.end()) return fail(Errc::unavailable, file + " has no oom_kill counter (kernel before 4.13)");
  return it->second;
}

}  // namespace gorae::cgroups::detail
