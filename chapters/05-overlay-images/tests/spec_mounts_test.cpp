// config.json's mounts as dockerd writes them for binds, volumes and tmpfs,
// placed after the default mounts and sorted parents first.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gorae/volumes/spec_mounts.hpp"

namespace gorae::volumes {
namespace {

using nlohmann::json;

MountPoint bind(const std::string& source, const std::string& destination, bool rw = true,
                const std::string& propagation = "rprivate") {
  MountPoint mp;
  mp.type = "bind";
  mp.source = source;
  mp.destination = destination;
  mp.rw = rw;
  mp.propagation = propagation;
  return mp;
}

json defaults() {
  return json::parse(R"({"mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts"},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm"}], "linux": {}})");
}

std::string same(const std::string& path) { return path; }

constexpr const char* kPrivateRoot = "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n";
constexpr const char* kSharedData =
    "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
    "40 22 0:50 / /srv/shared\\040dir rw shared:7 - tmpfs tmpfs rw\n"
    "41 22 0:51 / /srv/slave rw master:7 - tmpfs tmpfs rw\n";

TEST(SpecMountsTest, BindsAndVolumesAreRbindsWithDockersOptions) {
  EXPECT_EQ(*oci_mount(bind("/h", "/c")), json::parse(R"({"destination":"/c","type":"bind",
      "source":"/h","options":["rbind","rprivate"]})"));
  EXPECT_EQ((*oci_mount(bind("/h", "/c", false)))["options"], json::parse(R"(["rbind","ro","rprivate"])"));
  MountPoint volume = bind("/var/lib/gorae/volumes/v/_data", "/data", true, "");
  volume.type = "volume";
  EXPECT_EQ((*oci_mount(volume))["options"], json::parse(R"(["rbind"])"));
  MountPoint flat = bind("/h", "/c");
  flat.non_recursive = true;
  EXPECT_EQ((*oci_mount(flat))["options"][0], "bind");
}

TEST(SpecMountsTest, TmpfsOptionsAreMergedOntoDockersDefaults) {
  MountPoint tmpfs;
  tmpfs.type = "tmpfs";
  tmpfs.destination = "/run";
  tmpfs.tmpfs_data = "exec,size=64m,mode=1777,size=32m";
  EXPECT_EQ(*oci_mount(tmpfs), json::parse(R"({"destination":"/run","type":"tmpfs","source":"tmpfs",
      "options":["nosuid","nodev","rprivate","exec","mode=1777","size=32m"]})"));
  tmpfs.tmpfs_data = "";
  EXPECT_EQ((*oci_mount(tmpfs))["options"], json::parse(R"(["noexec","nosuid","nodev","rprivate"])"));
}

TEST(SpecMountsTest, UserMountsComeAfterTheDefaultsParentsFirstAndReplaceTheirDestination) {
  json spec = defaults();
  ASSERT_TRUE(add_mounts({bind("/a", "/data/deep/er"), bind("/b", "/dev/shm"), bind("/c", "/data")}, spec,
                         kPrivateRoot, same));
  std::vector<std::string> order;
  for (const auto& mount : spec["mounts"]) order.push_back(mount["destination"]);
  EXPECT_EQ(order, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/data", "/dev/shm", "/data/deep/er"}));
  EXPECT_EQ(spec["mounts"][4]["source"], "/b");  // the user's, not the default shm
  EXPECT_FALSE(spec["linux"].contains("rootfsPropagation"));
}

TEST(SpecMountsTest, AUserDevTakesEveryDefaultUnderDev) {
  json spec = defaults();
  ASSERT_TRUE(add_mounts({bind("/dev", "/dev")}, spec, kPrivateRoot, same));
  ASSERT_EQ(spec["mounts"].size(), 2u);
  EXPECT_EQ(spec["mounts"][1]["source"], "/dev");
}

TEST(SpecMountsTest, SharedAndSlaveBindsNeedSuchASourceAndSetTheRootPropagation) {
  json spec = defaults();
  auto refused = add_mounts({bind("/srv/private", "/x", true, "rshared")}, spec, kSharedData, same);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().what(), "path /srv/private is mounted on / but it is not a shared mount");

  spec = defaults();
  ASSERT_TRUE(add_mounts({bind("/srv/shared dir/x", "/x", true, "rshared")}, spec, kSharedData, same));
  EXPECT_EQ(spec["linux"]["rootfsPropagation"], "shared");

  spec = defaults();
  ASSERT_TRUE(add_mounts({bind("/srv/slave", "/x", true, "rslave")}, spec, kSharedData, same));
  EXPECT_EQ(spec["linux"]["rootfsPropagation"], "rslave");
  spec = defaults();
  EXPECT_EQ(add_mounts({bind("/srv/slave", "/x", true, "rshared")}, spec, kSharedData, same).error().what(),
            "path /srv/slave is mounted on /srv/slave but it is not a shared mount");
}

TEST(SpecMountsTest, NoMountsLeaveTheSpecAlone) {
  json spec = defaults();
  ASSERT_TRUE(add_mounts({}, spec, kPrivateRoot, same));
  EXPECT_EQ(spec, defaults());
}

}  // namespace
}  // namespace gorae::volumes
