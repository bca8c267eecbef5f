// HostConfig's resource fields → config.json's linux.resources and
// linux.cgroupsPath, with dockerd's checks (daemon/daemon_unix.go
// verifyPlatformContainerResources) and conversions (daemon/oci_linux.go).

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gorae/engine/resources.hpp"
#include "gorae/runtime/runtime.hpp"

namespace gorae::engine {
namespace {

using nlohmann::json;

constexpr std::int64_t kMinimumMemory = 6 * 1024 * 1024;  // dockerd's linuxMinMemory
constexpr std::uint64_t kDefaultCpuPeriod = 100000;       // µs, the kernel's default

std::int64_t number(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

tl::unexpected<Error> invalid(std::string message) {
  return fail(Errc::invalid_argument, std::move(message));
}

// Swap limits need the kernel's swap accounting (v1 memory.memsw.*, v2
// memory.swap.max in non-root cgroups). Without it dockerd drops the swap
// limit and limits memory alone; so do we.
bool swap_limit_supported() {
  static const bool supported = [] {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", ec)) return true;
    if (!fs::exists("/sys/fs/cgroup/cgroup.controllers", ec)) return false;
    for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup", ec))
      if (entry.is_directory(ec) && fs::exists(entry.path() / "memory.swap.max", ec)) return true;
    return false;
  }();
  return supported;
}

Result<json> memory_resources(const json& host_config) {
  std::int64_t memory = number(host_config, "Memory");
  std::int64_t swap = number(host_config, "MemorySwap");
  std::int64_t reservation = number(host_config, "MemoryReservation");
  if (memory != 0 && memory < kMinimumMemory) return invalid("Minimum memory limit allowed is 6MB");
  if (memory > 0 && swap > 0 && swap < memory)
    return invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (memory == 0 && swap > 0)
    return invalid("You should always set the Memory limit when using Memoryswap limit, see usage");
  if (reservation != 0 && reservation < kMinimumMemory)
    return invalid("Minimum memory reservation allowed is 6MB");
  if (memory > 0 && reservation > 0 && memory < reservation)
    return invalid("Minimum memory limit can not be less than memory reservation limit, see usage");
  // LAB(04) memory-resources: Memory, MemorySwap and MemoryReservation as linux.resources.memory
  // Only what is set (0 is "not set"). A memory limit without MemorySwap
  // gets as much swap again: memory + swap = 2 × Memory, dockerd's default.
  // A swap limit only where the kernel accounts swap (swap_limit_supported()).
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  json out = json::object();
  if (memory > 0) out["limit"] = memory;
  // Unset swap with a memory limit: as much swap as memory (dockerd's default).
  if (memory > 0 && swap == 0) swap = 2 * memory;
  if (swap != 0 && swap_limit_supported()) out["swap"] = swap;
  if (reservation > 0) out["reservation"] = reservation;
  return out;
  // LAB-END
}

Result<json> cpu_resources(const json& host_config) {
  std::int64_t nano = number(host_config, "NanoCpus");
  std::int64_t quota = number(host_config, "CpuQuota");
  std::int64_t period = number(host_config, "CpuPeriod");
  std::int64_t shares = number(host_config, "CpuShares");
  if (nano > 0 && period > 0)
    return invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (nano > 0 && quota > 0)
    return invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (nano < 0 || nano > cpus * 1000000000LL)
    return invalid("Range of CPUs is from 0.01 to " + std::to_string(cpus) + ".00, as there are only " +
                   std::to_string(cpus) + " CPUs available");
  if (period != 0 && (period < 1000 || period > 1000000))
    return invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  if (quota > 0 && quota < 1000) return invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (shares < 0) return invalid("invalid CPU shares (" + std::to_string(shares) + "): value must be a positive integer");
  // LAB(04) cpu-resources: NanoCpus, CpuQuota, CpuPeriod, CpuShares and cpusets as linux.resources.cpu
  // --cpus N arrives as NanoCpus = N × 10^9: N periods' worth of runtime in
  // each period, with the kernel's default period (kDefaultCpuPeriod, in µs).
  // CpuQuota, CpuPeriod and CpuShares go through as they are; so do
  // CpusetCpus and CpusetMems ("cpus", "mems"). Only what is set.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  json out = json::object();
  if (nano > 0) {
    // --cpus N: N periods' worth of runtime in every default period.
    out["period"] = kDefaultCpuPeriod;
    out["quota"] = nano * static_cast<std::int64_t>(kDefaultCpuPeriod) / 1000000000LL;
  }
  if (quota != 0) out["quota"] = quota;
  if (period != 0) out["period"] = period;
  if (shares != 0) out["shares"] = shares;
  if (auto cpus_set = text(host_config, "CpusetCpus"); !cpus_set.empty()) out["cpus"] = cpus_set;
  if (auto mems = text(host_config, "CpusetMems"); !mems.empty()) out["mems"] = mems;
  return out;
  // LAB-END
}

}  // namespace

Result<json> resources_from_host_config(const json& host_config) {
  json resources = json::object();
  GORAE_ASSIGN_OR_RETURN(json memory, memory_resources(host_config));
  if (!memory.empty()) resources["memory"] = memory;
  GORAE_ASSIGN_OR_RETURN(json cpu, cpu_resources(host_config));
  if (!cpu.empty()) resources["cpu"] = cpu;
  // API 1.41: 0 and -1 both mean unlimited; -1 is written out so that an
  // update can lift an earlier limit ("max").
  std::int64_t pids = number(host_config, "PidsLimit");
  if (pids > 0) resources["pids"] = {{"limit", pids}};
  else if (pids < 0) resources["pids"] = {{"limit", -1}};
  return resources;
}

Result<std::string> cgroup_path_of(const Container& container) {
  GORAE_ASSIGN_OR_RETURN(json config, runtime::load_bundle_document(container.bundle_dir));
  auto linux = config.find("linux");
  if (linux == config.end() || !linux->contains("cgroupsPath") || !(*linux)["cgroupsPath"].is_string())
    return fail(Errc::not_found, "container " + container.id + " has no cgroup");
  return (*linux)["cgroupsPath"].get<std::string>();
}

SpecContributor resources_contributor(std::shared_ptr<const CgroupSettings> settings) {
  return [settings](const Container& container, json& spec) -> Status {
    json host_config = json::parse(container.host_config, nullptr, false);
    if (!host_config.is_object()) host_config = json::object();
    std::string parent = text(host_config, "CgroupParent");
    if (parent.empty()) parent = settings->parent;
    if (parent.front() != '/') parent.insert(0, "/");
    if (parent.find("..") != std::string::npos)
      return invalid("invalid cgroup parent \"" + parent + "\": \"..\" is not allowed");
    while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
    spec["linux"]["cgroupsPath"] = (parent == "/" ? "" : parent) + "/" + container.id;
    GORAE_ASSIGN_OR_RETURN(json resources, resources_from_host_config(host_config));
    spec["linux"]["resources"] = resources;
    return {};
  };
}

}  // namespace gorae::engine
