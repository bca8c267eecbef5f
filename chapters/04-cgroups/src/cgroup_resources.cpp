// linux.resources → Resources, and the pure conversions v2 needs because the
// OCI spec (and Docker's API) keep cgroup v1's units.

#include "gorae/cgroups/resources.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

namespace gorae::cgroups {
namespace {

using nlohmann::json;

const std::string kPrefix = "linux.resources.";

tl::unexpected<Error> invalid(const std::string& field, const std::string& problem) {
  return fail(Errc::invalid_argument, kPrefix + field + ": " + problem);
}

// The value at `key`, or nullptr when absent or null (both mean "not set").
const json* find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

Result<const json*> find_object(const json& parent, const char* key) {
  const json* value = find(parent, key);
  if (value && !value->is_object()) return invalid(key, "must be an object");
  return value;
}

bool fits_int64(const json& value) {
  if (!value.is_number_integer()) return false;
  return !value.is_number_unsigned() ||
         value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}

// memory.* and cpu.quota: -1 is "unlimited", 0 is "unset" (runc's reading).
Result<std::optional<std::int64_t>> read_limit(const json& object, const char* key,
                                               const std::string& field) {
  const json* value = find(object, key);
  if (!value) return std::nullopt;
  if (!fits_int64(*value)) return invalid(field, "must be an integer, -1 or more");
  auto number = value->get<std::int64_t>();
  if (number < -1) return invalid(field, std::to_string(number) + " is below -1 (unlimited)");
  if (number == 0) return std::nullopt;
  return number;
}

Result<std::optional<std::uint64_t>> read_unsigned(const json& object, const char* key,
                                                   const std::string& field) {
  const json* value = find(object, key);
  if (!value) return std::nullopt;
  if (!value->is_number_unsigned()) return invalid(field, "must be a non-negative integer");
  auto number = value->get<std::uint64_t>();
  if (number == 0) return std::nullopt;
  return number;
}

// cpuset lists as cpuset(7) writes them: "0-3,6". The kernel would say
// EINVAL too, but not which field.
bool valid_cpu_list(const std::string& text) {
  std::size_t i = 0;
  auto number = [&](unsigned long& out) {
    std::size_t start = i;
    out = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') out = out * 10 + (text[i++] - '0');
    return i > start && i - start < 10;
  };
  while (true) {
    unsigned long first = 0, last = 0;
    if (!number(first)) return false;
    if (i < text.size() && text[i] == '-') {
      ++i;
      if (!number(last) || last < first) return false;
    }
    if (i == text.size()) return true;
    if (text[i++] != ',') return false;
  }
}

Result<std::string> read_cpu_list(const json& object, const char* key, const std::string& field) {
  const json* value = find(object, key);
  if (!value) return std::string();
  if (!value->is_string()) return invalid(field, "must be a string");
  auto text = value->get<std::string>();
  if (!text.empty() && !valid_cpu_list(text))
    return invalid(field, "\"" + text + "\" is not a list such as \"0-3,6\"");
  return text;
}

Status read_memory(const json& memory, Resources& out) {
  GORAE_ASSIGN_OR_RETURN(out.memory_limit, read_limit(memory, "limit", "memory.limit"));
  GORAE_ASSIGN_OR_RETURN(out.memory_swap, read_limit(memory, "swap", "memory.swap"));
  GORAE_ASSIGN_OR_RETURN(out.memory_reservation,
                         read_limit(memory, "reservation", "memory.reservation"));
  // The kernel keeps memsw.limit >= memory.limit; say so before it says EINVAL.
  if (out.memory_limit > 0 && out.memory_swap > 0 && *out.memory_swap < *out.memory_limit)
    return invalid("memory.swap", std::to_string(*out.memory_swap) + " is below memory.limit " +
                                      std::to_string(*out.memory_limit) +
                                      " (swap counts memory + swap)");
  return {};
}

Status read_cpu(const json& cpu, Resources& out) {
  GORAE_ASSIGN_OR_RETURN(out.cpu_shares, read_unsigned(cpu, "shares", "cpu.shares"));
  GORAE_ASSIGN_OR_RETURN(out.cpu_quota, read_limit(cpu, "quota", "cpu.quota"));
  GORAE_ASSIGN_OR_RETURN(out.cpu_period, read_unsigned(cpu, "period", "cpu.period"));
  GORAE_ASSIGN_OR_RETURN(out.cpuset_cpus, read_cpu_list(cpu, "cpus", "cpu.cpus"));
  GORAE_ASSIGN_OR_RETURN(out.cpuset_mems, read_cpu_list(cpu, "mems", "cpu.mems"));
  return {};
}

Status read_pids(const json& pids, Resources& out) {
  const json* limit = find(pids, "limit");
  if (!limit) return invalid("pids.limit", "missing (the spec requires it in pids)");
  if (!fits_int64(*limit)) return invalid("pids.limit", "must be an integer");
  out.pids_limit = limit->get<std::int64_t>();
  return {};
}

}  // namespace

Result<Resources> parse_resources(const nlohmann::json& linux_resources) {
  Resources out;
  if (linux_resources.is_null()) return out;
  if (!linux_resources.is_object())
    return fail(Errc::invalid_argument, "linux.resources: must be an object");
  GORAE_ASSIGN_OR_RETURN(const json* memory, find_object(linux_resources, "memory"));
  if (memory) GORAE_TRY(read_memory(*memory, out));
  GORAE_ASSIGN_OR_RETURN(const json* cpu, find_object(linux_resources, "cpu"));
  if (cpu) GORAE_TRY(read_cpu(*cpu, out));
  GORAE_ASSIGN_OR_RETURN(const json* pids, find_object(linux_resources, "pids"));
  if (pids) GORAE_TRY(read_pids(*pids, out));
  return out;
}

std::uint64_t shares_to_weight(std::uint64_t shares) {
  // LAB(04) v2-weight: Convert v1 cpu.shares [2, 262144] to v2 cpu.weight [1, 10000]
  // runc's linear map: 2 → 1, 262144 → 10000; 0 stays 0 (not set). Clamp
  // first, as the kernel clamps shares, or the subtraction wraps around.
  if (shares == 0) return 0;
  // Below 2 the formula would wrap around; the kernel clamps shares the same way.
  shares = std::clamp<std::uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
  // LAB-END
}

Result<std::optional<std::string>> v2_swap_max(const Resources& resources) {
  // LAB(04) v2-swap: Convert the spec's memory+swap limit to v2's memory.swap.max
  // The spec counts swap as memory + swap (v1's memsw); v2's memory.swap.max
  // counts swap alone. -1 is "max"; unset is nothing to write, except that
  // unlimited memory with swap unset lifts swap too. A swap limit needs a
  // memory limit no larger than it (Errc::invalid_argument otherwise).
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  const std::int64_t memory = resources.memory_limit.value_or(0);
  const std::int64_t swap = resources.memory_swap.value_or(0);
  // v1 compatibility: "memory unlimited" with swap unset lifts both limits.
  if (memory == -1 && swap == 0) return std::optional<std::string>("max");
  if (swap == 0) return std::optional<std::string>();
  if (swap == -1) return std::optional<std::string>("max");
  if (memory <= 0)
    return invalid("memory.swap", "a swap limit needs a memory limit (swap counts memory + swap)");
  if (swap < memory)
    return invalid("memory.swap", std::to_string(swap) + " is below memory.limit " +
                                      std::to_string(memory) + " (swap counts memory + swap)");
  return std::optional<std::string>(std::to_string(swap - memory));
  // LAB-END
}

std::optional<std::string> v2_cpu_max(const Resources& resources) {
  // LAB(04) v2-cpu: Join the cpu quota and period into v2's cpu.max
  // cpu.max is "QUOTA PERIOD" in microseconds, QUOTA "max" for no limit; the
  // period may be left out. Nothing to write when neither is set.
  const std::int64_t quota = resources.cpu_quota.value_or(0);
  const std::uint64_t period = resources.cpu_period.value_or(0);
  if (quota == 0 && period == 0) return std::nullopt;
  std::string value = quota > 0 ? std::to_string(quota) : "max";
  if (period != 0) value += " " + std::to_string(period);
  return value;
  // LAB-END
}

}  // namespace gorae::cgroups
