// Volumes and binds through the API, against goraed-ch05 (or dockerd with
// GORAE_TEST_HOST): data that outlives containers, read-only binds,
// copy-up, anonymous volumes and rm -v, volumes in use, prune.
#include <gtest/gtest.h>
#include <sys/stat.h>

#if defined(GORAE_FIXTURE_DAEMON)

#include <filesystem>
#include <fstream>

#include "gorae/cli/table.hpp"
#include "volume_fixture.hpp"

namespace gorae::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class VolumeApiTest : public VolumeFixture {};

TEST_F(VolumeApiTest, NamedVolumeDataOutlivesItsContainerAndReachesTheNext) {
  std::string name = volume_name("data");
  auto writer = container("echo kept > /data/note", {{"Binds", {name + ":/data"}}});
  ASSERT_EQ(run(writer).first, 0);
  // -v made the volume on first use.
  auto volume = json_of(call("GET", "/volumes/" + name));
  EXPECT_EQ(volume["Name"], name);
  EXPECT_EQ(volume["Driver"], "local");
  EXPECT_EQ(volume["Scope"], "local");
  EXPECT_TRUE(volume["Labels"].is_null() || volume["Labels"].empty()) << volume;
  ASSERT_EQ(remove_container(writer, true), 204);  // a named volume stays with -v
  auto reader = container("cat /again/note", {{"Binds", {name + ":/again:ro"}}});
  EXPECT_EQ(run(reader), (std::pair<int, std::string>{0, "kept\n"}));
}

TEST_F(VolumeApiTest, ReadOnlyBindCannotBeWrittenAndAWritableOneReachesTheHost) {
  TempDir host;
  std::ofstream(host.file("in")) << "host file\n";
  auto id = container("cat /ro/in; touch /ro/x; echo rc=$?; echo out > /rw/out",
                      {{"Binds", {host.path() + ":/ro:ro", host.path() + ":/rw"}}});
  auto [code, output] = run(id);
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("host file\n"), std::string::npos) << output;
  EXPECT_NE(output.find("Read-only file system"), std::string::npos) << output;
  EXPECT_NE(output.find("rc=1"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(host.file("x")));
  EXPECT_TRUE(fs::exists(host.file("out")));
}

TEST_F(VolumeApiTest, InspectShowsMountsInDockersShape) {
  TempDir host;
  std::string name = volume_name("shape");
  auto id = container("true", {{"Binds", {host.path() + ":/b:ro", name + ":/v"}}});
  json mounts = mounts_of(id);
  ASSERT_EQ(mounts.size(), 2u) << mounts;
  std::sort(mounts.begin(), mounts.end(), [](const json& a, const json& b) { return a["Destination"] < b["Destination"]; });
  EXPECT_EQ(mounts[0], json({{"Type", "bind"}, {"Source", host.path()}, {"Destination", "/b"}, {"Mode", "ro"},
                             {"RW", false}, {"Propagation", "rprivate"}}));
  EXPECT_EQ(mounts[1]["Type"], "volume");
  EXPECT_EQ(mounts[1]["Name"], name);
  EXPECT_EQ(mounts[1]["Source"], json_of(call("GET", "/volumes/" + name))["Mountpoint"]);
  EXPECT_EQ(mounts[1]["Driver"], "local");
  EXPECT_EQ(mounts[1]["Mode"], "z");
  EXPECT_EQ(mounts[1]["RW"], true);
  EXPECT_EQ(mounts[1]["Propagation"], "");
}

TEST_F(VolumeApiTest, ANewVolumeGetsTheImagesFilesUnlessNocopy) {
  std::string etc = volume_name("etc"), tmp = volume_name("tmp"), bare = volume_name("bare");
  ASSERT_EQ(run(container("true", {{"Binds", {etc + ":/etc", tmp + ":/tmp", bare + ":/etc2:nocopy"}}})).first, 0);
  auto check = container("grep -c ^root: /e/passwd; stat -c '%a %u' /e/passwd /t; ls -A /n | wc -l",
                         {{"Binds", {etc + ":/e", tmp + ":/t", bare + ":/n"}}});
  EXPECT_EQ(run(check), (std::pair<int, std::string>{0, "1\n644 0\n1777 0\n0\n"}));
}

TEST_F(VolumeApiTest, AnAnonymousVolumeFromConfigVolumesGoesWithRmV) {
  auto dropped = container("echo x > /scratch/f", {}, {{"Volumes", {{"/scratch", json::object()}}}});
  auto kept = container("true", {}, {{"Volumes", {{"/scratch", json::object()}}}});
  ASSERT_EQ(run(dropped).first, 0);
  std::string dropped_volume = mounts_of(dropped).at(0)["Name"], kept_volume = mounts_of(kept).at(0)["Name"];
  forget_volume_later(dropped_volume);
  forget_volume_later(kept_volume);
  EXPECT_EQ(dropped_volume.size(), 64u);
  EXPECT_NE(dropped_volume, kept_volume);
  EXPECT_EQ(mounts_of(dropped).at(0)["Destination"], "/scratch");
  // Docker 23 and later label them (and prune only those by default).
  std::string version = json_of(call("GET", "/version")).value("Version", "0");
  auto volume = json_of(call("GET", "/volumes/" + dropped_volume));
  if (against_gorae() || std::stoi(version) >= 23) {
    EXPECT_TRUE(volume["Labels"].contains("com.docker.volume.anonymous")) << volume;
  }

  ASSERT_EQ(remove_container(dropped, true), 204);
  EXPECT_EQ(call("GET", "/volumes/" + dropped_volume).status, 404);
  ASSERT_EQ(remove_container(kept, false), 204);
  EXPECT_EQ(call("GET", "/volumes/" + kept_volume).status, 200);
}

TEST_F(VolumeApiTest, AVolumeInUseIsAConflictUntilItsContainerGoes) {
  std::string name = volume_name("busy");
  auto id = container("true", {{"Mounts", {{{"Type", "volume"}, {"Source", name}, {"Target", "/d"}}}}});
  auto refused = call("DELETE", "/volumes/" + name + "?force=1");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(json_of(refused)["message"], "remove " + name + ": volume is in use - [" + id + "]");
  ASSERT_EQ(remove_container(id, true), 204);
  EXPECT_EQ(call("DELETE", "/volumes/" + name).status, 204);
  auto missing = call("DELETE", "/volumes/" + name);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json_of(missing)["message"], "get " + name + ": no such volume");
  EXPECT_EQ(call("DELETE", "/volumes/" + name + "?force=1").status, 204);
}

TEST_F(VolumeApiTest, CreateListAndPruneWithFilters) {
  std::string used = volume_name("used"), idle = volume_name("idle"), label = "gorae.test=" + idle;
  for (const auto& name : {used, idle}) {
    auto made = call("POST", "/volumes/create", json({{"Name", name}, {"Labels", {{"gorae.test", idle}}}}).dump());
    ASSERT_EQ(made.status, 201) << made.body;
    EXPECT_EQ(json_of(made)["Mountpoint"].get<std::string>().substr(json_of(made)["Mountpoint"].get<std::string>().size() - 6), "/_data");
  }
  auto id = container("head -c 1000 /dev/zero > /d/zeros", {{"Binds", {used + ":/d"}}});
  ASSERT_EQ(run(id).first, 0);
  auto run_idle = container("head -c 4096 /dev/zero > /d/zeros", {{"Binds", {idle + ":/d"}}});
  ASSERT_EQ(run(run_idle).first, 0);
  ASSERT_EQ(remove_container(run_idle, true), 204);

  std::string filters = cli::escape(json({{"label", {label}}, {"dangling", {"true"}}}).dump());
  auto listed = json_of(call("GET", "/volumes?filters=" + filters));
  ASSERT_EQ(listed["Volumes"].size(), 1u) << listed;
  EXPECT_EQ(listed["Volumes"][0]["Name"], idle);
  EXPECT_TRUE(listed["Warnings"].is_null());
  auto by_name = json_of(call("GET", "/volumes?filters=" + cli::escape(json({{"name", {{idle, true}}}}).dump())));
  ASSERT_EQ(by_name["Volumes"].size(), 1u);

  // API 1.41 prunes every unused volume (1.42 and later: anonymous ones only).
  auto pruned = call("POST", "/volumes/prune?filters=" + cli::escape(json({{"label", {label}}}).dump()));
  ASSERT_EQ(pruned.status, 200) << pruned.body;
  EXPECT_EQ(json_of(pruned)["VolumesDeleted"], json::array({idle}));
  EXPECT_EQ(json_of(pruned)["SpaceReclaimed"], 4096);
  EXPECT_EQ(call("GET", "/volumes/" + used).status, 200);
  EXPECT_EQ(call("GET", "/volumes/" + idle).status, 404);
}

TEST_F(VolumeApiTest, InfoNamesTheLocalVolumeDriver) {
  json plugins = json_of(call("GET", "/info"))["Plugins"];
  EXPECT_EQ(plugins["Volume"], json::array({"local"})) << plugins;
}

TEST_F(VolumeApiTest, BadMountsAreRefusedWithDockersMessages) {
  auto create_error = [&](const json& host_config, int status = 400) {
    auto response = call("POST", "/containers/create",
                         json({{"Image", "busybox"}, {"Cmd", {"true"}}, {"HostConfig", host_config}}).dump());
    EXPECT_EQ(response.status, status) << response.body;
    return json_of(response).value("message", "");
  };
  EXPECT_EQ(create_error({{"Mounts", {{{"Type", "bind"}, {"Source", "/no/such/gorae/dir"}, {"Target", "/x"}}}}}),
            "invalid mount config for type \"bind\": bind source path does not exist: /no/such/gorae/dir");
  // dockerd hands a Binds entry's parse error on unwrapped: a 500.
  EXPECT_EQ(create_error({{"Binds", {"/tmp:relative"}}}, 500),
            "invalid volume specification: '/tmp:relative': invalid mount config for type \"bind\": "
            "invalid mount path: 'relative' mount path must be absolute");
  EXPECT_EQ(create_error({{"Binds", {"/tmp:/d", "/var:/d"}}}), "Duplicate mount point: /d");
  auto missing = call("GET", "/volumes/gorae-no-such-volume");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json_of(missing)["message"], "get gorae-no-such-volume: no such volume");
}

TEST_F(VolumeApiTest, AMissingHostDirectoryOfADashVBindIsMade) {
  TempDir host;
  std::string made = host.file("made/by/start");
  auto id = container("touch /m/x", {{"Binds", {made + ":/m"}}});
  ASSERT_EQ(run(id).first, 0);
  EXPECT_TRUE(fs::exists(made + "/x"));
}

// gorae only: which containers use a volume is read back after a restart.
TEST_F(VolumeApiTest, VolumesInUseStayInUseAcrossADaemonRestart) {
  if (!against_gorae()) GTEST_SKIP() << "restarts the daemon under test: gorae only";
  std::string name = volume_name("restart");
  auto id = container("true", {{"Binds", {name + ":/d"}}});
  kill_and_restart_daemon();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(call("DELETE", "/volumes/" + name).status, 409);
  EXPECT_EQ(mounts_of(id).at(0)["Name"], name);
}

}  // namespace
}  // namespace gorae::testing

#endif
