// GET /containers/{id}/changes against a live daemon. With GORAE_TEST_HOST
// pointing at dockerd (tests/differential/run-against-dockerd) the same
// tests check Docker itself; dockerd orders the entries of a directory as a
// Go map iterates, so only the order it promises is checked: a directory
// before what changed in it.
#include <gtest/gtest.h>

#if __has_include("api_fixture.hpp") && defined(GORAE_FIXTURE_DAEMON)

#include "commit_api_fixture.hpp"

namespace gorae::testing {
namespace {

class DiffApiTest : public CommitApiTest {};

// Each changed directory is listed before the entries below it.
void expect_parents_first(const std::vector<std::string>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string path = lines[i].substr(2);
    for (auto slash = path.rfind('/'); slash != 0 && slash != std::string::npos; slash = path.rfind('/', slash - 1)) {
      std::string dir = path.substr(0, slash);
      auto at = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.substr(2) == dir; });
      ASSERT_NE(at, lines.end()) << dir << " is not listed, though " << path << " is";
      EXPECT_LT(at - lines.begin(), static_cast<std::ptrdiff_t>(i)) << dir << " comes after " << path;
    }
  }
}

TEST_F(DiffApiTest, DiffListsDeletedAddedAndModifiedPaths) {
  std::string id = ran(kScript);
  auto lines = changes(id);
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()), kScriptChanges);
  EXPECT_EQ(lines.size(), kScriptChanges.size());
  expect_parents_first(lines);
}

TEST_F(DiffApiTest, AContainerThatChangedNothingHasNoChanges) {
  std::string id = ran("true");
  auto response = call("GET", "/containers/" + id + "/changes");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "null\n") << "dockerd's empty list is a nil slice";
}

TEST_F(DiffApiTest, DiffOfARunningContainer) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "echo up > /tmp/running; sleep 30"}}});
  ASSERT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
  std::vector<std::string> lines;
  for (int i = 0; i < 100 && lines.size() < 2; ++i) {
    lines = changes(id);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"C /tmp", "A /tmp/running"}));
}

}  // namespace
}  // namespace gorae::testing

#else
TEST(DiffApiTest, NeedsTheDaemonFixture) {
  GTEST_SKIP() << "ch05_priv_tests lacks GORAE_FIXTURE_DAEMON and chapter 02's api_fixture.hpp";
}
#endif
