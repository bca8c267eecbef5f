// The daemon's half of stats_json.hpp: the stats document dockerd 20.10
// writes (api/types/stats.go, daemon/stats/collector_linux.go) and the
// update body it reads (container/container_unix.go UpdateContainer).

#include "stats_json.hpp"

#include <sched.h>

#include <fstream>
#include <sstream>

#include "gorae/engine/logs.hpp"
#include "gorae/engine/resources.hpp"

namespace gorae::engine::stats {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json cpu_json(const Sample* sample) {
  const cgroups::Stats empty;
  const cgroups::Stats& s = sample ? sample->cgroup : empty;
  ordered_json usage = {{"total_usage", s.cpu_total_ns}};
  if (!s.per_cpu_ns.empty()) usage["percpu_usage"] = s.per_cpu_ns;  // v1 only
  usage["usage_in_kernelmode"] = s.cpu_system_ns;
  usage["usage_in_usermode"] = s.cpu_user_ns;
  ordered_json cpu = {{"cpu_usage", usage}};
  if (sample && sample->system_cpu_ns) cpu["system_cpu_usage"] = sample->system_cpu_ns;
  if (sample && sample->online_cpus) cpu["online_cpus"] = sample->online_cpus;
  cpu["throttling_data"] = {{"periods", s.periods},
                            {"throttled_periods", s.throttled_periods},
                            {"throttled_time", s.throttled_time_ns}};
  return cpu;
}

ordered_json memory_json(const Sample& sample) {
  const cgroups::Stats& s = sample.cgroup;
  ordered_json memory = ordered_json::object();
  if (s.memory_usage) memory["usage"] = s.memory_usage;
  if (sample.cgroup_version == 1 && s.memory_max_usage) memory["max_usage"] = s.memory_max_usage;
  if (!s.memory_stat.empty()) memory["stats"] = s.memory_stat;
  if (s.memory_limit) memory["limit"] = s.memory_limit;
  return memory;
}

// Go marshals a nil slice as null and an empty one as []: dockerd's zero
// document has the former, a running container's the latter.
ordered_json blkio_json(bool running) {
  ordered_json blkio = ordered_json::object();
  for (const char* key :
       {"io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
        "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive",
        "io_time_recursive", "sectors_recursive"})
    blkio[key] = running ? ordered_json::array() : ordered_json(nullptr);
  return blkio;
}

std::int64_t number(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Go's decoder message for a field of the wrong type: dockerd answers it
// with a 500, like any other body its decoder refuses.
Status check_type(const json& body, const char* key, bool integer) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null() || (integer ? it->is_number_integer() : it->is_string()))
    return {};
  return fail(Errc::internal, std::string("json: cannot unmarshal ") + it->type_name() +
                                          " into Go struct field UpdateConfig." + key + " of type " +
                                          (integer ? "int64" : "string"));
}

// daemon/container.go validateRestartPolicy.
Status check_restart_policy(const json& update) {
  auto policy = update.find("RestartPolicy");
  if (policy == update.end() || !policy->is_object()) return {};
  std::string name = text(*policy, "Name");
  std::int64_t retries = number(*policy, "MaximumRetryCount");
  if (name == "always" || name == "unless-stopped" || name == "no") {
    if (retries != 0)
      return fail(Errc::invalid_argument,
                  "maximum retry count cannot be used with restart policy '" + name + "'");
  } else if (name == "on-failure") {
    if (retries < 0) return fail(Errc::invalid_argument, "maximum retry count cannot be negative");
  } else if (!name.empty()) {
    return fail(Errc::invalid_argument, "invalid restart policy '" + name + "'");
  }
  return {};
}

}  // namespace

std::string go_time(Clock::time_point time) {
  if (time == Clock::time_point{}) return "0001-01-01T00:00:00Z";
  std::string text = rfc3339_nano(time);  // always nine digits
  text.pop_back();                        // 'Z'
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "Z";
}

ordered_json document(const std::string& name, const std::string& id, const Sample* current,
                      const Sample* previous) {
  ordered_json doc;
  doc["read"] = go_time(current ? current->read : Clock::time_point{});
  doc["preread"] = go_time(previous ? previous->read : Clock::time_point{});
  ordered_json pids = ordered_json::object();
  if (current && current->cgroup.pids_current) pids["current"] = current->cgroup.pids_current;
  if (current && current->cgroup.pids_limit) pids["limit"] = current->cgroup.pids_limit;
  doc["pids_stats"] = pids;
  doc["blkio_stats"] = blkio_json(current != nullptr);
  doc["num_procs"] = 0;  // Windows only
  doc["storage_stats"] = ordered_json::object();
  doc["cpu_stats"] = cpu_json(current);
  doc["precpu_stats"] = cpu_json(previous);
  doc["memory_stats"] = current ? memory_json(*current) : ordered_json::object();
  doc["name"] = name;
  doc["id"] = id;
  return doc;
}

Result<std::uint64_t> system_cpu_usage(std::string_view proc_stat) {
  std::istringstream lines{std::string(proc_stat)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string label;
    if (!(fields >> label) || label != "cpu") continue;
    std::uint64_t ticks = 0;
    for (int i = 0; i < 7; ++i) {
      std::uint64_t value = 0;
      if (!(fields >> value)) return fail(Errc::internal, "invalid number of cpu fields in /proc/stat");
      ticks += value;
    }
    // USER_HZ is 100 on every Linux architecture dockerd supports; it hard-codes it too.
    return ticks * (1'000'000'000ULL / 100);
  }
  return fail(Errc::internal, "no cpu line in /proc/stat");
}

Result<std::uint64_t> system_cpu_usage() {
  std::ifstream file("/proc/stat");
  if (!file) return tl::unexpected(Error::from_errno("open /proc/stat"));
  std::stringstream text;
  text << file.rdbuf();
  return system_cpu_usage(text.str());
}

std::uint32_t online_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return static_cast<std::uint32_t>(CPU_COUNT(&set));
}

Result<json> parse_update_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return fail(Errc::internal, "EOF");
  json update = json::parse(body, nullptr, false);
  if (update.is_discarded()) return fail(Errc::internal, "invalid JSON in the update request body");
  if (!update.is_object())
    return fail(Errc::internal, std::string("json: cannot unmarshal ") + update.type_name() +
                                    " into Go value of type container.UpdateConfig");
  for (const char* key : {"CpuShares", "Memory", "NanoCpus", "CpuPeriod", "CpuQuota", "MemoryReservation",
                          "MemorySwap", "PidsLimit"})
    GORAE_TRY(check_type(update, key, true));
  GORAE_TRY(check_type(update, "CpusetCpus", false));
  GORAE_TRY(check_type(update, "CpusetMems", false));
  if (auto policy = update.find("RestartPolicy"); policy != update.end() && !policy->is_null()) {
    if (!policy->is_object())
      return fail(Errc::internal, "json: cannot unmarshal " + std::string(policy->type_name()) +
                                              " into Go struct field UpdateConfig.RestartPolicy");
    GORAE_TRY(check_type(*policy, "Name", false));
    GORAE_TRY(check_type(*policy, "MaximumRetryCount", true));
  }
  return update;
}

Status check_update(const json& update) {
  json alone = update;
  if (number(alone, "Memory") == 0 && number(alone, "MemorySwap") > 0) alone.erase("MemorySwap");
  GORAE_TRY(resources_from_host_config(alone));
  return check_restart_policy(update);
}

Result<json> merge_update(json host, const json& update, const std::string& id) {
  if (!host.is_object()) host = json::object();
  auto conflict = [&id](const std::string& why) {
    return fail(Errc::conflict, "Cannot update container " + id + ": " + why);
  };
  // NanoCpus is CpuQuota/CpuPeriod in other words: one may not replace the other.
  if (number(update, "NanoCpus") > 0 && number(host, "CpuPeriod") > 0)
    return conflict("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
  if (number(update, "NanoCpus") > 0 && number(host, "CpuQuota") > 0)
    return conflict("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");
  if (number(update, "CpuPeriod") > 0 && number(host, "NanoCpus") > 0)
    return conflict("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
  if (number(update, "CpuQuota") > 0 && number(host, "NanoCpus") > 0)
    return conflict("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");

  // dockerd saves MemorySwap = 2 × Memory when a container is created with
  // a memory limit alone; gorae keeps the HostConfig as sent, so that value
  // is written out before the update is compared with it.
  if (number(host, "MemorySwap") == 0 && number(host, "Memory") > 0)
    host["MemorySwap"] = 2 * number(host, "Memory");
  std::int64_t memory = number(update, "Memory");
  if (memory != 0 && memory > number(host, "MemorySwap") && number(update, "MemorySwap") == 0)
    return conflict(
        "Memory limit should be smaller than already set memoryswap limit, update the memoryswap "
        "at the same time");

  for (const char* key : {"CpuShares", "NanoCpus", "CpuPeriod", "CpuQuota", "Memory", "MemorySwap",
                          "MemoryReservation"})
    if (number(update, key) != 0) host[key] = number(update, key);
  for (const char* key : {"CpusetCpus", "CpusetMems"})
    if (!text(update, key).empty()) host[key] = text(update, key);
  // null leaves the limit alone; 0 and every negative value mean unlimited,
  // which dockerd stores as 0.
  if (auto pids = update.find("PidsLimit"); pids != update.end() && pids->is_number_integer())
    host["PidsLimit"] = std::max<std::int64_t>(0, pids->get<std::int64_t>());
  if (auto policy = update.find("RestartPolicy"); policy != update.end() && !text(*policy, "Name").empty()) {
    auto auto_remove = host.find("AutoRemove");
    bool removes = auto_remove != host.end() && auto_remove->is_boolean() && auto_remove->get<bool>();
    if (removes && text(*policy, "Name") != "no")
      return conflict("Restart policy cannot be updated because AutoRemove is enabled for the container");
    host["RestartPolicy"] = {{"Name", text(*policy, "Name")},
                             {"MaximumRetryCount", number(*policy, "MaximumRetryCount")}};
  }
  return host;
}

}  // namespace gorae::engine::stats
