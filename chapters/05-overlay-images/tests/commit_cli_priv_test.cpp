// `diff` and `commit` from the command line: the real docker CLI and
// gorae's own, each against the fixture's daemon (or dockerd, through
// GORAE_TEST_HOST), printing the same things.
#include <gtest/gtest.h>

#if __has_include("docker_cli_fixture.hpp") && defined(GORAE_FIXTURE_DAEMON) && defined(GORAE_CLI_PATH)

#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "docker_cli_fixture.hpp"

namespace gorae::testing {
namespace {

using Cli = std::function<DockerResult(const std::string& args)>;

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.insert(line);
  return lines;
}

using Inspect = std::function<nlohmann::json(const std::string& image)>;

// The same conversation for either client; `tag` names the image it makes.
void diff_and_commit(const Cli& cli, const Inspect& inspect_image, const std::string& container,
                     const std::string& tag) {
  auto diff = cli("diff " + container);
  EXPECT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_EQ(lines_of(diff.out), (std::set<std::string>{"C /bin", "D /bin/ls", "C /etc", "A /etc/added"}));

  auto commit = cli("commit -a me -m 'first commit' -c 'CMD [\"cat\", \"/etc/added\"]' -c 'ENV STAGE=committed' " +
                    container + " " + tag);
  ASSERT_EQ(commit.exit_code, 0) << commit.err;
  EXPECT_TRUE(std::regex_match(commit.out, std::regex("sha256:[0-9a-f]{64}\n"))) << commit.out;
  auto image = inspect_image(tag);
  EXPECT_EQ(image["Id"], trimmed(commit.out));
  EXPECT_EQ(image["Author"], "me");
  EXPECT_EQ(image["Comment"], "first commit");
  EXPECT_EQ(image["Config"]["Cmd"], nlohmann::json({"cat", "/etc/added"}));
  auto run = cli("run --rm " + tag);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "x\n");
  auto gone = cli("run --rm " + tag + " sh -c 'test ! -e /bin/ls && echo $STAGE'");
  EXPECT_EQ(gone.out, "committed\n") << gone.err;

  auto missing = cli("commit gorae-no-such-container");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(trimmed(missing.err), "Error response from daemon: No such container: gorae-no-such-container");
  auto no_diff = cli("diff gorae-no-such-container");
  EXPECT_EQ(no_diff.exit_code, 1);
  EXPECT_EQ(trimmed(no_diff.err), "Error response from daemon: No such container: gorae-no-such-container");
  auto bad = cli("commit -c 'RUN true' " + container);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(trimmed(bad.err), "Error response from daemon: run is not a valid change command");
}

class DockerCommitCliTest : public DockerCliTest {
 protected:
  void TearDown() override {
    if (!docker_.empty()) docker("rmi -f gorae-test/docker-commit:v1");
    DockerCliTest::TearDown();
  }
};

TEST_F(DockerCommitCliTest, DiffAndCommit) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "rm /bin/ls; echo x > /etc/added"}}});
  ASSERT_EQ(run_to_exit(id), 0);
  diff_and_commit([this](const std::string& args) { return docker(args); },
                  [this](const std::string& name) { return json_of(call("GET", "/images/" + name + "/json")); }, id,
                  "gorae-test/docker-commit:v1");
}

class GoraeCommitCliTest : public DaemonFixture {
 protected:
  void TearDown() override {
    if (ready_) gorae("rmi -f gorae-test/gorae-commit:v1");
    DaemonFixture::TearDown();
  }
  DockerResult gorae(const std::string& args) {
    ready_ = true;
    std::string err = scratch_.file("stderr");
    // Braces: run_command adds its own 2>&1 after the whole command.
    auto result = run_command("{ timeout -s KILL 60 " + std::string(GORAE_CLI_PATH) + " -H '" + host_ + "' " + args +
                              " </dev/null 2>" + err + "; }");
    std::ifstream file(err);
    std::stringstream text;
    text << file.rdbuf();
    return {result.exit_code, result.output, text.str()};
  }
  TempDir scratch_;
  bool ready_ = false;
};

TEST_F(GoraeCommitCliTest, DiffAndCommit) {
  std::string id = create({{"Image", "busybox"}, {"Cmd", {"sh", "-c", "rm /bin/ls; echo x > /etc/added"}}});
  ASSERT_EQ(run_to_exit(id), 0);
  diff_and_commit([this](const std::string& args) { return gorae(args); },
                  [this](const std::string& name) { return json_of(call("GET", "/images/" + name + "/json")); }, id,
                  "gorae-test/gorae-commit:v1");
}

}  // namespace
}  // namespace gorae::testing

#else
TEST(CommitCliTest, NeedsTheFixtures) {
  GTEST_SKIP() << "ch05_priv_tests lacks GORAE_FIXTURE_DAEMON, GORAE_CLI_PATH or chapter 02's docker_cli_fixture.hpp";
}
#endif
