// V1Manager on this host's real v1 hierarchies, as root: the kernel checks
// what the fake trees only imitate (the memory/memsw order, cpuset filling,
// EBUSY until the last task has left, OOM kills).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <iterator>

#include "cgroup_priv_support.hpp"
#include "gorae/cgroups/manager.hpp"

namespace gorae::cgroups {
namespace {

using ::testing::HasSubstr;
using testing::BlockedChild;
using testing::read_text;
using testing::ScopedTestCgroup;

constexpr std::int64_t MiB = 1024 * 1024;
const std::string kRoot = "/sys/fs/cgroup";

class CgroupV1PrivTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: writes under " << kRoot;
    auto layout = detect_layout(kRoot);
    if (!layout) GTEST_SKIP() << layout.error().what();
    if (*layout == Layout::unified) GTEST_SKIP() << kRoot << " is cgroup v2: no v1 hierarchy to test";
    manager_ = make_v1_manager(kRoot);
    if (!std::filesystem::exists(kRoot + "/memory/cgroup.procs")) GTEST_SKIP() << "no v1 memory hierarchy";
    for (const auto& controller : manager_->controllers()) roots_.push_back(kRoot + "/" + controller);
  }

  std::string file(const std::string& controller, const std::string& path, const std::string& name) const {
    return kRoot + "/" + controller + path + "/" + name;
  }
  bool has(const std::string& controller) const {
    auto list = manager_->controllers();
    return std::find(list.begin(), list.end(), controller) != list.end();
  }
  bool swap_accounting() const { return std::filesystem::exists(kRoot + "/memory/memory.memsw.limit_in_bytes"); }

  std::unique_ptr<Manager> manager_;
  std::vector<std::string> roots_;
};

TEST_F(CgroupV1PrivTest, LimitsMeasuresAndRemovesAProcessesCgroup) {
  ScopedTestCgroup cgroup(*manager_, roots_);
  const std::string& path = cgroup.path();
  ASSERT_TRUE(manager_->create(path));
  for (const auto& root : roots_) EXPECT_TRUE(std::filesystem::is_directory(root + path)) << root;
  if (has("cpuset")) {
    EXPECT_EQ(read_text(file("cpuset", path, "cpuset.cpus")), read_text(kRoot + "/cpuset/cpuset.cpus"));
  }

  Resources r;
  r.memory_limit = 64 * MiB;
  if (swap_accounting()) r.memory_swap = 128 * MiB;
  r.memory_reservation = 32 * MiB;
  r.pids_limit = has("pids") ? std::optional<std::int64_t>(16) : std::nullopt;
  r.cpu_shares = 512;
  r.cpu_period = 100000;
  r.cpu_quota = 50000;
  if (has("cpuset")) r.cpuset_cpus = r.cpuset_mems = "0";
  auto applied = manager_->apply(path, r);
  ASSERT_TRUE(applied) << applied.error().what();
  EXPECT_EQ(read_text(file("memory", path, "memory.limit_in_bytes")), "67108864");
  EXPECT_EQ(read_text(file("memory", path, "memory.soft_limit_in_bytes")), "33554432");
  if (swap_accounting()) {
    EXPECT_EQ(read_text(file("memory", path, "memory.memsw.limit_in_bytes")), "134217728");
  }
  if (has("pids")) {
    EXPECT_EQ(read_text(file("pids", path, "pids.max")), "16");
  }
  EXPECT_EQ(read_text(file("cpu", path, "cpu.shares")), "512");
  EXPECT_EQ(read_text(file("cpu", path, "cpu.cfs_period_us")), "100000");
  EXPECT_EQ(read_text(file("cpu", path, "cpu.cfs_quota_us")), "50000");
  if (has("cpuset")) {
    EXPECT_EQ(read_text(file("cpuset", path, "cpuset.cpus")), "0");
  }

  if (swap_accounting()) {
    // The kernel refuses memsw < memory at every single write; both
    // directions must find an order that never crosses.
    Resources up;
    up.memory_limit = 256 * MiB;
    up.memory_swap = 512 * MiB;
    ASSERT_TRUE(manager_->apply(path, up)) << "raise";
    EXPECT_EQ(read_text(file("memory", path, "memory.memsw.limit_in_bytes")), "536870912");
    Resources down;
    down.memory_limit = 32 * MiB;
    down.memory_swap = 48 * MiB;
    ASSERT_TRUE(manager_->apply(path, down)) << "lower";
    EXPECT_EQ(read_text(file("memory", path, "memory.limit_in_bytes")), "33554432");
    EXPECT_EQ(read_text(file("memory", path, "memory.memsw.limit_in_bytes")), "50331648");
  }

  BlockedChild child(testing::exec_sleep);
  ASSERT_GT(child.pid(), 0);
  auto added = manager_->add_process(path, child.pid());
  ASSERT_TRUE(added) << added.error().what();
  child.release();
  for (const auto& controller : manager_->controllers())
    EXPECT_EQ(testing::cgroup_of(child.pid(), controller), path) << controller;

  auto stats = manager_->stats(path);
  ASSERT_TRUE(stats) << stats.error().what();
  if (has("pids")) {
    EXPECT_EQ(stats->pids_current, 1u);
    EXPECT_EQ(stats->pids_limit, 16u);
  }
  EXPECT_EQ(stats->memory_limit, static_cast<std::uint64_t>(swap_accounting() ? 32 * MiB : 64 * MiB));
  EXPECT_FALSE(stats->per_cpu_ns.empty());
  EXPECT_TRUE(stats->memory_stat.count("cache")) << "memory.stat read";
  EXPECT_EQ(stats->oom_kills, 0u);

  auto destroyed = manager_->destroy(path);
  ASSERT_TRUE(destroyed) << destroyed.error().what();
  auto status = child.wait(std::chrono::seconds(5));
  ASSERT_TRUE(status) << "destroy left the child running";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
  for (const auto& root : roots_) EXPECT_FALSE(std::filesystem::exists(root + path)) << root;
  EXPECT_TRUE(manager_->destroy(path)) << "a second destroy finds nothing to do";
}

TEST_F(CgroupV1PrivTest, DestroyKillsEveryProcessInsideItsSubtree) {
  ScopedTestCgroup cgroup(*manager_, roots_);
  const std::string& path = cgroup.path();
  ASSERT_TRUE(manager_->create(path));
  BlockedChild shell([] {
    ::execl("/bin/sh", "sh", "-c", "sleep 1000 & sleep 1000 & wait", static_cast<char*>(nullptr));
    ::_exit(127);
  });
  ASSERT_TRUE(manager_->add_process(path, shell.pid()));
  shell.release();
  const std::string procs = file("memory", path, "cgroup.procs");
  auto count = [&] {
    std::istringstream words(read_text(procs));
    return std::distance(std::istream_iterator<std::string>(words), std::istream_iterator<std::string>());
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (count() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(count(), 3) << "sh and its two sleeps: " << read_text(procs);

  auto destroyed = manager_->destroy(path);
  ASSERT_TRUE(destroyed) << destroyed.error().what();
  // rmdir succeeding already proves the two sleeps, reparented away from us, are gone.
  for (const auto& root : roots_) EXPECT_FALSE(std::filesystem::exists(root + path)) << root;
  ASSERT_TRUE(shell.wait(std::chrono::seconds(5)));
}

TEST_F(CgroupV1PrivTest, CountsTheKernelsOomKills) {
  if (!swap_accounting()) GTEST_SKIP() << "without memsw the child could swap instead of being OOM-killed";
  ScopedTestCgroup cgroup(*manager_, roots_);
  const std::string& path = cgroup.path();
  ASSERT_TRUE(manager_->create(path));
  Resources r;
  r.memory_limit = 16 * MiB;
  r.memory_swap = 16 * MiB;
  ASSERT_TRUE(manager_->apply(path, r));
  BlockedChild hog([] {
    const std::size_t size = 128 * MiB;
    void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory != MAP_FAILED) std::memset(memory, 1, size);
  });
  ASSERT_TRUE(manager_->add_process(path, hog.pid()));
  hog.release();
  auto status = hog.wait(std::chrono::seconds(30));
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << "status " << *status;
  EXPECT_EQ(manager_->oom_kills(path).value_or(0), 1u);
  auto stats = manager_->stats(path);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->oom_kills, 1u);
  EXPECT_GE(stats->memory_max_usage, static_cast<std::uint64_t>(8 * MiB));
}

TEST_F(CgroupV1PrivTest, AKernelRefusalNamesTheFileAndTheValue) {
  if (!has("cpuset")) GTEST_SKIP() << "no cpuset hierarchy";
  ScopedTestCgroup cgroup(*manager_, roots_);
  ASSERT_TRUE(manager_->create(cgroup.path()));
  Resources r;
  r.cpuset_cpus = "4095";  // no such CPU
  auto applied = manager_->apply(cgroup.path(), r);
  ASSERT_FALSE(applied);
  EXPECT_THAT(applied.error().what(),
              HasSubstr("write \"4095\" to " + file("cpuset", cgroup.path(), "cpuset.cpus")));
}

}  // namespace
}  // namespace gorae::cgroups
