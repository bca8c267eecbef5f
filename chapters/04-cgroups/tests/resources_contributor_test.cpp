// HostConfig's resource fields → config.json's linux.resources, as dockerd
// 20.10 converts them (daemon/oci_linux.go): what `docker run -m 64m
// --cpus 1.5` asks the runtime for, before any cgroup file is written.

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "gorae/engine/resources.hpp"

namespace gorae::engine {
namespace {

using nlohmann::json;

constexpr std::int64_t kMiB = 1024 * 1024;

// dockerd writes a swap limit only where the kernel accounts swap: v1's
// memory.memsw.* files, or v2's memory.swap.max (in the cgroups below the root).
bool host_accounts_swap() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", ec)) return true;
  if (!fs::exists("/sys/fs/cgroup/cgroup.controllers", ec)) return false;
  for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup", ec))
    if (entry.is_directory(ec) && fs::exists(entry.path() / "memory.swap.max", ec)) return true;
  return false;
}

json resources(const json& host_config) {
  auto converted = resources_from_host_config(host_config);
  EXPECT_TRUE(converted) << host_config << ": " << converted.error().what();
  return converted ? *converted : json();
}

TEST(ResourcesFromHostConfigTest, NothingSetIsAnEmptyObject) {
  EXPECT_EQ(resources(json::object()), json::object());
  EXPECT_EQ(resources({{"Memory", 0}, {"NanoCpus", 0}, {"CpuShares", 0}, {"PidsLimit", 0}}),
            json::object());
}

TEST(ResourcesFromHostConfigTest, CpusAreAQuotaOfTheDefaultPeriod) {
  // --cpus 0.5: half of every 100 ms period.
  EXPECT_EQ(resources({{"NanoCpus", 500000000}})["cpu"], json({{"period", 100000}, {"quota", 50000}}));
  if (::sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
    EXPECT_EQ(resources({{"NanoCpus", 1500000000}})["cpu"], json({{"period", 100000}, {"quota", 150000}}));
  }
  // --cpu-quota, --cpu-period, --cpu-shares and the cpusets go through as they are.
  EXPECT_EQ(resources({{"CpuQuota", 25000}, {"CpuPeriod", 50000}, {"CpuShares", 512},
                       {"CpusetCpus", "0"}, {"CpusetMems", "0"}})["cpu"],
            json({{"quota", 25000}, {"period", 50000}, {"shares", 512}, {"cpus", "0"}, {"mems", "0"}}));
  EXPECT_EQ(resources({{"CpuShares", 1024}})["cpu"], json({{"shares", 1024}}));
}

TEST(ResourcesFromHostConfigTest, AMemoryLimitAloneGetsAsMuchSwapAgain) {
  // -m 64m: memory + swap = 128m, dockerd's default.
  json memory = resources({{"Memory", 64 * kMiB}})["memory"];
  EXPECT_EQ(memory["limit"], 64 * kMiB);
  if (host_accounts_swap()) {
    EXPECT_EQ(memory["swap"], 128 * kMiB) << memory;
  } else {
    EXPECT_FALSE(memory.contains("swap")) << "no swap accounting on this host: " << memory;
  }

  json with_swap = resources({{"Memory", 64 * kMiB}, {"MemorySwap", 256 * kMiB},
                              {"MemoryReservation", 32 * kMiB}})["memory"];
  EXPECT_EQ(with_swap["limit"], 64 * kMiB);
  EXPECT_EQ(with_swap["reservation"], 32 * kMiB);
  if (host_accounts_swap()) {
    EXPECT_EQ(with_swap["swap"], 256 * kMiB) << with_swap;
  }

  // --memory-swap -1: unlimited swap, written out so that the runtime lifts it.
  json unlimited_swap = resources({{"Memory", 64 * kMiB}, {"MemorySwap", -1}})["memory"];
  if (host_accounts_swap()) {
    EXPECT_EQ(unlimited_swap["swap"], -1) << unlimited_swap;
  }
  EXPECT_EQ(resources({{"MemoryReservation", 32 * kMiB}})["memory"], json({{"reservation", 32 * kMiB}}));
}

TEST(ResourcesFromHostConfigTest, PidsLimitZeroIsUnsetAndNegativeIsUnlimited) {
  EXPECT_EQ(resources({{"PidsLimit", 50}})["pids"], json({{"limit", 50}}));
  EXPECT_EQ(resources({{"PidsLimit", -5}})["pids"], json({{"limit", -1}}));
  EXPECT_FALSE(resources({{"PidsLimit", 0}}).contains("pids"));
}

}  // namespace
}  // namespace gorae::engine
