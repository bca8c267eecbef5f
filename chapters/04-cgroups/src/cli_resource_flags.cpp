// The resource flags of `gorae run/create`, turned into HostConfig fields the
// way the docker CLI does it (cli/command/container/opts.go).

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "gorae/cli/resource_flags.hpp"

namespace gorae::cli {
namespace {

using nlohmann::json;

class ResourceFlags final : public CreateFlags {
 public:
  void add_to(CLI::App& command) override {
    command.add_option("-m,--memory", memory_, "Memory limit");
    command.add_option("--memory-swap", memory_swap_,
                       "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
    command.add_option("--memory-reservation", memory_reservation_, "Memory soft limit");
    command.add_option("--pids-limit", pids_limit_, "Tune container pids limit (set -1 for unlimited)");
    command.add_option("--cpus", cpus_, "Number of CPUs");
    command.add_option("-c,--cpu-shares", cpu_shares_, "CPU shares (relative weight)");
    command.add_option("--cpu-quota", cpu_quota_, "Limit CPU CFS (Completely Fair Scheduler) quota");
    command.add_option("--cpu-period", cpu_period_, "Limit CPU CFS (Completely Fair Scheduler) period");
    command.add_option("--cpuset-cpus", cpuset_cpus_, "CPUs in which to allow execution (0-3, 0,1)");
    command.add_option("--cpuset-mems", cpuset_mems_, "MEMs in which to allow execution (0-3, 0,1)");
    command.add_option("--cgroup-parent", cgroup_parent_, "Optional parent cgroup for the container");
  }

  void apply(json& body) const override {
    json& host = body["HostConfig"];
    host["Memory"] = size(memory_, "--memory");
    // "-1" is unlimited swap, the only negative size the flag takes.
    host["MemorySwap"] = memory_swap_ == "-1" ? -1 : size(memory_swap_, "--memory-swap");
    host["MemoryReservation"] = size(memory_reservation_, "--memory-reservation");
    if (pids_limit_) host["PidsLimit"] = *pids_limit_;
    host["NanoCpus"] = nano_cpus();
    host["CpuShares"] = cpu_shares_;
    host["CpuQuota"] = cpu_quota_;
    host["CpuPeriod"] = cpu_period_;
    host["CpusetCpus"] = cpuset_cpus_;
    host["CpusetMems"] = cpuset_mems_;
    host["CgroupParent"] = cgroup_parent_;
  }

 private:
  static std::int64_t size(const std::string& value, const std::string& flag) {
    if (value.empty()) return 0;
    auto bytes = ram_in_bytes(value);
    if (!bytes) throw invalid_run_flag(value, flag, "invalid size: '" + value + "'");
    return *bytes;
  }

  std::int64_t nano_cpus() const {
    if (cpus_.empty()) return 0;
    double value = 0;
    auto [end, ec] = std::from_chars(cpus_.data(), cpus_.data() + cpus_.size(), value);
    if (ec != std::errc() || end != cpus_.data() + cpus_.size() || value < 0)
      throw invalid_run_flag(cpus_, "--cpus", "failed to parse " + cpus_ + " as a rational number");
    return std::llround(value * 1e9);
  }

  std::string memory_, memory_swap_, memory_reservation_, cpus_, cpuset_cpus_, cpuset_mems_,
      cgroup_parent_;
  std::optional<std::int64_t> pids_limit_;
  std::int64_t cpu_shares_ = 0, cpu_quota_ = 0, cpu_period_ = 0;
};

}  // namespace

std::optional<std::int64_t> ram_in_bytes(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
    ++digits;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (digits == 0 || ec != std::errc() || end != text.data() + digits) return std::nullopt;
  std::string unit;
  for (char c : text.substr(digits)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();
  static const std::string kUnits = "kmgtp";
  double multiplier = 1;
  if (unit == "b" || unit.empty()) multiplier = 1;
  else if (unit.size() == 1 && kUnits.find(unit[0]) != std::string::npos)
    multiplier = std::pow(1024.0, static_cast<double>(kUnits.find(unit[0]) + 1));
  else return std::nullopt;
  return static_cast<std::int64_t>(value * multiplier);
}

std::unique_ptr<CreateFlags> resource_flags() { return std::make_unique<ResourceFlags>(); }

}  // namespace gorae::cli
