// -v, --mount and --tmpfs into the create body, as the docker CLI builds it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gorae/cli/volume_commands.hpp"

namespace gorae::cli {
namespace {

using nlohmann::json;

json body_for(std::vector<std::string> args) {
  CLI::App app;
  auto flags = volume_flags();
  flags->add_to(app);
  std::vector<std::string> argv = {"run"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::reverse(argv.begin(), argv.end());
  argv.pop_back();
  app.parse(argv);
  json body = json::object();
  flags->apply(body);
  return body;
}

std::string mount_error(const std::string& value) {
  try {
    parse_mount_flag(value);
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.exit_code(), 125);
    return failure.what();
  }
  ADD_FAILURE() << value << " was accepted";
  return "";
}

TEST(CliVolumeFlagsTest, DashVSplitsIntoBindsAndConfigVolumes) {
  json body = body_for({"-v", "/scratch", "-v", "data:/data:ro", "--volume", "/h:/c"});
  EXPECT_EQ(body["Volumes"], json({{"/scratch", json::object()}}));
  EXPECT_EQ(body["HostConfig"]["Binds"], json({"data:/data:ro", "/h:/c"}));
  std::string here = std::filesystem::current_path().string();
  EXPECT_EQ(body_for({"-v", "./sub:/s"})["HostConfig"]["Binds"][0], here + "/sub:/s");
}

TEST(CliVolumeFlagsTest, MountAndTmpfsFlags) {
  json host = body_for({"--mount", "type=bind,src=/a,dst=/b,readonly", "--tmpfs", "/run:size=64m", "--tmpfs", "/t"})
                  ["HostConfig"];
  EXPECT_EQ(host["Mounts"], json::parse(R"([{"Type":"bind","Source":"/a","Target":"/b","ReadOnly":true}])"));
  EXPECT_EQ(host["Tmpfs"], json({{"/run", "size=64m"}, {"/t", ""}}));
}

TEST(CliVolumeFlagsTest, MountValuesAsDockersCsv) {
  EXPECT_EQ(parse_mount_flag("target=/d"), json::parse(R"({"Type":"volume","Target":"/d"})"));
  EXPECT_EQ(parse_mount_flag("type=volume,source=v,destination=/d,volume-nocopy,volume-label=a=b,volume-opt=o=x"),
            json::parse(R"({"Type":"volume","Source":"v","Target":"/d",
              "VolumeOptions":{"NoCopy":true,"Labels":{"a":"b"},"DriverConfig":{"Options":{"o":"x"}}}})"));
  EXPECT_EQ(parse_mount_flag("type=tmpfs,dst=/t,tmpfs-size=16k,tmpfs-mode=1770"),
            json::parse(R"({"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":16384,"Mode":1016}})"));
  EXPECT_EQ(parse_mount_flag("type=bind,src=/a,dst=/b,bind-propagation=rshared,ro=false"),
            json::parse(R"({"Type":"bind","Source":"/a","Target":"/b","ReadOnly":false,
              "BindOptions":{"Propagation":"rshared"}})"));
  EXPECT_EQ(parse_mount_flag("\"type=bind\",src=/a,dst=/b")["Type"], "bind");
}

TEST(CliVolumeFlagsTest, MountErrorsAreDockers) {
  const std::string see = "\nSee 'gorae run --help'.";
  EXPECT_EQ(mount_error("type=bind,src=/a"), "invalid argument \"type=bind,src=/a\" for \"--mount\" flag: target is required" + see);
  EXPECT_EQ(mount_error("type=bind,dst=/b,volume-nocopy"),
            "invalid argument \"type=bind,dst=/b,volume-nocopy\" for \"--mount\" flag: cannot mix 'volume-*' "
            "options with mount type 'bind'" + see);
  EXPECT_EQ(mount_error("dst=/b,colour=red"),
            "invalid argument \"dst=/b,colour=red\" for \"--mount\" flag: unexpected key 'colour' in 'colour=red'" + see);
  EXPECT_EQ(mount_error("dst=/b,shiny"),
            "invalid argument \"dst=/b,shiny\" for \"--mount\" flag: invalid field 'shiny' must be a key=value pair" + see);
  EXPECT_EQ(mount_error("dst=/b,readonly=maybe"),
            "invalid argument \"dst=/b,readonly=maybe\" for \"--mount\" flag: invalid value for readonly: maybe" + see);
  EXPECT_NE(mount_error("type=tmpfs,dst=/t,tmpfs-mode=9").find("invalid value for tmpfs-mode: 9"), std::string::npos);
}

}  // namespace
}  // namespace gorae::cli
