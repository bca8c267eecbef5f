#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gorae/daemon/state_files.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::daemon {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(StateFilesTest, AtomicWriteReplacesWholeFile) {
  testing::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.file("state.json"), "first version, longer\n"));
  ASSERT_TRUE(write_file_atomic(dir.file("state.json"), "second\n", 0600));
  EXPECT_EQ(slurp(dir.file("state.json")), "second\n");
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(StateFilesTest, AtomicWriteReportsTheFailingPath) {
  auto status = write_file_atomic("/nonexistent-dir/x", "y");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().what().find("/nonexistent-dir/x"), std::string::npos);
}

TEST(StateFilesTest, EngineIdIsCreatedOnceAndKept) {
  testing::TempDir dir;
  auto first = load_or_create_engine_id(dir.path());
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 36u);
  EXPECT_EQ((*first)[14], '4');  // a version-4 UUID
  auto second = load_or_create_engine_id(dir.path());
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);
  testing::TempDir other;
  EXPECT_NE(*load_or_create_engine_id(other.path()), *first);
}

TEST(PidfileTest, HoldsOurPidAndIsRemoved) {
  testing::TempDir dir;
  {
    auto pidfile = Pidfile::create(dir.file("run/goraed.pid"));
    ASSERT_TRUE(pidfile) << pidfile.error().what();
    EXPECT_EQ(slurp(dir.file("run/goraed.pid")), std::to_string(::getpid()) + "\n");
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("run/goraed.pid")));
}

TEST(PidfileTest, RefusesWhenALiveProcessOwnsIt) {
  testing::TempDir dir;
  testing::Subprocess sleeper({"/bin/sleep", "30"});
  std::ofstream(dir.file("goraed.pid")) << sleeper.pid() << "\n";
  auto pidfile = Pidfile::create(dir.file("goraed.pid"));
  ASSERT_FALSE(pidfile);
  EXPECT_EQ(pidfile.error().kind(), Errc::conflict);
  EXPECT_NE(pidfile.error().what().find(std::to_string(sleeper.pid())), std::string::npos);
}

TEST(PidfileTest, TakesOverADeadProcessesFile) {
  testing::TempDir dir;
  pid_t dead;
  {
    testing::Subprocess finished({"/bin/true"});
    dead = finished.pid();
    ASSERT_TRUE(finished.wait(std::chrono::seconds(5)));
  }
  std::ofstream(dir.file("goraed.pid")) << dead << "\n";
  auto pidfile = Pidfile::create(dir.file("goraed.pid"));
  ASSERT_TRUE(pidfile) << pidfile.error().what();
  EXPECT_EQ(slurp(dir.file("goraed.pid")), std::to_string(::getpid()) + "\n");
}

TEST(PidfileTest, LeavesAFileThatIsNoLongerOurs) {
  testing::TempDir dir;
  {
    auto pidfile = Pidfile::create(dir.file("goraed.pid"));
    ASSERT_TRUE(pidfile);
    std::ofstream(dir.file("goraed.pid")) << "1\n";  // another daemon took over
  }
  EXPECT_EQ(slurp(dir.file("goraed.pid")), "1\n");
}

}  // namespace
}  // namespace gorae::daemon
