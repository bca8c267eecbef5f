// The stats document and the update body against what Debian's dockerd
// 20.10.24 and the docker CLI 28.2.2 answered on this machine (cgroup v1,
// busybox, `-m 64m`), and the CLI's arithmetic on it.

#include <gtest/gtest.h>

#include "../src/stats_json.hpp"

namespace gorae::engine::stats {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t kMiB = 1024 * 1024;
const std::string kId = "77a2619d4b531eb040f9c04ca1abf9aa9307be65b5b269c5d46ee5a3f6a69909";

Sample busybox_sample() {
  Sample s;
  s.read = Clock::time_point(std::chrono::seconds(1795514200) + 686839840ns);
  s.cgroup.cpu_total_ns = 15158836;
  s.cgroup.per_cpu_ns = {153279, 15005557};
  s.cgroup.cpu_user_ns = 10000000;
  s.cgroup.memory_usage = 630784;
  s.cgroup.memory_max_usage = 3821568;
  s.cgroup.memory_limit = 64 * kMiB;
  s.cgroup.memory_stat = {{"total_inactive_file", 0}, {"cache", 0}};
  s.cgroup.pids_current = 1;
  s.system_cpu_ns = 23832660000000;
  s.online_cpus = 2;
  return s;
}

TEST(StatsDocumentTest, StoppedContainerIsDockerdsZeroDocument) {
  // dockerd's answer to stats?stream=0 for a created container, byte for byte.
  EXPECT_EQ(document("/s2", kId, nullptr, nullptr).dump(),
            R"({"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},)"
            R"("blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null,)"
            R"("io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,)"
            R"("io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},)"
            R"("num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0,)"
            R"("usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,)"
            R"("throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":0,)"
            R"("usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,)"
            R"("throttled_periods":0,"throttled_time":0}},"memory_stats":{},"name":"/s2","id":")" +
                kId + R"("})");
}

TEST(StatsDocumentTest, FirstSampleHasDockerdsKeysAndAnEmptyPrecpu) {
  Sample now = busybox_sample();
  auto doc = document("/s1", kId, &now, nullptr);
  std::vector<std::string> keys;
  for (const auto& item : doc.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"read", "preread", "pids_stats", "blkio_stats", "num_procs",
                                            "storage_stats", "cpu_stats", "precpu_stats", "memory_stats",
                                            "name", "id"}));
  EXPECT_EQ(doc["read"], "2026-11-24T09:56:40.68683984Z");
  EXPECT_EQ(doc["preread"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(doc["pids_stats"].dump(), R"({"current":1})");
  EXPECT_EQ(doc["blkio_stats"]["io_service_bytes_recursive"], json::array());
  EXPECT_EQ(doc["cpu_stats"].dump(),
            R"({"cpu_usage":{"total_usage":15158836,"percpu_usage":[153279,15005557],)"
            R"("usage_in_kernelmode":0,"usage_in_usermode":10000000},"system_cpu_usage":23832660000000,)"
            R"("online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}})");
  // As dockerd's one-shot answer: zero counters, no system time, no CPUs.
  EXPECT_EQ(doc["precpu_stats"].dump(),
            R"({"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},)"
            R"("throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}})");
  EXPECT_EQ(doc["memory_stats"].dump(),
            R"({"usage":630784,"max_usage":3821568,"stats":{"cache":0,"total_inactive_file":0},)"
            R"("limit":67108864})");
}

TEST(StatsDocumentTest, SecondSampleCarriesTheFirstAsPrecpu) {
  Sample before = busybox_sample();
  Sample now = busybox_sample();
  now.read += 1s;
  now.cgroup.cpu_total_ns += 5000000;
  now.system_cpu_ns += 2000000000;
  auto doc = document("/s1", kId, &now, &before);
  EXPECT_EQ(doc["preread"], "2026-11-24T09:56:40.68683984Z");
  EXPECT_EQ(doc["read"], "2026-11-24T09:56:41.68683984Z");
  EXPECT_EQ(doc["precpu_stats"], document("/s1", kId, &before, nullptr)["cpu_stats"]);
  // The container exited after `before`: dockerd's next line is zero, but
  // still says what came before.
  auto exited = document("/s1", kId, nullptr, &before);
  EXPECT_EQ(exited["read"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(exited["preread"], "2026-11-24T09:56:40.68683984Z");
  EXPECT_EQ(exited["precpu_stats"], doc["precpu_stats"]);
  EXPECT_EQ(exited["memory_stats"], nlohmann::ordered_json::object());
}

TEST(StatsDocumentTest, LeavesOutWhatDockerdOmits) {
  Sample v2 = busybox_sample();
  v2.cgroup_version = 2;
  v2.cgroup.per_cpu_ns.clear();
  v2.cgroup.pids_limit = 50;
  auto doc = document("/s3", kId, &v2, nullptr);
  EXPECT_FALSE(doc["cpu_stats"]["cpu_usage"].contains("percpu_usage"));
  EXPECT_FALSE(doc["memory_stats"].contains("max_usage"));  // v1's max_usage_in_bytes only
  EXPECT_EQ(doc["pids_stats"].dump(), R"({"current":1,"limit":50})");
}

TEST(StatsDocumentTest, GoTimeTrimsTrailingZeros) {
  EXPECT_EQ(go_time(Clock::time_point{}), "0001-01-01T00:00:00Z");
  EXPECT_EQ(go_time(Clock::time_point(std::chrono::seconds(1795514200))), "2026-11-24T09:56:40Z");
  EXPECT_EQ(go_time(Clock::time_point(std::chrono::seconds(1795514200) + 120ms)),
            "2026-11-24T09:56:40.12Z");
}

TEST(SystemCpuUsageTest, SumsTheFirstSevenFieldsInNanoseconds) {
  auto usage = system_cpu_usage("cpu  100 2 30 400 5 6 7 8 9 10\ncpu0 50 1 15 200 2 3 3 4 4 5\n");
  ASSERT_TRUE(usage) << usage.error().what();
  EXPECT_EQ(*usage, (100 + 2 + 30 + 400 + 5 + 6 + 7) * 10000000ULL);
  EXPECT_FALSE(system_cpu_usage("cpu0 1 2 3 4 5 6 7\n"));
  EXPECT_FALSE(system_cpu_usage("cpu 1 2 3\n"));
  ASSERT_TRUE(system_cpu_usage());
  EXPECT_GT(*system_cpu_usage(), 0u);
  EXPECT_GE(online_cpus(), 1u);
}

TEST(StatsEntryTest, CpuPercentIsTheDockerClis) {
  Sample before = busybox_sample();
  Sample now = busybox_sample();
  now.cgroup.cpu_total_ns += 500000000;  // half a CPU-second...
  now.system_cpu_ns += 2000000000;       // ...of two CPUs' second
  EXPECT_NEAR(entry(document("/s1", kId, &now, &before)).cpu_percent, 50.0, 1e-9);
  // Without online_cpus the CLI counts percpu_usage.
  auto doc = json::parse(document("/s1", kId, &now, &before).dump());
  doc["cpu_stats"].erase("online_cpus");
  EXPECT_NEAR(entry(doc).cpu_percent, 50.0, 1e-9);
  // A first sample (one-shot): precpu is zero, so the CLI's "delta" is the
  // container's CPU time over the host's since boot.
  EXPECT_NEAR(entry(document("/s1", kId, &now, nullptr)).cpu_percent,
              515158836.0 / 23834660000000.0 * 2 * 100, 1e-12);
}

TEST(StatsEntryTest, RowOfDockerdsDocumentIsTheDockerClis) {
  // docker stats --no-stream printed for dockerd's s1:
  // "416e04fb4404   s1   0.00%   616KiB / 64MiB   0.94%   0B / 0B   0B / 0B   1"
  Sample now = busybox_sample();
  Sample before = busybox_sample();
  auto cells = row(entry(document("/s1", kId, &now, &before)), true);
  EXPECT_EQ(cells, (std::vector<std::string>{"77a2619d4b53", "s1", "0.00%", "616KiB / 64MiB", "0.94%",
                                             "0B / 0B", "0B / 0B", "1"}));
  // ...and for the created s2: "... s2   0.00%   0B / 0B   0.00%   0B / 0B   0B / 0B   0".
  EXPECT_EQ(row(entry(document("/s2", kId, nullptr, nullptr)), false),
            (std::vector<std::string>{kId, "s2", "0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"}));
  EXPECT_EQ(entry(json::object()).name, "--");
  EXPECT_EQ(entry(json::parse("garbage", nullptr, false)).memory, 0);  // no throw
}

TEST(StatsEntryTest, MemoryLeavesTheInactivePageCacheOut) {
  Sample now = busybox_sample();
  now.cgroup.memory_usage = 10 * kMiB;
  now.cgroup.memory_stat = {{"total_inactive_file", 2 * kMiB}, {"inactive_file", 1 * kMiB}};
  auto v1 = entry(document("/s1", kId, &now, nullptr));
  EXPECT_EQ(v1.memory, 8 * kMiB);
  EXPECT_EQ(percent(v1.memory_percent), "12.50%");
  now.cgroup.memory_stat = {{"inactive_file", 1 * kMiB}};  // v2's name
  EXPECT_EQ(entry(document("/s1", kId, &now, nullptr)).memory, 9 * kMiB);
  now.cgroup.memory_stat = {{"total_inactive_file", 20 * kMiB}};  // more than the usage: ignored
  EXPECT_EQ(entry(document("/s1", kId, &now, nullptr)).memory, 10 * kMiB);
}

TEST(StatsEntryTest, NetworkAndBlockIoAreSummed) {
  json doc = {{"networks", {{"eth0", {{"rx_bytes", 1000}, {"tx_bytes", 2000}}},
                            {"eth1", {{"rx_bytes", 500}, {"tx_bytes", 0}}}}},
              {"blkio_stats",
               {{"io_service_bytes_recursive",
                 {{{"major", 8}, {"op", "Read"}, {"value", 4096}},
                  {{"major", 8}, {"op", "Write"}, {"value", 1000000}},
                  {{"major", 8}, {"op", "Total"}, {"value", 1004096}}}}}}};
  auto cells = row(entry(doc), true);
  EXPECT_EQ(cells[5], "1.5kB / 2kB");
  EXPECT_EQ(cells[6], "4.1kB / 1MB");
}

TEST(UpdateBodyTest, RefusesWhatGosDecoderRefuses) {
  auto message = [](std::string_view body) {
    auto parsed = parse_update_body(body);
    EXPECT_FALSE(parsed);
    EXPECT_EQ(parsed ? Errc::internal : parsed.error().kind(), Errc::internal);  // dockerd: 500
    return parsed ? std::string() : parsed.error().what();
  };
  EXPECT_EQ(message(""), "EOF");
  EXPECT_EQ(message("[1]"), "json: cannot unmarshal array into Go value of type container.UpdateConfig");
  EXPECT_EQ(message(R"({"Memory":"x"})"),
            "json: cannot unmarshal string into Go struct field UpdateConfig.Memory of type int64");
  EXPECT_FALSE(message("garbage").empty());
  auto body = parse_update_body(R"({"Memory":134217728,"PidsLimit":null,"CpusetCpus":""})");
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["Memory"], 134217728);
}

TEST(UpdateBodyTest, ChecksTheUpdateAsDockerdDoes) {
  auto refusal = [](const json& update) {
    auto checked = check_update(update);
    EXPECT_FALSE(checked) << update;
    if (checked) return std::string();
    EXPECT_EQ(checked.error().kind(), Errc::invalid_argument);
    return checked.error().what();
  };
  EXPECT_EQ(refusal({{"Memory", 1000}}), "Minimum memory limit allowed is 6MB");
  EXPECT_EQ(refusal({{"NanoCpus", 500000000}, {"CpuQuota", 50000}}),
            "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  EXPECT_EQ(refusal({{"RestartPolicy", {{"Name", "sometimes"}}}}), "invalid restart policy 'sometimes'");
  // Swap alone may go with a memory limit set before.
  EXPECT_TRUE(check_update({{"MemorySwap", 256 * kMiB}}));
  EXPECT_TRUE(check_update({{"Memory", 128 * kMiB}, {"PidsLimit", nullptr}}));
}

TEST(UpdateMergeTest, RaisesTheMemoryOfAContainerCreatedWithMinusM) {
  // `docker run -m 64m` sends MemorySwap 0; dockerd then holds 128m of swap.
  json host = {{"Memory", 64 * kMiB}, {"MemorySwap", 0}, {"CpuShares", 512}, {"AutoRemove", false}};
  auto merged = merge_update(host, {{"Memory", 128 * kMiB}, {"MemorySwap", 0}, {"CpuShares", 0},
                                    {"CpusetCpus", ""}, {"PidsLimit", nullptr}}, kId);
  ASSERT_TRUE(merged) << merged.error().what();
  EXPECT_EQ((*merged)["Memory"], 128 * kMiB);
  EXPECT_EQ((*merged)["MemorySwap"], 128 * kMiB);
  EXPECT_EQ((*merged)["CpuShares"], 512);  // zero leaves it
  EXPECT_FALSE(merged->contains("PidsLimit"));
  EXPECT_FALSE(merged->contains("CpusetCpus"));
}

TEST(UpdateMergeTest, RefusesWhatDockerdRefusesWith409) {
  auto conflict = [](const json& host, const json& update) {
    auto merged = merge_update(host, update, kId);
    EXPECT_FALSE(merged) << update;
    if (merged) return std::string();
    EXPECT_EQ(merged.error().kind(), Errc::conflict);
    return merged.error().what();
  };
  EXPECT_EQ(conflict(json::object(), {{"Memory", 128 * kMiB}}),
            "Cannot update container " + kId +
                ": Memory limit should be smaller than already set memoryswap limit, update the "
                "memoryswap at the same time");
  EXPECT_EQ(conflict({{"NanoCpus", 500000000}}, {{"CpuQuota", 20000}}),
            "Cannot update container " + kId +
                ": Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  EXPECT_EQ(conflict({{"CpuPeriod", 50000}}, {{"NanoCpus", 500000000}}),
            "Cannot update container " + kId +
                ": Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
  EXPECT_EQ(conflict({{"AutoRemove", true}}, {{"RestartPolicy", {{"Name", "always"}}}}),
            "Cannot update container " + kId +
                ": Restart policy cannot be updated because AutoRemove is enabled for the container");
  // With the swap given too, a container without a limit gets one.
  auto merged = merge_update(json::object(), {{"Memory", 128 * kMiB}, {"MemorySwap", -1}}, kId);
  ASSERT_TRUE(merged);
  EXPECT_EQ((*merged)["MemorySwap"], -1);
}

TEST(UpdateMergeTest, PidsLimitNullKeepsZeroOrNegativeLifts) {
  json host = {{"PidsLimit", 20}};
  EXPECT_EQ((*merge_update(host, {{"PidsLimit", nullptr}}, kId))["PidsLimit"], 20);
  EXPECT_EQ((*merge_update(host, {{"PidsLimit", 30}}, kId))["PidsLimit"], 30);
  EXPECT_EQ((*merge_update(host, {{"PidsLimit", -1}}, kId))["PidsLimit"], 0);  // dockerd stores 0
  EXPECT_EQ((*merge_update(host, {{"CpusetCpus", "0"}}, kId))["CpusetCpus"], "0");
}

}  // namespace
}  // namespace gorae::engine::stats
