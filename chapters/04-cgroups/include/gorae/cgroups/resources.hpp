#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"

namespace gorae::cgroups {

/// linux.resources (opencontainers/runtime-spec config-linux.md): the subset
/// chapter 04 applies. An empty optional (or string) leaves the kernel's value.
struct Resources {
  std::optional<std::int64_t> memory_limit;        ///< memory.limit, bytes; -1 unlimited
  std::optional<std::int64_t> memory_swap;         ///< memory.swap: memory + swap (the v1 meaning); -1 unlimited
  std::optional<std::int64_t> memory_reservation;  ///< memory.reservation, the soft limit; -1 none
  std::optional<std::int64_t> pids_limit;          ///< pids.limit; 0 or negative: unlimited
  std::optional<std::uint64_t> cpu_shares;         ///< cpu.shares, v1 units (2..262144)
  std::optional<std::int64_t> cpu_quota;           ///< cpu.quota, µs per period; -1 unlimited
  std::optional<std::uint64_t> cpu_period;         ///< cpu.period, µs
  std::string cpuset_cpus;                         ///< cpu.cpus, "0-3,6"
  std::string cpuset_mems;                         ///< cpu.mems, "0"

  bool empty() const {
    return !memory_limit && !memory_swap && !memory_reservation && !pids_limit && !cpu_shares &&
           !cpu_quota && !cpu_period && cpuset_cpus.empty() && cpuset_mems.empty();
  }
};

/// Reads linux.resources. A null value gives an empty Resources; fields the
/// chapter does not apply (devices, blockIO, hugepageLimits...) are ignored.
/// As in runc, a 0 in memory.*, cpu.shares, cpu.quota or cpu.period means
/// "not set" (writing 0 to memory.limit_in_bytes would OOM the container at once).
/// @return Errc::invalid_argument naming the field, e.g.
///   "linux.resources.memory.limit: must be an integer, -1 or more", or
///   memory.swap below memory.limit (swap counts memory + swap).
Result<Resources> parse_resources(const nlohmann::json& linux_resources);

/// runc's conversion of cpu.shares (2..262144) to the v2 cpu.weight (1..10000):
/// 1 + ((shares - 2) * 9999) / 262142, clamped to the shares range first.
/// @return 0 for shares 0, meaning "leave cpu.weight alone".
std::uint64_t shares_to_weight(std::uint64_t shares);

/// The value for v2's memory.swap.max, which counts swap alone, from the
/// OCI memory + swap total (runc's ConvertMemorySwapToCgroupV2Value).
/// @return nullopt when nothing is to be written; "max" for unlimited (also
///   when memory is -1 and swap unset, as v1 would); Errc::invalid_argument
///   for a swap limit without a memory limit or below it.
Result<std::optional<std::string>> v2_swap_max(const Resources& resources);

/// The value for v2's cpu.max ("QUOTA PERIOD", "max PERIOD", or "QUOTA"
/// alone, which keeps the period), as runc writes it.
/// @return nullopt when neither quota nor period is set.
std::optional<std::string> v2_cpu_max(const Resources& resources);

}  // namespace gorae::cgroups
