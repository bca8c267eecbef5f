// Private to chapter 04: the JSON documents of GET /containers/{id}/stats and
// POST /containers/{id}/update, as dockerd 20.10 (API 1.41) writes and reads
// them, and how the docker CLI turns a stats document into a table row.
// Built here, away from the routes, so that unit tests can check them
// against what dockerd and docker answered on this machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gorae/base/error.hpp"
#include "gorae/cgroups/manager.hpp"
#include "gorae/engine/container.hpp"

namespace gorae::engine::stats {

/// One reading of a container's cgroup, with the host figures the docker
/// CLI needs to turn CPU nanoseconds into a percentage.
struct Sample {
  Clock::time_point read;
  cgroups::Stats cgroup;
  std::uint64_t system_cpu_ns = 0;  ///< all CPUs' busy + idle time (/proc/stat)
  std::uint32_t online_cpus = 0;
  int cgroup_version = 1;  ///< max_usage exists on v1 only
};

/// Docker's stats document (types.StatsJSON), keys in dockerd's order.
/// `current` null: the container is not running, and the document is zero
/// but for the name, the ID and what came before. `previous` null:
/// precpu_stats is zero and preread "0001-01-01T00:00:00Z" (a first sample,
/// one-shot). Zero counters are left out where dockerd's types say omitempty.
nlohmann::ordered_json document(const std::string& name, const std::string& id,
                                const Sample* current, const Sample* previous);

/// Go's time.Time in JSON: RFC 3339 in UTC, trailing zeros of the fraction
/// trimmed; the zero time for a time point at the epoch.
std::string go_time(Clock::time_point time);

/// dockerd's getSystemCPUUsage: the first seven fields of /proc/stat's "cpu"
/// line (user, nice, system, idle, iowait, irq, softirq), in ticks of 1/100 s,
/// as nanoseconds. Errc::internal when the line is missing or malformed.
Result<std::uint64_t> system_cpu_usage(std::string_view proc_stat);
/// The same, read from /proc/stat now.
Result<std::uint64_t> system_cpu_usage();
/// CPUs this process may run on (sched_getaffinity), as dockerd counts them.
std::uint32_t online_cpus();

/// What the docker CLI makes of one stats document (its StatsEntry, Linux).
struct Entry {
  std::string id, name;  ///< name without the leading '/'; "--" when there is none
  double cpu_percent = 0;
  double memory = 0, memory_limit = 0, memory_percent = 0;  ///< memory without the page cache
  double net_rx = 0, net_tx = 0, block_read = 0, block_write = 0;
  std::uint64_t pids = 0;
};
/// calculateCPUPercentUnix, calculateMemUsageUnixNoCache, calculateBlockIO
/// and calculateNetwork of docker/cli's stats_helpers.go. A missing field
/// counts as zero, as Go's decoder leaves it.
Entry entry(const nlohmann::json& document);
/// The cells of `docker stats`' default table: CONTAINER ID, NAME, CPU %,
/// MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS.
std::vector<std::string> row(const Entry& entry, bool truncate);
/// Go's strconv.FormatFloat(v, 'f', 2, 64) + "%".
std::string percent(double value);

/// POST /update's body (Docker's UpdateConfig). @return the object, or
/// Errc::internal with Go's decoder message for what it refuses (empty:
/// "EOF", malformed JSON, not an object, a known field of the wrong type):
/// dockerd answers those with a 500, before it looks for the container.
Result<nlohmann::json> parse_update_body(std::string_view body);

/// dockerd's verifyContainerSettings on the update alone (update=true: swap
/// without memory is allowed, it may be added to a memory limit set
/// before). Errc::invalid_argument with dockerd's message.
Status check_update(const nlohmann::json& update);

/// dockerd's Container.UpdateContainer: the non-zero fields of `update`
/// (CpuShares, NanoCpus, CpuPeriod, CpuQuota, CpusetCpus, CpusetMems, Memory,
/// MemorySwap, MemoryReservation, PidsLimit, RestartPolicy) replace those of
/// `host_config`. @return the merged HostConfig; Errc::conflict with
/// "Cannot update container ID: ..." for dockerd's 409s (a memory limit
/// above the swap limit already set, NanoCpus against CpuQuota/CpuPeriod, a
/// restart policy with AutoRemove).
Result<nlohmann::json> merge_update(nlohmann::json host_config, const nlohmann::json& update,
                                    const std::string& id);

}  // namespace gorae::engine::stats
