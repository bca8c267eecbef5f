// linux.resources → Resources, and the pure v1 → v2 conversions.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gorae/cgroups/resources.hpp"

namespace gorae::cgroups {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

TEST(CgroupResourcesTest, ParsesEveryAppliedField) {
  auto r = parse_resources(json::parse(R"({
    "memory": {"limit": 67108864, "swap": 134217728, "reservation": 33554432, "swappiness": 60},
    "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1,3", "mems": "0"},
    "pids": {"limit": 16},
    "devices": [{"allow": false, "access": "rwm"}],
    "blockIO": {"weight": 10}
  })"));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->memory_limit, 67108864);
  EXPECT_EQ(r->memory_swap, 134217728);
  EXPECT_EQ(r->memory_reservation, 33554432);
  EXPECT_EQ(r->cpu_shares, 512u);
  EXPECT_EQ(r->cpu_quota, 50000);
  EXPECT_EQ(r->cpu_period, 100000u);
  EXPECT_EQ(r->cpuset_cpus, "0-1,3");
  EXPECT_EQ(r->cpuset_mems, "0");
  EXPECT_EQ(r->pids_limit, 16);
}

TEST(CgroupResourcesTest, NullEmptyAndZeroLeaveEverythingUnset) {
  for (const char* text : {"null", "{}", R"({"memory": null, "cpu": {}, "pids": null})",
                           R"({"memory": {"limit": 0, "swap": 0, "reservation": 0},
                               "cpu": {"shares": 0, "quota": 0, "period": 0, "cpus": ""}})"}) {
    auto r = parse_resources(json::parse(text));
    ASSERT_TRUE(r) << text << ": " << r.error().what();
    EXPECT_TRUE(r->empty()) << text;
  }
}

TEST(CgroupResourcesTest, MinusOneMeansUnlimited) {
  auto r = parse_resources(json::parse(
      R"({"memory": {"limit": -1, "swap": -1}, "cpu": {"quota": -1}, "pids": {"limit": -1}})"));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->memory_limit, -1);
  EXPECT_EQ(r->memory_swap, -1);
  EXPECT_EQ(r->cpu_quota, -1);
  EXPECT_EQ(r->pids_limit, -1);
}

TEST(CgroupResourcesTest, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"([])", "linux.resources: must be an object"},
      {R"({"memory": 5})", "linux.resources.memory: must be an object"},
      {R"({"memory": {"limit": "1g"}})", "linux.resources.memory.limit: must be an integer"},
      {R"({"memory": {"limit": 1.5}})", "linux.resources.memory.limit: must be an integer"},
      {R"({"memory": {"limit": 18446744073709551615}})", "linux.resources.memory.limit: must be an integer"},
      {R"({"memory": {"reservation": -2}})", "linux.resources.memory.reservation: -2 is below -1"},
      {R"({"memory": {"limit": 2000000, "swap": 1000000}})",
       "linux.resources.memory.swap: 1000000 is below memory.limit 2000000"},
      {R"({"cpu": {"shares": -1}})", "linux.resources.cpu.shares: must be a non-negative integer"},
      {R"({"cpu": {"period": "100000"}})", "linux.resources.cpu.period: must be a non-negative integer"},
      {R"({"cpu": {"quota": -5}})", "linux.resources.cpu.quota: -5 is below -1"},
      {R"({"cpu": {"cpus": "0-"}})", "linux.resources.cpu.cpus: \"0-\" is not a list"},
      {R"({"cpu": {"cpus": "3-1"}})", "linux.resources.cpu.cpus: \"3-1\" is not a list"},
      {R"({"cpu": {"cpus": "0,,1"}})", "linux.resources.cpu.cpus"},
      {R"({"cpu": {"mems": 0}})", "linux.resources.cpu.mems: must be a string"},
      {R"({"pids": {}})", "linux.resources.pids.limit: missing"},
      {R"({"pids": {"limit": "10"}})", "linux.resources.pids.limit: must be an integer"},
  };
  for (const auto& [text, message] : cases) {
    auto r = parse_resources(json::parse(text));
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().kind(), Errc::invalid_argument) << text;
    EXPECT_THAT(r.error().what(), HasSubstr(message)) << text;
  }
}

TEST(CgroupResourcesTest, SharesToWeightIsRuncsLinearMap) {
  EXPECT_EQ(shares_to_weight(0), 0u) << "unset stays unset";
  EXPECT_EQ(shares_to_weight(2), 1u);
  EXPECT_EQ(shares_to_weight(1024), 39u);
  EXPECT_EQ(shares_to_weight(512), 20u);
  EXPECT_EQ(shares_to_weight(262144), 10000u);
  EXPECT_EQ(shares_to_weight(1), 1u) << "clamped, not wrapped around";
  EXPECT_EQ(shares_to_weight(1000000), 10000u);
}

TEST(CgroupResourcesTest, V2SwapMaxCountsSwapAlone) {
  struct Case {
    std::optional<std::int64_t> memory, swap;
    std::optional<std::string> expected;
  };
  const Case cases[] = {
      {std::nullopt, std::nullopt, std::nullopt},
      {100, std::nullopt, std::nullopt},
      {100, 300, "200"},
      {100, 100, "0"},
      {100, -1, "max"},
      {-1, std::nullopt, "max"},
      {-1, -1, "max"},
  };
  for (const auto& c : cases) {
    Resources r;
    r.memory_limit = c.memory;
    r.memory_swap = c.swap;
    auto value = v2_swap_max(r);
    ASSERT_TRUE(value) << value.error().what();
    EXPECT_EQ(*value, c.expected) << c.memory.value_or(0) << " " << c.swap.value_or(0);
  }
  for (auto [memory, swap] : {std::pair<std::optional<std::int64_t>, std::int64_t>{std::nullopt, 300},
                              {-1, 300}, {300, 100}}) {
    Resources r;
    r.memory_limit = memory;
    r.memory_swap = swap;
    auto value = v2_swap_max(r);
    ASSERT_FALSE(value) << swap;
    EXPECT_EQ(value.error().kind(), Errc::invalid_argument);
  }
}

TEST(CgroupResourcesTest, V2CpuMaxJoinsQuotaAndPeriod) {
  auto cpu_max = [](std::optional<std::int64_t> quota, std::optional<std::uint64_t> period) {
    Resources r;
    r.cpu_quota = quota;
    r.cpu_period = period;
    return v2_cpu_max(r);
  };
  EXPECT_EQ(cpu_max(std::nullopt, std::nullopt), std::nullopt);
  EXPECT_EQ(cpu_max(50000, 100000), "50000 100000");
  EXPECT_EQ(cpu_max(50000, std::nullopt), "50000") << "the period stays as it is";
  EXPECT_EQ(cpu_max(-1, 100000), "max 100000");
  EXPECT_EQ(cpu_max(-1, std::nullopt), "max");
  EXPECT_EQ(cpu_max(std::nullopt, 250000), "max 250000");
}

}  // namespace
}  // namespace gorae::cgroups
