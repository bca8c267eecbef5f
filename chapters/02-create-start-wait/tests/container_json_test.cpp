// The container record as JSON: the on-disk record, the create bodies real
// clients send (copied from /work/shared/api-captures), and the inspect and
// list answers in dockerd 1.41's shape.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "gorae/engine/container.hpp"

namespace gorae::engine {
namespace {

using nlohmann::json;
using namespace std::chrono;
using namespace std::chrono_literals;

// `docker create busybox:local echo hi`, CLI 28.2.2 (api-captures/04).
const char* kCli28Body = R"json({
 "Hostname": "",
 "Domainname": "",
 "User": "",
 "AttachStdin": false,
 "AttachStdout": true,
 "AttachStderr": true,
 "Tty": false,
 "OpenStdin": false,
 "StdinOnce": false,
 "Env": null,
 "Cmd": [
  "echo",
  "hi"
 ],
 "Image": "busybox:local",
 "Volumes": {},
 "WorkingDir": "",
 "Entrypoint": null,
 "OnBuild": null,
 "Labels": {},
 "HostConfig": {
  "Binds": null,
  "ContainerIDFile": "",
  "LogConfig": {
   "Type": "",
   "Config": {}
  },
  "NetworkMode": "default",
  "PortBindings": {},
  "RestartPolicy": {
   "Name": "no",
   "MaximumRetryCount": 0
  },
  "AutoRemove": false,
  "VolumeDriver": "",
  "VolumesFrom": null,
  "ConsoleSize": [
   0,
   0
  ],
  "CapAdd": null,
  "CapDrop": null,
  "CgroupnsMode": "",
  "Dns": [],
  "DnsOptions": [],
  "DnsSearch": [],
  "ExtraHosts": null,
  "GroupAdd": null,
  "IpcMode": "",
  "Cgroup": "",
  "Links": null,
  "OomScoreAdj": 0,
  "PidMode": "",
  "Privileged": false,
  "PublishAllPorts": false,
  "ReadonlyRootfs": false,
  "SecurityOpt": null,
  "UTSMode": "",
  "UsernsMode": "",
  "ShmSize": 0,
  "Isolation": "",
  "CpuShares": 0,
  "Memory": 0,
  "NanoCpus": 0,
  "CgroupParent": "",
  "BlkioWeight": 0,
  "BlkioWeightDevice": [],
  "BlkioDeviceReadBps": [],
  "BlkioDeviceWriteBps": [],
  "BlkioDeviceReadIOps": [],
  "BlkioDeviceWriteIOps": [],
  "CpuPeriod": 0,
  "CpuQuota": 0,
  "CpuRealtimePeriod": 0,
  "CpuRealtimeRuntime": 0,
  "CpusetCpus": "",
  "CpusetMems": "",
  "Devices": [],
  "DeviceCgroupRules": null,
  "DeviceRequests": null,
  "MemoryReservation": 0,
  "MemorySwap": 0,
  "MemorySwappiness": -1,
  "OomKillDisable": false,
  "PidsLimit": 0,
  "Ulimits": [],
  "CpuCount": 0,
  "CpuPercent": 0,
  "IOMaximumIOps": 0,
  "IOMaximumBandwidth": 0,
  "MaskedPaths": null,
  "ReadonlyPaths": null
 },
 "NetworkingConfig": {
  "EndpointsConfig": {
   "default": {
    "IPAMConfig": null,
    "Links": null,
    "Aliases": null,
    "MacAddress": "",
    "DriverOpts": null,
    "GwPriority": 0,
    "NetworkID": "",
    "EndpointID": "",
    "Gateway": "",
    "IPAddress": "",
    "IPPrefixLen": 0,
    "IPv6Gateway": "",
    "GlobalIPv6Address": "",
    "GlobalIPv6PrefixLen": 0,
    "DNSNames": null
   }
  }
 }
})json";

// CLI 20.10.24's body for the same command. The capture (api-captures/17)
// trims it after "Tty"; this is the 28.2.2 body with the differences the
// checklist records (§8): no endpoint details under NetworkingConfig, and the
// KernelMemory fields that 28.2.2 no longer sends.
const char* kCli2010Body = R"json({
 "Hostname": "", "Domainname": "", "User": "",
 "AttachStdin": false, "AttachStdout": true, "AttachStderr": true,
 "Tty": false, "OpenStdin": false, "StdinOnce": false,
 "Env": null, "Cmd": ["echo", "hi"], "Image": "busybox:local",
 "Volumes": {}, "WorkingDir": "", "Entrypoint": null, "OnBuild": null, "Labels": {},
 "HostConfig": {
  "Binds": null, "ContainerIDFile": "", "LogConfig": {"Type": "", "Config": {}},
  "NetworkMode": "default", "PortBindings": {},
  "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
  "AutoRemove": true, "VolumeDriver": "", "VolumesFrom": null, "CapAdd": null, "CapDrop": null,
  "CgroupnsMode": "", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": null,
  "GroupAdd": null, "IpcMode": "", "Cgroup": "", "Links": null, "OomScoreAdj": 0, "PidMode": "",
  "Privileged": false, "PublishAllPorts": false, "ReadonlyRootfs": false, "SecurityOpt": null,
  "UTSMode": "", "UsernsMode": "", "ShmSize": 0, "ConsoleSize": [0, 0], "Isolation": "",
  "CpuShares": 0, "Memory": 0, "NanoCpus": 0, "CgroupParent": "", "BlkioWeight": 0,
  "BlkioWeightDevice": [], "BlkioDeviceReadBps": null, "BlkioDeviceWriteBps": null,
  "BlkioDeviceReadIOps": null, "BlkioDeviceWriteIOps": null, "CpuPeriod": 0, "CpuQuota": 0,
  "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "",
  "Devices": [], "DeviceCgroupRules": null, "DeviceRequests": null, "KernelMemory": 0,
  "KernelMemoryTCP": 0, "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": -1,
  "OomKillDisable": false, "PidsLimit": 0, "Ulimits": null, "CpuCount": 0, "CpuPercent": 0,
  "IOMaximumIOps": 0, "IOMaximumBandwidth": 0, "MaskedPaths": null, "ReadonlyPaths": null
 },
 "NetworkingConfig": {"EndpointsConfig": {}}
})json";

// docker-py 5.0.3: containers.run('busybox:local', 'echo hi') and
// containers.create(..., name='sdkdet') (api-captures/18), byte for byte.
const char* kSdkRunBody =
    R"json({"Tty": false, "OpenStdin": false, "StdinOnce": false, "AttachStdin": false, "AttachStdout": true, "AttachStderr": true, "Cmd": ["echo", "hi"], "Image": "busybox:local", "NetworkDisabled": false, "HostConfig": {"NetworkMode": "default"}})json";
const char* kSdkDetachedBody =
    R"json({"Tty": false, "OpenStdin": false, "StdinOnce": false, "AttachStdin": false, "AttachStdout": false, "AttachStderr": false, "Cmd": ["sh", "-c", "echo o; echo e >&2"], "Image": "busybox:local", "NetworkDisabled": false, "HostConfig": {"NetworkMode": "default"}})json";

const std::string kId = "07672532ea87021048151323cf6cb2b409d2070b7736940bd61cbbfd40ee2469";
const std::string kImageId =
    "sha256:630ca160d2276fffddcf8c6f31f04dcb74498eb33bbbb10fe03e69f680818442";

Clock::time_point utc(int y, unsigned mo, unsigned d, hours h, minutes mi, seconds s,
                      nanoseconds ns = 0ns) {
  return time_point_cast<Clock::duration>(
      sys_days{year{y} / month{mo} / day{d}} + h + mi + s + ns);
}

// Every field set to something other than its default.
Container full_container() {
  Container c;
  c.id = kId;
  c.name = "reverent_pasteur";
  c.created = utc(2026, 11, 23, 22h, 45min, 56s, 232076429ns);
  c.path = "sh";
  c.args = {"-c", "echo 'a b'"};
  c.image_id = kImageId;
  c.config.image = "busybox:local";
  c.config.cmd = {"-c", "echo 'a b'"};
  c.config.entrypoint = std::vector<std::string>{"sh"};
  c.config.env = {"PATH=/usr/bin:/bin", "GREETING=hello world", "EMPTY="};
  c.config.working_dir = "/tmp";
  c.config.user = "1000:1000";
  c.config.hostname = "box";
  c.config.domainname = "example.org";
  c.config.tty = c.config.open_stdin = c.config.stdin_once = true;
  c.config.attach_stdin = c.config.attach_stdout = c.config.attach_stderr = true;
  c.config.labels = {{"org.example.team", "runtime"}, {"empty", ""}};
  c.config.volumes = {"/data", "/var/cache"};
  // Odd spacing and key order on purpose: the text must come back as it was.
  c.host_config = R"({ "NetworkMode":"default",  "AutoRemove":true, "Binds":null })";
  c.auto_remove = true;
  c.state.status = RunStatus::exited;
  c.state.pid = 0;
  c.state.exit_code = 137;
  c.state.oom_killed = true;
  c.state.error = "killed: ünïcode too";
  c.state.started_at = utc(2026, 11, 23, 22h, 46min, 16s, 154502950ns);
  c.state.finished_at = utc(2026, 11, 23, 22h, 46min, 17s);
  c.restart_count = 2;
  c.log_path = "/var/lib/gorae/containers/" + kId + "/" + kId + "-json.log";
  c.bundle_dir = "/var/lib/gorae/containers/" + kId + "/bundle";
  return c;
}

void expect_same(const Container& a, const Container& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.args, b.args);
  EXPECT_EQ(a.image_id, b.image_id);
  EXPECT_EQ(a.config.image, b.config.image);
  EXPECT_EQ(a.config.cmd, b.config.cmd);
  EXPECT_EQ(a.config.entrypoint, b.config.entrypoint);
  EXPECT_EQ(a.config.env, b.config.env);
  EXPECT_EQ(a.config.working_dir, b.config.working_dir);
  EXPECT_EQ(a.config.user, b.config.user);
  EXPECT_EQ(a.config.hostname, b.config.hostname);
  EXPECT_EQ(a.config.domainname, b.config.domainname);
  EXPECT_EQ(a.config.tty, b.config.tty);
  EXPECT_EQ(a.config.open_stdin, b.config.open_stdin);
  EXPECT_EQ(a.config.stdin_once, b.config.stdin_once);
  EXPECT_EQ(a.config.attach_stdin, b.config.attach_stdin);
  EXPECT_EQ(a.config.attach_stdout, b.config.attach_stdout);
  EXPECT_EQ(a.config.attach_stderr, b.config.attach_stderr);
  EXPECT_EQ(a.config.labels, b.config.labels);
  EXPECT_EQ(a.config.volumes, b.config.volumes);
  EXPECT_EQ(a.host_config, b.host_config);
  EXPECT_EQ(a.auto_remove, b.auto_remove);
  EXPECT_EQ(a.state.status, b.state.status);
  EXPECT_EQ(a.state.pid, b.state.pid);
  EXPECT_EQ(a.state.exit_code, b.state.exit_code);
  EXPECT_EQ(a.state.oom_killed, b.state.oom_killed);
  EXPECT_EQ(a.state.error, b.state.error);
  EXPECT_EQ(a.state.started_at, b.state.started_at);
  EXPECT_EQ(a.state.finished_at, b.state.finished_at);
  EXPECT_EQ(a.restart_count, b.restart_count);
  EXPECT_EQ(a.log_path, b.log_path);
  EXPECT_EQ(a.bundle_dir, b.bundle_dir);
}

Container round_trip(const Container& container) {
  return json::parse(json(container).dump()).get<Container>();
}

ContainerConfig parse_ok(const std::string& body, std::string* host = nullptr) {
  auto parsed = parse_create_body(body);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().what());
  if (!parsed) return {};
  if (host) *host = parsed->second;
  return parsed->first;
}

// ---------------------------------------------------------------- record

TEST(ContainerJsonTest, RecordRoundTripsExactly) {
  Container original = full_container();
  Container back = round_trip(original);
  expect_same(original, back);
  EXPECT_EQ(json(back).dump(), json(original).dump());
}

TEST(ContainerJsonTest, RecordKeepsNullEntrypointApartFromEmpty) {
  Container c = full_container();
  c.config.entrypoint = std::nullopt;
  EXPECT_TRUE(json(c)["Config"]["Entrypoint"].is_null());
  EXPECT_FALSE(round_trip(c).config.entrypoint.has_value());

  c.config.entrypoint = std::vector<std::string>{};
  EXPECT_EQ(json(c)["Config"]["Entrypoint"], json::array());
  auto back = round_trip(c).config.entrypoint;
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->empty());
}

TEST(ContainerJsonTest, RecordKeepsUnsetTimesUnset) {
  Container c = full_container();
  c.state = State{};
  json record = c;
  EXPECT_TRUE(record["State"]["StartedAt"].is_null());
  EXPECT_TRUE(record["State"]["FinishedAt"].is_null());
  Container back = round_trip(c);
  EXPECT_FALSE(back.state.started_at);
  EXPECT_FALSE(back.state.finished_at);
  EXPECT_EQ(back.state.status, RunStatus::created);
}

TEST(ContainerJsonTest, RecordTimesAreRfc3339NanoInUtc) {
  json record = full_container();
  EXPECT_EQ(record["Created"], "2026-11-23T22:45:56.232076429Z");
  // Go drops trailing zeros, and the whole fraction when it is zero.
  EXPECT_EQ(record["State"]["StartedAt"], "2026-11-23T22:46:16.15450295Z");
  EXPECT_EQ(record["State"]["FinishedAt"], "2026-11-23T22:46:17Z");

  // Offsets and Go's zero time are understood when reading.
  record["Created"] = "2026-11-23T23:45:56.232076429+01:00";
  record["State"]["StartedAt"] = "0001-01-01T00:00:00Z";
  Container back = record.get<Container>();
  EXPECT_EQ(back.created, full_container().created);
  EXPECT_FALSE(back.state.started_at);
}

TEST(ContainerJsonTest, ARecordThatIsNotOursThrows) {
  json good = full_container();
  auto broken = [&](auto change) {
    json record = good;
    change(record);
    return record;
  };
  EXPECT_THROW(broken([](json& r) { r.erase("Id"); }).get<Container>(), std::exception);
  EXPECT_THROW(broken([](json& r) { r["State"]["Status"] = "sleeping"; }).get<Container>(),
               std::exception);
  EXPECT_THROW(broken([](json& r) { r["Created"] = "yesterday"; }).get<Container>(),
               std::exception);
  EXPECT_THROW(broken([](json& r) { r["Created"] = "2026-02-30T00:00:00Z"; }).get<Container>(),
               std::exception);
  EXPECT_THROW(broken([](json& r) { r["State"]["Pid"] = "12"; }).get<Container>(),
               std::exception);
  EXPECT_THROW(broken([](json& r) { r["Config"] = json::array(); }).get<Container>(),
               std::exception);
}

// ---------------------------------------------------------------- create body

TEST(ContainerJsonTest, ParsesTheCli28Body) {
  std::string host;
  ContainerConfig config = parse_ok(kCli28Body, &host);
  EXPECT_EQ(config.image, "busybox:local");
  EXPECT_EQ(config.cmd, (std::vector<std::string>{"echo", "hi"}));
  EXPECT_FALSE(config.entrypoint.has_value());
  EXPECT_TRUE(config.env.empty());
  EXPECT_TRUE(config.labels.empty());
  EXPECT_EQ(config.hostname, "");
  EXPECT_EQ(config.working_dir, "");
  EXPECT_FALSE(config.attach_stdin);
  EXPECT_TRUE(config.attach_stdout);
  EXPECT_TRUE(config.attach_stderr);
  EXPECT_FALSE(config.tty);
  EXPECT_FALSE(config.open_stdin);
  // HostConfig is kept whole, for the chapters that read more of it.
  EXPECT_EQ(json::parse(host), json::parse(kCli28Body)["HostConfig"]);
}

TEST(ContainerJsonTest, ParsesTheCli2010Body) {
  std::string host;
  ContainerConfig config = parse_ok(kCli2010Body, &host);
  EXPECT_EQ(config.image, "busybox:local");
  EXPECT_EQ(config.cmd, (std::vector<std::string>{"echo", "hi"}));
  EXPECT_FALSE(config.entrypoint.has_value());
  EXPECT_EQ(json::parse(host)["AutoRemove"], true);
  EXPECT_EQ(json::parse(host)["KernelMemory"], 0);
}

TEST(ContainerJsonTest, ParsesThePythonSdkBodies) {
  std::string host;
  ContainerConfig run = parse_ok(kSdkRunBody, &host);
  EXPECT_EQ(run.image, "busybox:local");
  EXPECT_EQ(run.cmd, (std::vector<std::string>{"echo", "hi"}));
  EXPECT_TRUE(run.attach_stdout);
  EXPECT_FALSE(run.entrypoint.has_value());
  EXPECT_EQ(host, R"({"NetworkMode":"default"})");

  ContainerConfig detached = parse_ok(kSdkDetachedBody);
  EXPECT_EQ(detached.cmd, (std::vector<std::string>{"sh", "-c", "echo o; echo e >&2"}));
  EXPECT_FALSE(detached.attach_stdout);
  EXPECT_FALSE(detached.attach_stderr);
}

TEST(ContainerJsonTest, EveryMissingFieldDefaults) {
  std::string host;
  ContainerConfig config = parse_ok(R"({"Image":"busybox"})", &host);
  EXPECT_EQ(config.image, "busybox");
  EXPECT_TRUE(config.cmd.empty());
  EXPECT_FALSE(config.entrypoint.has_value());
  EXPECT_TRUE(config.env.empty());
  EXPECT_TRUE(config.labels.empty());
  EXPECT_EQ(config.user, "");
  EXPECT_EQ(config.domainname, "");
  EXPECT_FALSE(config.tty || config.open_stdin || config.stdin_once);
  EXPECT_FALSE(config.attach_stdin || config.attach_stdout || config.attach_stderr);
  EXPECT_EQ(host, "{}");
  EXPECT_EQ(parse_ok("{}").image, "");
}

TEST(ContainerJsonTest, NullsMeanDefaults) {
  std::string host;
  ContainerConfig config = parse_ok(
      R"({"Image":"busybox","Cmd":null,"Entrypoint":null,"Env":null,"Labels":null,
          "Tty":null,"User":null,"HostConfig":null})",
      &host);
  EXPECT_TRUE(config.cmd.empty());
  EXPECT_FALSE(config.entrypoint.has_value());
  EXPECT_TRUE(config.env.empty());
  EXPECT_FALSE(config.tty);
  EXPECT_EQ(host, "{}");
}

TEST(ContainerJsonTest, EntrypointNullIsNotEntrypointEmpty) {
  EXPECT_FALSE(parse_ok(R"({"Entrypoint":null})").entrypoint.has_value());
  auto empty = parse_ok(R"({"Entrypoint":[]})").entrypoint;
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  // Docker's StrSlice also takes a single string.
  EXPECT_EQ(parse_ok(R"({"Entrypoint":"/bin/sh"})").entrypoint,
            (std::vector<std::string>{"/bin/sh"}));
  EXPECT_EQ(parse_ok(R"({"Cmd":"echo hi"})").cmd, (std::vector<std::string>{"echo hi"}));
}

TEST(ContainerJsonTest, FieldNamesMatchInAnyCaseAsInGo) {
  ContainerConfig config = parse_ok(R"({"image":"busybox","cmd":["true"],"TTY":true})");
  EXPECT_EQ(config.image, "busybox");
  EXPECT_EQ(config.cmd, (std::vector<std::string>{"true"}));
  EXPECT_TRUE(config.tty);
  // The exact name wins over another spelling.
  EXPECT_EQ(parse_ok(R"({"image":"a","Image":"b"})").image, "b");
  auto parsed = parse_create_body(R"({"hostconfig":{"autoremove":"yes"}})");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().what().find("HostConfig.AutoRemove"), std::string::npos);
}

TEST(ContainerJsonTest, ReadsEnvAndLabels) {
  ContainerConfig config =
      parse_ok(R"({"Env":["A=1","B=two words"],"Labels":{"x":"1","y":""},"WorkingDir":"/w"})");
  EXPECT_EQ(config.env, (std::vector<std::string>{"A=1", "B=two words"}));
  EXPECT_EQ(config.labels, (std::map<std::string, std::string>{{"x", "1"}, {"y", ""}}));
  EXPECT_EQ(config.working_dir, "/w");
}

TEST(ContainerJsonTest, ReadsVolumesAsTheirPaths) {
  EXPECT_EQ(parse_ok(R"({"Volumes":{"/b":{},"/a":null}})").volumes,
            (std::vector<std::string>{"/a", "/b"}));
  EXPECT_TRUE(parse_ok(R"({"Volumes":{}})").volumes.empty());
  EXPECT_EQ(parse_create_body(R"({"Volumes":{"/a":"x"}})").error().what(),
            "json: cannot unmarshal string into Go struct field Config.Volumes of type struct {}");
}

TEST(ContainerJsonTest, RecordsWithoutVolumesStillLoad) {
  json record = full_container();
  record["Config"].erase("Volumes");
  EXPECT_TRUE(record.get<Container>().config.volumes.empty());
}

TEST(ContainerJsonTest, WrongTypesAreInvalidArgumentsNamingTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {R"({"Tty":"yes"})", "Config.Tty"},
      {R"({"AttachStdout":1})", "Config.AttachStdout"},
      {R"({"Image":7})", "Config.Image"},
      {R"({"Cmd":5})", "Config.Cmd"},
      {R"({"Cmd":["echo",1]})", "Config.Cmd"},
      {R"({"Entrypoint":{}})", "Config.Entrypoint"},
      {R"({"Env":"A=b"})", "Config.Env"},
      {R"({"Labels":[]})", "Config.Labels"},
      {R"({"Labels":{"a":1}})", "Config.Labels"},
      {R"({"ExposedPorts":[]})", "ExposedPorts"},
      {R"({"HostConfig":[]})", "HostConfig"},
      {R"({"HostConfig":{"AutoRemove":"true"}})", "HostConfig.AutoRemove"},
      {R"({"HostConfig":{"NetworkMode":1}})", "HostConfig.NetworkMode"},
      {R"({"HostConfig":{"LogConfig":{"Type":1}}})", "HostConfig.LogConfig.Type"},
      {R"({"HostConfig":{"Memory":1.5}})", "HostConfig.Memory"},
      {R"({"HostConfig":{"Binds":"/a:/b"}})", "HostConfig.Binds"},
      {R"({"HostConfig":{"Mounts":{}}})", "HostConfig.Mounts"},
      {R"({"HostConfig":{"Tmpfs":[]}})", "HostConfig.Tmpfs"},
      {R"({"Volumes":[]})", "Config.Volumes"},
      {R"({"HostConfig":{"RestartPolicy":{"MaximumRetryCount":"3"}}})",
       "HostConfig.RestartPolicy.MaximumRetryCount"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_create_body(c.body);
    ASSERT_FALSE(parsed) << c.body;
    EXPECT_EQ(parsed.error().kind(), Errc::invalid_argument) << c.body;
    EXPECT_NE(parsed.error().what().find(c.field), std::string::npos)
        << c.body << " → " << parsed.error().what();
  }
  EXPECT_EQ(parse_create_body(R"({"Tty":"yes"})").error().what(),
            "json: cannot unmarshal string into Go struct field Config.Tty of type bool");
}

TEST(ContainerJsonTest, MalformedJsonIsInvalidArgument) {
  for (const char* body : {"{", R"({"Image":})", "not json", R"({"Image":"a"} trailing)"}) {
    auto parsed = parse_create_body(body);
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.error().kind(), Errc::invalid_argument);
    EXPECT_EQ(parsed.error().what().rfind("invalid JSON: ", 0), 0u) << parsed.error().what();
    EXPECT_EQ(parsed.error().what().find("[json.exception"), std::string::npos);
  }
  EXPECT_EQ(parse_create_body("").error().what(),
            "invalid JSON: got EOF while reading request body");
  auto array = parse_create_body("[1,2]");
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().kind(), Errc::invalid_argument);
}

// ---------------------------------------------------------------- inspect

Container created_from_cli28() {
  auto parsed = parse_create_body(kCli28Body);
  Container c;
  c.id = kId;
  c.name = "reverent_pasteur";
  c.created = utc(2026, 11, 23, 22h, 45min, 56s, 232076429ns);
  c.path = "echo";
  c.args = {"hi"};
  c.image_id = kImageId;
  c.config = parsed->first;
  c.host_config = parsed->second;
  return c;
}

std::vector<std::string> keys(const json& object) {
  std::vector<std::string> out;
  for (const auto& item : object.items()) out.push_back(item.key());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return items;
}

TEST(ContainerJsonTest, InspectHasDockersFields) {
  json inspect = inspect_json(created_from_cli28());
  // The keys dockerd 20.10 sent for this container (api-captures/04).
  EXPECT_EQ(keys(inspect),
            sorted({"Id", "Created", "Path", "Args", "State", "Image", "ResolvConfPath",
                    "HostnamePath", "HostsPath", "LogPath", "Name", "RestartCount", "Driver",
                    "Platform", "MountLabel", "ProcessLabel", "AppArmorProfile", "ExecIDs",
                    "HostConfig", "GraphDriver", "Mounts", "Config", "NetworkSettings"}));
  EXPECT_EQ(keys(inspect["State"]),
            sorted({"Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid",
                    "ExitCode", "Error", "StartedAt", "FinishedAt"}));
  EXPECT_EQ(keys(inspect["Config"]),
            sorted({"Hostname", "Domainname", "User", "AttachStdin", "AttachStdout",
                    "AttachStderr", "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Image",
                    "Volumes", "WorkingDir", "Entrypoint", "OnBuild", "Labels"}));
  for (const char* key : {"Bridge", "SandboxID", "Ports", "IPAddress", "Gateway", "MacAddress",
                          "Networks"})
    EXPECT_TRUE(inspect["NetworkSettings"].contains(key)) << key;

  EXPECT_EQ(inspect["Id"], kId);
  EXPECT_EQ(inspect["Created"], "2026-11-23T22:45:56.232076429Z");
  EXPECT_EQ(inspect["Path"], "echo");
  EXPECT_EQ(inspect["Args"], json::array({"hi"}));
  EXPECT_EQ(inspect["Image"], kImageId);
  EXPECT_EQ(inspect["Name"], "/reverent_pasteur");
  EXPECT_EQ(inspect["RestartCount"], 0);
  EXPECT_EQ(inspect["Driver"], "vfs");
  EXPECT_EQ(inspect["Platform"], "linux");
  EXPECT_EQ(inspect["ResolvConfPath"], "");
  EXPECT_TRUE(inspect["ExecIDs"].is_null());
  EXPECT_EQ(inspect["GraphDriver"], json::parse(R"({"Data":null,"Name":"vfs"})"));
  EXPECT_EQ(inspect["Mounts"], json::array());
  EXPECT_EQ(inspect["NetworkSettings"]["Ports"], json::object());
  EXPECT_EQ(inspect["NetworkSettings"]["Networks"], json::object());
  EXPECT_EQ(inspect["NetworkSettings"]["IPAddress"], "");
}

TEST(ContainerJsonTest, InspectOfACreatedContainerHasGoZeroTimes) {
  json state = inspect_json(created_from_cli28())["State"];
  EXPECT_EQ(state, json::parse(R"({
    "Status": "created", "Running": false, "Paused": false, "Restarting": false,
    "OOMKilled": false, "Dead": false, "Pid": 0, "ExitCode": 0, "Error": "",
    "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z"})"));
}

TEST(ContainerJsonTest, InspectConfigIsDockers) {
  json config = inspect_json(created_from_cli28())["Config"];
  // dockerd's hostname when the client gives none: the short ID.
  EXPECT_EQ(config["Hostname"], "07672532ea87");
  EXPECT_EQ(config["Image"], "busybox:local");
  EXPECT_EQ(config["Cmd"], json::array({"echo", "hi"}));
  EXPECT_TRUE(config["Env"].is_null());
  EXPECT_TRUE(config["Entrypoint"].is_null());
  EXPECT_TRUE(config["Volumes"].is_null());
  EXPECT_TRUE(config["OnBuild"].is_null());
  EXPECT_EQ(config["Labels"], json::object());
  EXPECT_EQ(config["AttachStdout"], true);
  EXPECT_EQ(config["Tty"], false);

  Container c = full_container();
  json full = inspect_json(c)["Config"];
  EXPECT_EQ(full["Hostname"], "box");
  EXPECT_EQ(full["Entrypoint"], json::array({"sh"}));
  EXPECT_EQ(full["Env"], json(c.config.env));
  EXPECT_EQ(full["Labels"]["org.example.team"], "runtime");
  EXPECT_EQ(full["Volumes"], json::parse(R"({"/data": {}, "/var/cache": {}})"));
  c.config.entrypoint = std::vector<std::string>{};
  EXPECT_EQ(inspect_json(c)["Config"]["Entrypoint"], json::array());
}

TEST(ContainerJsonTest, InspectHostConfigHasWhatClientsRead) {
  // The CLI sends LogConfig.Type ""; dockerd reports the driver it chose.
  json host = inspect_json(created_from_cli28())["HostConfig"];
  EXPECT_EQ(host["LogConfig"], json::parse(R"({"Type":"json-file","Config":{}})"));
  EXPECT_EQ(host["AutoRemove"], false);
  EXPECT_EQ(host["NetworkMode"], "default");
  EXPECT_EQ(host["RestartPolicy"]["Name"], "no");  // the rest is kept as sent

  Container bare = created_from_cli28();
  bare.host_config = "{}";
  bare.auto_remove = true;
  host = inspect_json(bare)["HostConfig"];
  EXPECT_EQ(host["LogConfig"]["Type"], "json-file");
  EXPECT_EQ(host["AutoRemove"], true);
  EXPECT_EQ(host["NetworkMode"], "default");

  bare.host_config = R"({"NetworkMode":"host","LogConfig":{"Type":"none"}})";
  host = inspect_json(bare)["HostConfig"];
  EXPECT_EQ(host["NetworkMode"], "host");
  EXPECT_EQ(host["LogConfig"], json::parse(R"({"Type":"none","Config":{}})"));
}

TEST(ContainerJsonTest, InspectStateFollowsTheContainer) {
  Container c = created_from_cli28();
  c.state.status = RunStatus::running;
  c.state.pid = 8134;
  c.state.started_at = utc(2026, 11, 23, 22h, 46min, 16s, 154502950ns);
  json state = inspect_json(c)["State"];
  EXPECT_EQ(state["Status"], "running");
  EXPECT_EQ(state["Running"], true);
  EXPECT_EQ(state["Pid"], 8134);
  EXPECT_EQ(state["StartedAt"], "2026-11-23T22:46:16.15450295Z");
  EXPECT_EQ(state["FinishedAt"], "0001-01-01T00:00:00Z");

  c.state.status = RunStatus::paused;
  state = inspect_json(c)["State"];
  EXPECT_EQ(state["Running"], true);
  EXPECT_EQ(state["Paused"], true);

  state = inspect_json(full_container())["State"];
  EXPECT_EQ(state["Status"], "exited");
  EXPECT_EQ(state["Running"], false);
  EXPECT_EQ(state["ExitCode"], 137);
  EXPECT_EQ(state["OOMKilled"], true);
  EXPECT_EQ(state["FinishedAt"], "2026-11-23T22:46:17Z");

  c.state.status = RunStatus::dead;
  EXPECT_EQ(inspect_json(c)["State"]["Dead"], true);
}

// ---------------------------------------------------------------- list

TEST(ContainerJsonTest, SummaryHasDockersShape) {
  Container c = created_from_cli28();
  c.name = "web";
  c.path = "httpd";
  c.args = {"-f", "-p", "8080", "-h", "/www"};
  c.state.status = RunStatus::running;
  c.state.started_at = c.created + 1s;
  json entry = summary_json(c, c.created + 2s + 500ms);
  EXPECT_EQ(keys(entry), sorted({"Id", "Names", "Image", "ImageID", "Command", "Created",
                                 "Ports", "Labels", "State", "Status", "HostConfig",
                                 "NetworkSettings", "Mounts"}));
  EXPECT_EQ(entry["Id"], kId);
  EXPECT_EQ(entry["Names"], json::array({"/web"}));
  EXPECT_EQ(entry["Image"], "busybox:local");
  EXPECT_EQ(entry["ImageID"], kImageId);
  EXPECT_EQ(entry["Command"], "httpd -f -p 8080 -h /www");
  EXPECT_EQ(entry["Created"], 1795473956);  // 2026-11-23T22:45:56Z
  EXPECT_EQ(entry["Ports"], json::array());
  EXPECT_EQ(entry["Labels"], json::object());
  EXPECT_EQ(entry["State"], "running");
  EXPECT_EQ(entry["Status"], "Up 1 second");
  EXPECT_EQ(entry["HostConfig"], json::parse(R"({"NetworkMode":"default"})"));
  EXPECT_EQ(entry["NetworkSettings"], json::parse(R"({"Networks":{}})"));
  EXPECT_EQ(entry["Mounts"], json::array());
}

TEST(ContainerJsonTest, SummaryCommandQuotesArgumentsWithSpaces) {
  Container c = created_from_cli28();
  c.path = "sh";
  c.args = {"-c", "echo a b"};
  EXPECT_EQ(summary_json(c, c.created)["Command"], "sh -c 'echo a b'");
  c.args.clear();
  EXPECT_EQ(summary_json(c, c.created)["Command"], "sh");
  c.config.labels = {{"a", "b"}};
  c.host_config = R"({"NetworkMode":"none"})";
  json entry = summary_json(c, c.created);
  EXPECT_EQ(entry["Labels"], json::parse(R"({"a":"b"})"));
  EXPECT_EQ(entry["HostConfig"]["NetworkMode"], "none");
  EXPECT_EQ(entry["Status"], "Created");
}

// ---------------------------------------------------------------- status text

// docker/go-units duration_test.go, case for case.
TEST(ContainerJsonTest, HumanStatusUsesGosHumanDuration) {
  constexpr auto day = 24h;
  constexpr auto week = 7 * day;
  constexpr auto month = 30 * day;
  constexpr auto year_ = 365 * day;
  struct Case {
    Clock::duration elapsed;
    const char* text;
  };
  const Case cases[] = {
      {450ms, "Less than a second"},
      {1s, "1 second"},
      {45s, "45 seconds"},
      {46s, "46 seconds"},
      {59s, "59 seconds"},
      {60s, "About a minute"},
      {1min, "About a minute"},
      {3min, "3 minutes"},
      {35min, "35 minutes"},
      {35min + 40s, "35 minutes"},
      {45min, "45 minutes"},
      {45min + 40s, "45 minutes"},
      {46min, "46 minutes"},
      {59min, "59 minutes"},
      {1h, "About an hour"},
      {1h + 29min, "About an hour"},
      {1h + 31min, "2 hours"},
      {1h + 59min, "2 hours"},
      {3h, "3 hours"},
      {3h + 29min, "3 hours"},
      {3h + 31min, "4 hours"},
      {3h + 59min, "4 hours"},
      {3h + 60min, "4 hours"},
      {24h, "24 hours"},
      {1 * day + 12h, "36 hours"},
      {2 * day, "2 days"},
      {7 * day, "7 days"},
      {13 * day + 5h, "13 days"},
      {2 * week, "2 weeks"},
      {2 * week + 4 * day, "2 weeks"},
      {3 * week, "3 weeks"},
      {4 * week, "4 weeks"},
      {4 * week + 3 * day, "4 weeks"},
      {1 * month, "4 weeks"},
      {1 * month + 2 * week, "6 weeks"},
      {2 * month, "2 months"},
      {2 * month + 2 * week, "2 months"},
      {3 * month, "3 months"},
      {3 * month + 1 * week, "3 months"},
      {5 * month + 2 * week, "5 months"},
      {13 * month, "13 months"},
      {23 * month, "23 months"},
      {24 * month, "24 months"},
      {24 * month + 2 * week, "2 years"},
      {3 * year_ + 2 * month, "3 years"},
  };
  const Clock::time_point now = utc(2026, 11, 23, 22h, 0min, 0s);
  for (const auto& c : cases) {
    State running;
    running.status = RunStatus::running;
    running.started_at = now - c.elapsed;
    EXPECT_EQ(human_status(running, now), std::string("Up ") + c.text);
    State exited;
    exited.status = RunStatus::exited;
    exited.exit_code = 3;
    exited.started_at = now - c.elapsed - 1h;
    exited.finished_at = now - c.elapsed;
    EXPECT_EQ(human_status(exited, now), std::string("Exited (3) ") + c.text + " ago");
  }
}

TEST(ContainerJsonTest, HumanStatusForEveryState) {
  const Clock::time_point now = utc(2026, 11, 23, 22h, 0min, 0s);
  State state;
  EXPECT_EQ(human_status(state, now), "Created");
  state.status = RunStatus::running;
  state.started_at = now - 300ms;
  EXPECT_EQ(human_status(state, now), "Up Less than a second");
  state.started_at = now - 3s;
  EXPECT_EQ(human_status(state, now), "Up 3 seconds");
  state.started_at = now + 2s;  // a clock step backwards
  EXPECT_EQ(human_status(state, now), "Up Less than a second");
  state.started_at = now - 5min;
  state.status = RunStatus::paused;
  EXPECT_EQ(human_status(state, now), "Up 5 minutes (Paused)");
  state.status = RunStatus::exited;
  state.exit_code = 0;
  state.finished_at = now - 3s;
  EXPECT_EQ(human_status(state, now), "Exited (0) 3 seconds ago");
  state.exit_code = 137;
  state.finished_at = now - 61s;
  EXPECT_EQ(human_status(state, now), "Exited (137) About a minute ago");
  state.status = RunStatus::restarting;
  state.exit_code = 1;
  state.finished_at = now - 2s;
  EXPECT_EQ(human_status(state, now), "Restarting (1) 2 seconds ago");
  state.status = RunStatus::removing;
  EXPECT_EQ(human_status(state, now), "Removal In Progress");
  state.status = RunStatus::dead;
  EXPECT_EQ(human_status(state, now), "Dead");
  // dockerd's rules for a stopped container: never started reads "Created",
  // started but not finished reads "".
  state.status = RunStatus::exited;
  state.started_at.reset();
  EXPECT_EQ(human_status(state, now), "Created");
  state.started_at = now - 1s;
  state.finished_at.reset();
  EXPECT_EQ(human_status(state, now), "");
}

TEST(ContainerJsonTest, StatusNamesAreDockers) {
  EXPECT_STREQ(to_string(RunStatus::created), "created");
  EXPECT_STREQ(to_string(RunStatus::running), "running");
  EXPECT_STREQ(to_string(RunStatus::paused), "paused");
  EXPECT_STREQ(to_string(RunStatus::restarting), "restarting");
  EXPECT_STREQ(to_string(RunStatus::removing), "removing");
  EXPECT_STREQ(to_string(RunStatus::exited), "exited");
  EXPECT_STREQ(to_string(RunStatus::dead), "dead");
}

}  // namespace
}  // namespace gorae::engine
