// config.json as chapter 03 reads it, and as its contributors write it: the
// document the daemon builds for a request must be one the runtime reads,
// and a broken one must say which field is wrong.

#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "../src/mount_options.hpp"
#include "gorae/engine/isolation.hpp"
#include "gorae/runtime/linux_spec.hpp"
#include "gorae/security/capabilities.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::runtime {
namespace {

using nlohmann::json;

class LinuxSpecTest : public ::testing::Test {
 protected:
  /// What goraed-ch03 writes for a container with this HostConfig.
  Result<json> contributed(const json& host_config, const std::string& hostname = "box") {
    BundleSpec base;
    base.root_path = "/rootfs";
    base.hostname = hostname;
    base.process.args = {"sh"};
    json spec = bundle_document(base);
    engine::Container container;
    container.host_config = host_config.dump();
    for (const auto& contribute : engine::isolation_contributors())
      GORAE_TRY(contribute(container, spec));
    return spec;
  }

  Result<LinuxSpec> load(const json& spec) {
    std::ofstream(dir_.file("config.json")) << spec.dump();
    return load_linux_bundle(dir_.path());
  }

  std::string load_error(const json& spec) {
    auto loaded = load(spec);
    return loaded ? "(loaded)" : loaded.error().what();
  }

  testing::TempDir dir_;
};

TEST_F(LinuxSpecTest, TheDaemonsDefaultSpecReadsBack) {
  auto spec = contributed(json::object());
  ASSERT_TRUE(spec) << spec.error().what();
  auto loaded = load(*spec);
  ASSERT_TRUE(loaded) << loaded.error().what();
  for (int flag : {CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWCGROUP})
    EXPECT_TRUE(loaded->has_namespace(flag)) << flag;
  EXPECT_FALSE(loaded->has_namespace(CLONE_NEWUSER));
  EXPECT_EQ(loaded->base.hostname, "box");
  ASSERT_TRUE(loaded->capabilities.has_value());
  EXPECT_EQ(loaded->capabilities->bounding.size(), 14u);
  EXPECT_TRUE(loaded->capabilities->inheritable.empty()) << "Docker 23+ leaves it empty";
  EXPECT_EQ(loaded->masked_paths, engine::default_masked_paths());
  EXPECT_EQ(loaded->readonly_paths, engine::default_readonly_paths());
  EXPECT_FALSE(loaded->seccomp_json.empty());
  EXPECT_FALSE(loaded->root_readonly);
  std::vector<std::string> destinations;
  for (const auto& mount : loaded->mounts) destinations.push_back(mount.destination);
  EXPECT_EQ(destinations, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/sys", "/dev/mqueue",
                                                     "/dev/shm"}));
}

TEST_F(LinuxSpecTest, HostModesLeaveTheirNamespaceOut) {
  auto spec = contributed({{"PidMode", "host"}, {"UTSMode", "host"}, {"IpcMode", "host"},
                           {"NetworkMode", "host"}, {"CgroupnsMode", "host"}});
  ASSERT_TRUE(spec) << spec.error().what();
  EXPECT_EQ((*spec)["linux"]["namespaces"], json::array({{{"type", "mount"}}}));
  EXPECT_FALSE(spec->contains("hostname")) << "runc refuses a hostname without a UTS namespace";
  auto loaded = load(*spec);
  EXPECT_TRUE(loaded) << loaded.error().what();
}

TEST_F(LinuxSpecTest, PrivilegedDropsTheFenceButNotTheNamespaces) {
  auto spec = contributed({{"Privileged", true}});
  ASSERT_TRUE(spec) << spec.error().what();
  EXPECT_FALSE((*spec)["linux"].contains("seccomp"));
  EXPECT_FALSE((*spec)["linux"].contains("maskedPaths"));
  EXPECT_FALSE((*spec)["linux"].contains("readonlyPaths"));
  EXPECT_EQ((*spec)["linux"]["namespaces"].size(), 6u);
  EXPECT_EQ((*spec)["process"]["capabilities"]["bounding"], json(security::held_capabilities()));
}

TEST_F(LinuxSpecTest, RequestOptionsReachTheSpec) {
  auto spec = contributed({{"ReadonlyRootfs", true},
                           {"SecurityOpt", {"seccomp=unconfined", "no-new-privileges"}},
                           {"Ulimits", {{{"Name", "nofile"}, {"Soft", 10}, {"Hard", 20}}}},
                           {"ShmSize", 1048576}});
  ASSERT_TRUE(spec) << spec.error().what();
  EXPECT_EQ((*spec)["root"]["readonly"], true);
  EXPECT_EQ((*spec)["process"]["noNewPrivileges"], true);
  EXPECT_FALSE((*spec)["linux"].contains("seccomp"));
  EXPECT_EQ((*spec)["process"]["rlimits"],
            json::parse(R"([{"type":"RLIMIT_NOFILE","soft":10,"hard":20}])"));
  EXPECT_EQ((*spec)["mounts"].back()["options"].back(), "size=1048576");
  auto loaded = load(*spec);
  ASSERT_TRUE(loaded) << loaded.error().what();
  ASSERT_EQ(loaded->rlimits.size(), 1u);
  EXPECT_EQ(loaded->rlimits[0].resource, RLIMIT_NOFILE);
}

TEST_F(LinuxSpecTest, RequestsThatCannotBeHonouredAreInvalidArguments) {
  for (const json& host_config :
       {json{{"PidMode", "sideways"}}, json{{"IpcMode", "container:other"}}, json{{"CapAdd", {"NOPE"}}},
        json{{"SecurityOpt", {"seccomp={"}}}, json{{"Ulimits", {{{"Name", "bogus"}, {"Soft", 1}, {"Hard", 1}}}}},
        json{{"OomScoreAdj", 5000}}}) {
    auto spec = contributed(host_config);
    ASSERT_FALSE(spec) << host_config.dump();
    EXPECT_EQ(spec.error().kind(), Errc::invalid_argument) << host_config.dump();
  }
}

TEST_F(LinuxSpecTest, BrokenFieldsAreNamed) {
  auto base = contributed(json::object());
  ASSERT_TRUE(base);
  json unknown_ns = *base;
  unknown_ns["linux"]["namespaces"].push_back({{"type", "time-travel"}});
  EXPECT_NE(load_error(unknown_ns).find("linux.namespaces[6].type: unknown namespace type \"time-travel\""),
            std::string::npos)
      << load_error(unknown_ns);
  json twice = *base;
  twice["linux"]["namespaces"].push_back({{"type", "pid"}});
  EXPECT_NE(load_error(twice).find("listed twice"), std::string::npos) << load_error(twice);
  json relative = *base;
  relative["mounts"][0]["destination"] = "proc";
  EXPECT_NE(load_error(relative).find("mounts[0].destination"), std::string::npos) << load_error(relative);
  json hostname_alone = *base;
  hostname_alone["linux"]["namespaces"] = json::array({{{"type", "mount"}}});
  EXPECT_NE(load_error(hostname_alone).find("hostname: set without a new UTS namespace"), std::string::npos)
      << load_error(hostname_alone);
  json bad_rlimit = *base;
  bad_rlimit["process"]["rlimits"] = json::parse(R"([{"type":"RLIMIT_NOFILE","soft":5,"hard":1}])");
  EXPECT_NE(load_error(bad_rlimit).find("process.rlimits[0]"), std::string::npos) << load_error(bad_rlimit);
  json maps_alone = *base;
  maps_alone["linux"]["uidMappings"] = json::parse(R"([{"containerID":0,"hostID":1000,"size":1}])");
  EXPECT_NE(load_error(maps_alone).find("without a user namespace"), std::string::npos);
}

TEST(MountOptions, FlagsPropagationAndData) {
  auto dev = parse_mount_options("tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"});
  EXPECT_EQ(dev.flags, static_cast<unsigned long>(MS_NOSUID | MS_STRICTATIME));
  EXPECT_EQ(dev.data, "mode=755,size=65536k");
  EXPECT_FALSE(dev.bind);
  auto bind = parse_mount_options("bind", {"rbind", "ro", "rprivate"});
  EXPECT_TRUE(bind.bind);
  EXPECT_TRUE(bind.readonly);
  EXPECT_EQ(bind.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY));
  EXPECT_EQ(bind.propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
  auto rw = parse_mount_options("sysfs", {"ro", "rw", "nodev", "dev"});
  EXPECT_EQ(rw.flags, 0ul) << "a later option undoes an earlier one";
}

}  // namespace
}  // namespace gorae::runtime
