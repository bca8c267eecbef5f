// The cache of compiled seccomp programs: a hit gives exactly what libseccomp
// would, and nothing in the directory that is not our own entry is trusted.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "gorae/security/capabilities.hpp"
#include "gorae/security/seccomp.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::security {
namespace {

namespace fs = std::filesystem;

std::string default_text() {
  auto seccomp = seccomp_for_container(default_seccomp_profile(), default_capabilities());
  EXPECT_TRUE(seccomp) << seccomp.error().what();
  return seccomp->dump();
}

bool same(const SeccompProgram& a, const SeccompProgram& b) {
  if (a.flags != b.flags || a.filter.size() != b.filter.size()) return false;
  for (std::size_t i = 0; i < a.filter.size(); ++i)
    if (a.filter[i].code != b.filter[i].code || a.filter[i].jt != b.filter[i].jt ||
        a.filter[i].jf != b.filter[i].jf || a.filter[i].k != b.filter[i].k)
      return false;
  return true;
}

std::vector<fs::path> entries(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path());
  return out;
}

TEST(SeccompCache, AHitIsWhatTheCompilerMakes) {
  testing::TempDir dir;
  std::string cache = dir.file("cache");
  std::string text = default_text();
  auto compiled = compile_seccomp(nlohmann::json::parse(text));
  ASSERT_TRUE(compiled);
  auto first = compile_seccomp_cached(text, cache);
  ASSERT_TRUE(first) << first.error().what();
  ASSERT_EQ(entries(cache).size(), 1u) << "the miss stored one entry";
  EXPECT_EQ(fs::status(cache).permissions() & fs::perms::all, fs::perms::owner_all);
  auto second = compile_seccomp_cached(text, cache);
  ASSERT_TRUE(second);
  EXPECT_TRUE(same(*first, *compiled));
  EXPECT_TRUE(same(*second, *compiled));
}

TEST(SeccompCache, ATamperedEntryIsRecompiledAndRewritten) {
  testing::TempDir dir;
  std::string cache = dir.file("cache");
  std::string text = default_text();
  auto compiled = compile_seccomp(nlohmann::json::parse(text));
  ASSERT_TRUE(compile_seccomp_cached(text, cache));
  fs::path entry = entries(cache).at(0);
  fs::resize_file(entry, 10);
  auto after_truncation = compile_seccomp_cached(text, cache);
  ASSERT_TRUE(after_truncation);
  EXPECT_TRUE(same(*after_truncation, *compiled)) << "a truncated entry is a miss";
  EXPECT_GT(fs::file_size(entry), 10u) << "and it was rewritten";

  // Whatever else sits under our entry's name (another key, garbage) is a miss too.
  std::ofstream(entry, std::ios::binary | std::ios::trunc) << std::string(4096, 'x');
  auto after_garbage = compile_seccomp_cached(text, cache);
  ASSERT_TRUE(after_garbage);
  EXPECT_TRUE(same(*after_garbage, *compiled)) << "an entry with another key is a miss";
}

TEST(SeccompCache, AnEntryNotOwnedByUsIsIgnored) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  testing::TempDir dir;
  std::string cache = dir.file("cache");
  std::string text = default_text();
  ASSERT_TRUE(compile_seccomp_cached(text, cache));
  fs::path entry = entries(cache).at(0);
  ASSERT_EQ(::chown(entry.c_str(), 65534, 65534), 0);
  auto program = compile_seccomp_cached(text, cache);
  ASSERT_TRUE(program);
  struct stat st {};
  ASSERT_EQ(::stat(entry.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u) << "the foreign entry was replaced by ours";
}

TEST(SeccompCache, NoDirectoryOnlyCompilesAndBadTextIsRefused) {
  auto program = compile_seccomp_cached(default_text(), "");
  ASSERT_TRUE(program);
  EXPECT_FALSE(program->filter.empty());
  testing::TempDir dir;
  auto bad = compile_seccomp_cached("{not json", dir.file("cache"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), Errc::invalid_argument);
}

}  // namespace
}  // namespace gorae::security
