// `docker load` of an archive larger than the API's in-memory body limit
// (32 MiB): the body is spooled to a file with no name under DATA_ROOT/tmp
// and streamed into the store, so the daemon's memory stays far below the
// archive's size, and nothing of the spool is left afterwards.
#include <gtest/gtest.h>

#if __has_include("docker_cli_fixture.hpp") && defined(GORAE_FIXTURE_DAEMON)

#include <filesystem>
#include <fstream>
#include <random>

#include "archive_fixtures.hpp"
#include "docker_cli_fixture.hpp"

// g++ says __SANITIZE_ADDRESS__, clang only __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define GORAE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GORAE_TEST_ASAN 1
#endif
#endif
#ifndef GORAE_TEST_ASAN
#define GORAE_TEST_ASAN 0
#endif

namespace gorae::testing {
namespace {

using images::testing::config_for;
using images::testing::docker_save_legacy;
using images::testing::TarBuilder;

const std::string kLarge = "gorae-test/large:40m";
constexpr std::size_t kRandomSize = 40 << 20;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Random bytes, so that no filter along the way could make them small.
std::string random_bytes(std::size_t size) {
  std::mt19937_64 generator(20240501);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    std::uint64_t word = generator();
    std::memcpy(bytes.data() + i, &word, 8);
  }
  return bytes;
}

// A `docker save` archive (the layout every dockerd loads): busybox in one
// layer, 40 MiB of random data in a second. Written once per test program.
struct LargeArchive {
  TempDir dir;
  std::string skip;
  std::string path;
  std::string data_sha256;
  std::size_t size = 0;
};

void make(LargeArchive& a) {
  std::string busybox = slurp("/bin/busybox");
  if (busybox.empty() || run_command("ldd /bin/busybox 2>&1 | grep -q 'not a dynamic'").exit_code != 0) {
    a.skip = "no static /bin/busybox (apt-get install busybox-static)";
    return;
  }
  std::string data = random_bytes(kRandomSize);
  a.data_sha256 = images::Digest::of(data).hex();
  std::vector<std::string> layers{
      TarBuilder().dir("bin").file("bin/busybox", busybox, 0755).symlink("bin/sh", "busybox").tar(),
      TarBuilder().dir("data").file("data/random.bin", data).tar()};
  std::string archive = docker_save_legacy(layers, config_for(layers), {kLarge}).tar();
  a.size = archive.size();
  a.path = a.dir.file("large.tar");
  std::ofstream(a.path, std::ios::binary) << archive;
}

const LargeArchive& large_archive() {
  static LargeArchive made;
  static const bool built = (make(made), true);
  (void)built;
  return made;
}

// The daemon's descriptors that point into its spool directory.
std::vector<std::string> spool_files_of(pid_t pid, const std::string& spool_dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    auto target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (!ec && target.rfind(spool_dir + "/", 0) == 0) found.push_back(target);
  }
  return found;
}

// The daemon's peak resident memory (VmHWM), in bytes.
std::size_t peak_rss(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

class LargeLoadTest : public DockerCliTest {
 protected:
  void SetUp() override {
    if (!large_archive().skip.empty()) GTEST_SKIP() << large_archive().skip;
    DockerCliTest::SetUp();
  }
  void TearDown() override {
    if (!HasFatalFailure() && !IsSkipped()) docker("rmi -f " + kLarge);
    DockerCliTest::TearDown();
  }
  // After a load, successful or not: no spooled file is open, none has a name.
  void expect_spool_gone() {
    if (!against_gorae()) return;
    std::string spool = std::filesystem::canonical(data_dir()).string() + "/tmp";
    EXPECT_EQ(spool_files_of(daemon_pid(), spool), std::vector<std::string>{});
    EXPECT_TRUE(std::filesystem::is_empty(spool));
  }
};

TEST_F(LargeLoadTest, DockerLoadsAnArchiveLargerThanTheBodyLimit) {
  const auto& archive = large_archive();
  ASSERT_GT(archive.size, std::size_t{32} << 20);
  std::size_t peak_before = against_gorae() ? peak_rss(daemon_pid()) : 0;
  EXPECT_NE(docker_ok("load -i " + archive.path).find("Loaded image: " + kLarge), std::string::npos);
  EXPECT_EQ(docker_ok("run --rm " + kLarge + " /bin/busybox sha256sum /data/random.bin"),
            archive.data_sha256 + "  /data/random.bin");
  expect_spool_gone();
  if (!against_gorae()) return;
#if GORAE_TEST_ASAN
  GTEST_SKIP() << "peak RSS not checked: under AddressSanitizer, shadow memory and the free "
                  "quarantine make the daemon's RSS no measure of what it holds";
#endif
  // Streaming, not buffering: a daemon that held the body, or its large
  // layer, in memory would grow by 40 MiB at least.
  std::size_t peak = peak_rss(daemon_pid());
  EXPECT_LT(peak - peak_before, archive.size / 4)
      << "peak RSS " << (peak_before >> 10) << " KiB before the load, " << (peak >> 10) << " KiB after";
}

#ifdef GORAE_CLI_PATH
// gorae's own CLI sends the archive as it reads it: its peak memory stays
// far below the archive's size (GNU time's %M, in KiB).
TEST_F(LargeLoadTest, GoraeLoadStreamsTheArchive) {
  if (!against_gorae()) GTEST_SKIP() << "gorae's CLI, against goraed";
#if GORAE_TEST_ASAN
  GTEST_SKIP() << "the CLI's peak RSS is no measure under AddressSanitizer";
#endif
  if (run_command("test -x /usr/bin/time").exit_code != 0) GTEST_SKIP() << "no /usr/bin/time (apt-get install time)";
  const auto& archive = large_archive();
  TempDir scratch;
  auto loaded = run_command("{ /usr/bin/time -f 'peak %M' -o " + scratch.file("time") + " " + GORAE_CLI_PATH + " -H '" +
                            host_ + "' load -i " + archive.path + " </dev/null; }");
  EXPECT_EQ(loaded.exit_code, 0) << loaded.output;
  EXPECT_NE(loaded.output.find("Loaded image: " + kLarge), std::string::npos) << loaded.output;
  std::ifstream time_file(scratch.file("time"));
  std::string word;
  std::size_t peak_kib = 0;
  time_file >> word >> peak_kib;
  ASSERT_EQ(word, "peak");
  EXPECT_LT(peak_kib << 10, archive.size / 4) << "the CLI held the archive: peak " << peak_kib << " KiB";
  expect_spool_gone();
}
#endif

TEST_F(LargeLoadTest, ALargeBrokenArchiveIsRefusedAndLeavesNothing) {
  TempDir dir;
  std::string junk = random_bytes(kRandomSize);
  junk.replace(0, 9, "not a tar");
  std::ofstream(dir.file("junk.tar"), std::ios::binary) << junk;
  auto loaded = docker("load -i " + dir.file("junk.tar"));
  EXPECT_EQ(loaded.exit_code, 1) << loaded.out << loaded.err;
  if (against_gorae()) {
    EXPECT_NE((loaded.out + loaded.err).find("not a tar archive"), std::string::npos) << loaded.out << loaded.err;
  }
  expect_spool_gone();
}

}  // namespace
}  // namespace gorae::testing

#else
TEST(LargeLoadTest, NeedsTheDaemonFixture) {
  GTEST_SKIP() << "ch05_priv_tests lacks GORAE_FIXTURE_DAEMON and chapter 02's api_fixture.hpp";
}
#endif
