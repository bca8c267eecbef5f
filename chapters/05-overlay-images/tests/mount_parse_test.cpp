// -v strings, --mount objects and HostConfig.Tmpfs read as dockerd reads
// them; the messages are dockerd's (volume/mounts/linux_parser.go).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "gorae/volumes/mount_point.hpp"

namespace gorae::volumes {
namespace {

using nlohmann::json;

std::string bind_error(const std::string& raw) {
  auto parsed = parse_bind(raw);
  EXPECT_FALSE(parsed) << raw;
  if (parsed) return "";
  EXPECT_EQ(parsed.error().kind(), Errc::invalid_argument);
  return parsed.error().what();
}

PathExists only(std::set<std::string> paths) {
  return [paths](const std::string& path) { return paths.count(path) > 0; };
}

std::string mount_error(const std::string& object, const PathExists& exists = only({})) {
  auto parsed = parse_mount(json::parse(object), exists);
  EXPECT_FALSE(parsed) << object;
  return parsed ? "" : parsed.error().what();
}

TEST(MountParseTest, BindsAreAbsoluteSourcesAndVolumesTheRest) {
  auto bind = parse_bind("/host/dir/:/data:ro");
  ASSERT_TRUE(bind) << bind.error().what();
  EXPECT_EQ(bind->type, "bind");
  EXPECT_EQ(bind->source, "/host/dir");
  EXPECT_EQ(bind->destination, "/data");
  EXPECT_EQ(bind->mode, "ro");
  EXPECT_FALSE(bind->rw);
  EXPECT_EQ(bind->propagation, "rprivate");
  EXPECT_TRUE(bind->create_source);  // -v makes a missing host directory

  auto named = parse_bind("cache:/var/cache");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->type, "volume");
  EXPECT_EQ(named->name, "cache");
  EXPECT_FALSE(named->anonymous);
  EXPECT_TRUE(named->copy_data);
  EXPECT_TRUE(named->rw);
  EXPECT_EQ(named->propagation, "");

  auto anonymous = parse_bind("/scratch");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->type, "volume");
  EXPECT_TRUE(anonymous->anonymous);
  EXPECT_EQ(anonymous->destination, "/scratch");
}

TEST(MountParseTest, ModeWordsOfEachKind) {
  auto mp = parse_bind("data:/d:ro,nocopy");
  ASSERT_TRUE(mp) << mp.error().what();
  EXPECT_FALSE(mp->rw);
  EXPECT_FALSE(mp->copy_data);
  EXPECT_EQ(mp->mode, "ro,nocopy");
  auto shared = parse_bind("/mnt:/mnt:rshared,z");
  ASSERT_TRUE(shared) << shared.error().what();
  EXPECT_EQ(shared->propagation, "rshared");
  EXPECT_TRUE(parse_bind("/a:/b:rw,Z,delegated"));
}

TEST(MountParseTest, BindErrorsAreDockers) {
  EXPECT_EQ(bind_error(":/data"), "invalid volume specification: ':/data'");
  EXPECT_EQ(bind_error("/data:ro"), "invalid volume specification: '/data:ro'");
  EXPECT_EQ(bind_error("/a:/b:c:d"), "invalid volume specification: '/a:/b:c:d'");
  EXPECT_EQ(bind_error("/a:/b:rx"), "invalid mode: rx");
  EXPECT_EQ(bind_error("/a:/b:ro,rw"), "invalid mode: ro,rw");
  EXPECT_EQ(bind_error("/host:relative"),
            "invalid volume specification: '/host:relative': invalid mount config for type "
            "\"bind\": invalid mount path: 'relative' mount path must be absolute");
  EXPECT_EQ(bind_error("/host:/"),
            "invalid volume specification: '/host:/': invalid mount config for type \"bind\": "
            "invalid specification: destination can't be '/'");
  EXPECT_EQ(bind_error("/host:/x:nocopy"),
            "invalid volume specification: '/host:/x:nocopy': invalid mount config for type "
            "\"bind\": field VolumeOptions must not be specified");
  EXPECT_EQ(bind_error("vol:/x:rshared"),
            "invalid volume specification: 'vol:/x:rshared': invalid mount config for type "
            "\"volume\": field BindOptions must not be specified");
}

TEST(MountParseTest, MountObjects) {
  auto bind = parse_mount(json::parse(R"({"Type":"bind","Source":"/srv","Target":"/srv/",
      "ReadOnly":true,"BindOptions":{"Propagation":"rslave","NonRecursive":true}})"), only({"/srv"}));
  ASSERT_TRUE(bind) << bind.error().what();
  EXPECT_EQ(bind->destination, "/srv");
  EXPECT_FALSE(bind->rw);
  EXPECT_EQ(bind->mode, "");
  EXPECT_EQ(bind->propagation, "rslave");
  EXPECT_TRUE(bind->non_recursive);
  EXPECT_FALSE(bind->create_source);

  auto volume = parse_mount(json::parse(R"({"Type":"volume","Source":"v1","Target":"/d",
      "VolumeOptions":{"NoCopy":true,"Labels":{"a":"b"},"DriverConfig":{"Name":"local","Options":{"o":"x"}}}})"),
                            only({}));
  ASSERT_TRUE(volume) << volume.error().what();
  EXPECT_EQ(volume->name, "v1");
  EXPECT_FALSE(volume->copy_data);
  EXPECT_EQ(volume->volume_labels, (std::map<std::string, std::string>{{"a", "b"}}));
  EXPECT_EQ(volume->volume_options, (std::map<std::string, std::string>{{"o", "x"}}));
  EXPECT_EQ(volume->volume_driver, "local");

  auto tmpfs = parse_mount(json::parse(R"({"Type":"tmpfs","Target":"/t",
      "TmpfsOptions":{"SizeBytes":16384,"Mode":1016}})"), only({}));
  ASSERT_TRUE(tmpfs) << tmpfs.error().what();
  EXPECT_EQ(tmpfs->tmpfs_data, "mode=1770,size=16k");
  EXPECT_TRUE(tmpfs->listed);
}

TEST(MountParseTest, MountObjectErrorsAreDockers) {
  EXPECT_EQ(mount_error(R"({"Type":"bind","Source":"/x","Target":"/y"})"),
            "invalid mount config for type \"bind\": bind source path does not exist: /x");
  // CreateMountpoint asks for the source to be made instead.
  EXPECT_TRUE(parse_mount(json::parse(R"({"Type":"bind","Source":"/x","Target":"/y",
      "BindOptions":{"CreateMountpoint":true}})"), only({})));
  EXPECT_EQ(mount_error(R"({"Type":"bind","Target":"/y"})"),
            "invalid mount config for type \"bind\": field Source must not be empty");
  EXPECT_EQ(mount_error(R"({"Type":"volume","Source":"v"})"),
            "invalid mount config for type \"volume\": field Target must not be empty");
  EXPECT_EQ(mount_error(R"({"Type":"volume","Target":"/d","ReadOnly":true})"),
            "invalid mount config for type \"volume\": must not set ReadOnly mode when using "
            "anonymous volumes");
  EXPECT_EQ(mount_error(R"({"Type":"tmpfs","Source":"x","Target":"/t"})"),
            "invalid mount config for type \"tmpfs\": field Source must not be specified");
  EXPECT_EQ(mount_error(R"({"Type":"bind","Source":"/x","Target":"/y","BindOptions":{"Propagation":"up"}})",
                        only({"/x"})),
            "invalid mount config for type \"bind\": invalid propagation mode: up");
  EXPECT_EQ(mount_error(R"({"Type":"npipe","Source":"x","Target":"/y"})"),
            "invalid mount config for type \"npipe\": mount type unknown");
  EXPECT_EQ(mount_error(R"({"Type":"bind","ReadOnly":"yes","Target":"/y"})"),
            "json: cannot unmarshal string into Go struct field Mount.HostConfig.Mounts.ReadOnly of type bool");
}

TEST(MountParseTest, HostConfigRefusesTwoMountsOnOnePath) {
  auto twice = parse_host_config(json::parse(R"({"Binds":["a:/d"],"Mounts":[{"Type":"volume","Target":"/d/"}]})"),
                                 only({}));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().what(), "Duplicate mount point: /d/");
  auto tmpfs = parse_host_config(json::parse(R"({"Binds":["/h:/run"],"Tmpfs":{"/run":""}})"), only({}));
  ASSERT_FALSE(tmpfs);
  EXPECT_EQ(tmpfs.error().what(), "Duplicate mount point: /run");

  auto all = parse_host_config(json::parse(R"({"Binds":["/h:/a"],"Mounts":[{"Type":"tmpfs","Target":"/b"}],
      "Tmpfs":{"/c":"size=1m"}})"), only({}));
  ASSERT_TRUE(all) << all.error().what();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].tmpfs_data, "size=1m");
  EXPECT_FALSE((*all)[2].listed);
}

TEST(MountParseTest, ABindsErrorInAHostConfigIsDockerds500) {
  auto bad = parse_host_config(json::parse(R"({"Binds":["/h:rel"]})"), only({}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), Errc::internal);
  auto mount = parse_host_config(json::parse(R"({"Mounts":[{"Type":"bind","Source":"/no","Target":"/x"}]})"), only({}));
  EXPECT_EQ(mount.error().kind(), Errc::invalid_argument);
}

TEST(MountParseTest, TmpfsDataPicksTheLargestUnitThatDivides) {
  EXPECT_EQ(tmpfs_data(false, 0, 0), "");
  EXPECT_EQ(tmpfs_data(true, 0, 64LL << 20), "ro,size=64m");
  EXPECT_EQ(tmpfs_data(false, 01777, 1LL << 30), "mode=1777,size=1g");
  EXPECT_EQ(tmpfs_data(false, 0, 1000), "size=1000");
  EXPECT_FALSE(parse_tmpfs("relative", ""));
  EXPECT_EQ(parse_tmpfs("/run", "rw,bogus").error().what(), "invalid tmpfs option [\"bogus\"]");
}

}  // namespace
}  // namespace gorae::volumes
