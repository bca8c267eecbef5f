// docker commit's config: --change instructions, the merge with the
// container's config and the child image config. The expected values are
// what dockerd 20.10.24 answered to the same POST /commit?changes=...
// requests (then GET /images/{id}/json) for a busybox container made with
// -e FOO=bar; STOPSIGNAL is newer Docker's (moby's validCommitCommands).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gorae/images/commit_config.hpp"
#include "gorae/images/image_config.hpp"

namespace gorae::images {
namespace {

using json = nlohmann::json;

const json kContainer = {
    {"Hostname", "32710220ba1e"}, {"User", ""},      {"Env", {"FOO=bar", "PATH=/usr/bin:/bin"}},
    {"Cmd", {"sh", "-c", "echo hi"}}, {"Image", "busybox"}, {"WorkingDir", ""}, {"Entrypoint", nullptr},
    {"Labels", json::object()}};

// The config `docker commit -c ...` gives the image, or dockerd's message.
std::string committed(const std::vector<std::string>& changes, const json& container = kContainer) {
  json config = container;
  auto applied = apply_changes(config, changes);
  if (!applied) return applied.error().what();
  merge_config(config, container);
  return config.dump();
}

json field(const std::vector<std::string>& changes, const char* key) {
  return json::parse(committed(changes)).value(key, json());
}

TEST(CommitChangesTest, UnknownAndBuildOnlyInstructionsAreRefusedFirst) {
  EXPECT_EQ(committed({"RUN x"}), "run is not a valid change command");
  EXPECT_EQ(committed({"ENV A=1", "FROM x"}), "from is not a valid change command");
  EXPECT_EQ(committed({"HEALTHCHECK NONE"}), "HEALTHCHECK is not supported by gorae's commit: gorae runs no health checks");
}

TEST(CommitChangesTest, CmdAndEntrypointForms) {
  EXPECT_EQ(field({"CMD [\"a\", \"b\"]"}, "Cmd"), json({"a", "b"}));
  EXPECT_EQ(field({"CMD echo $FOO"}, "Cmd"), json({"/bin/sh", "-c", "echo $FOO"}));
  EXPECT_EQ(field({"CMD [ \"a\","}, "Cmd"), json({"/bin/sh", "-c", "[ \"a\","}));
  EXPECT_EQ(field({"CMD"}, "Cmd"), json({"/bin/sh", "-c"}));
  auto entry = json::parse(committed({"ENTRYPOINT [\"/bin/sh\",\"-c\"]"}));
  EXPECT_EQ(entry["Entrypoint"], json({"/bin/sh", "-c"}));
  EXPECT_TRUE(entry["Cmd"].is_null()) << "an ENTRYPOINT without CMD drops the old Cmd";
  EXPECT_EQ(field({"ENTRYPOINT echo"}, "Entrypoint"), json({"/bin/sh", "-c", "echo"}));
  auto cleared = json::parse(committed({"ENTRYPOINT []"}));
  EXPECT_TRUE(cleared["Entrypoint"].is_null());
  EXPECT_EQ(cleared["Cmd"], kContainer["Cmd"]);
  auto both = json::parse(committed({"CMD [\"x\"]", "ENTRYPOINT [\"y\"]"}));
  EXPECT_EQ(both["Cmd"], json({"x"}));
  EXPECT_EQ(both["Entrypoint"], json({"y"}));
}

TEST(CommitChangesTest, EnvQuotesExpansionAndErrors) {
  EXPECT_EQ(field({"ENV A=\"x y\" B=$FOO C=${FOO}x D=\\$FOO E='$FOO'"}, "Env"),
            json({"FOO=bar", "PATH=/usr/bin:/bin", "A=x y", "B=bar", "C=barx", "D=$FOO", "E=$FOO"}));
  EXPECT_EQ(field({"ENV X ${FOO} and more"}, "Env").back(), "X=bar and more");
  EXPECT_EQ(field({"ENV FOO=new"}, "Env"), json({"FOO=new", "PATH=/usr/bin:/bin"}));
  EXPECT_EQ(field({"ENV A=1 \\\n  B=2"}, "Env"), json({"FOO=bar", "PATH=/usr/bin:/bin", "A=1", "B=2"}));
  EXPECT_EQ(field({"ENV U=${NOPE:-def} V=${FOO:+alt}"}, "Env").back(), "V=alt");
  EXPECT_EQ(committed({"ENV"}), "ENV requires at least one argument");
  EXPECT_EQ(committed({"ENV A"}), "ENV must have two arguments");
  EXPECT_EQ(committed({"ENV =x"}), "ENV names can not be blank");
  EXPECT_EQ(committed({"ENV a=b c"}), "Syntax error - can't find = in \"c\". Must be of the form: name=value");
}

TEST(CommitChangesTest, LabelsPortsVolumesUserWorkdir) {
  EXPECT_EQ(field({"LABEL \"x y\"=\"p q\" z=1"}, "Labels"), json({{"x y", "p q"}, {"z", "1"}}));
  EXPECT_EQ(field({"LABEL a b c"}, "Labels"), json({{"a", "b c"}}));
  EXPECT_EQ(committed({"LABEL a"}), "LABEL must have two arguments");
  EXPECT_EQ(field({"EXPOSE 8000-8002/udp 9000"}, "ExposedPorts"),
            json({{"8000/udp", json::object()}, {"8001/udp", json::object()}, {"8002/udp", json::object()},
                  {"9000/tcp", json::object()}}));
  EXPECT_EQ(field({"EXPOSE 80", "EXPOSE 443/TCP"}, "ExposedPorts"),
            json({{"443/tcp", json::object()}, {"80/tcp", json::object()}}));
  EXPECT_EQ(committed({"EXPOSE 80/xyz"}), "Invalid proto: xyz");
  EXPECT_EQ(committed({"EXPOSE 10-5"}), "Invalid containerPort: 10-5");
  EXPECT_EQ(committed({"EXPOSE abc"}), "Invalid containerPort: abc");
  EXPECT_EQ(committed({"EXPOSE"}), "EXPOSE requires at least one argument");
  EXPECT_EQ(field({"VOLUME /a /b"}, "Volumes"), json({{"/a", json::object()}, {"/b", json::object()}}));
  EXPECT_EQ(field({"VOLUME [\"/c\"]"}, "Volumes"), json({{"/c", json::object()}}));
  EXPECT_EQ(committed({"VOLUME [\"\"]"}), "VOLUME specified can not be an empty string");
  EXPECT_EQ(committed({"VOLUME"}), "VOLUME requires at least one argument");
  EXPECT_EQ(field({"USER a b"}, "User"), "a b");
  EXPECT_EQ(field({"user  root  "}, "User"), "root");
  EXPECT_EQ(field({"# comment", "USER 1000"}, "User"), "1000");
  EXPECT_EQ(committed({"USER"}), "USER requires exactly one argument");
  EXPECT_EQ(field({"WORKDIR a", "WORKDIR b/../c"}, "WorkingDir"), "/a/c");
  EXPECT_EQ(committed({"WORKDIR"}), "WORKDIR requires exactly one argument");
}

TEST(CommitChangesTest, StopSignalAndOnbuild) {
  EXPECT_EQ(field({"STOPSIGNAL SIGKILL"}, "StopSignal"), "SIGKILL");
  EXPECT_EQ(committed({"STOPSIGNAL FOO"}), "Invalid signal: FOO");
  EXPECT_EQ(field({"onbuild run echo hi"}, "OnBuild"), json({"run echo hi"}));
  EXPECT_EQ(committed({"ONBUILD"}), "ONBUILD requires at least one argument");
  EXPECT_EQ(committed({"ONBUILD ONBUILD RUN x"}), "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(committed({"ONBUILD FROM x"}), "FROM isn't allowed as an ONBUILD trigger");
}

TEST(CommitChangesTest, AFailedChangeLeavesTheConfigAsItWas) {
  json config = kContainer;
  EXPECT_FALSE(apply_changes(config, {"ENV A=1", "EXPOSE abc"}));
  EXPECT_EQ(config, kContainer);
}

TEST(CommitMergeTest, ARequestBodyIsCompletedFromTheContainer) {
  json user = {{"Cmd", {"echo", "body"}}, {"Env", {"B=c", "FOO=mine"}}, {"Labels", {{"q", "r"}}},
               {"ExposedPorts", {{"80/tcp", json::object()}}}};
  json container = kContainer;
  container["Labels"] = {{"q", "theirs"}, {"s", "t"}};
  container["ExposedPorts"] = {{"22/tcp", json::object()}};
  container["Entrypoint"] = {"/init"};
  container["Healthcheck"] = {{"Test", {"CMD", "true"}}, {"Retries", 3}};
  user["Healthcheck"] = {{"Interval", 5}};
  merge_config(user, container);
  EXPECT_EQ(user["Env"], json({"B=c", "FOO=mine", "PATH=/usr/bin:/bin"}));
  EXPECT_EQ(user["Labels"], json({{"q", "r"}, {"s", "t"}}));
  EXPECT_EQ(user["ExposedPorts"], json({{"22/tcp", json::object()}, {"80/tcp", json::object()}}));
  EXPECT_EQ(user["Cmd"], json({"echo", "body"}));
  EXPECT_EQ(user["Entrypoint"], json({"/init"}));
  EXPECT_EQ(user["Healthcheck"], json({{"Test", {"CMD", "true"}}, {"Interval", 5}, {"Retries", 3}}));
}

TEST(CommitConfigTest, ChildKeepsTheParentsLayersAndHistory) {
  ImageConfig parent;
  parent.variant = "v8";
  parent.diff_ids = {Digest::of("base")};
  parent.history = {{"2024-01-01T00:00:00Z", "", "", "Imported from -", false}};
  CommitStep step{"2026-11-24T12:34:09.050964277Z", "me", "hello", "sh -c echo hi", Digest::of("layer")};
  json config = {{"Cmd", {"cat", "/etc/added"}}};
  auto text = child_config(serialize_config(parent), config, step);
  ASSERT_TRUE(text) << text.error().what();
  auto child = parse_config(*text);
  ASSERT_TRUE(child) << child.error().what();
  EXPECT_EQ(child->diff_ids, (std::vector<Digest>{Digest::of("base"), Digest::of("layer")}));
  EXPECT_EQ(child->variant, "v8");
  EXPECT_EQ(child->author, "me");
  EXPECT_EQ(child->created, step.created);
  EXPECT_EQ(child->config.cmd, (std::vector<std::string>{"cat", "/etc/added"}));
  ASSERT_EQ(child->history.size(), 2u);
  EXPECT_EQ(child->history[1], (HistoryEntry{step.created, "sh -c echo hi", "me", "hello", false}));

  step.diff_id.reset();  // the container changed nothing
  auto empty = parse_config(*child_config(*text, config, step));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->diff_ids.size(), 2u);
  EXPECT_TRUE(empty->history.back().empty_layer);
  EXPECT_FALSE(child_config("[]", config, step));
}

}  // namespace
}  // namespace gorae::images
