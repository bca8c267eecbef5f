#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

#include "gorae/api/system.hpp"
#include "gorae/api/version.hpp"
#include "gorae/base/build_info.hpp"

namespace gorae::api {
namespace {

using nlohmann::json;

std::string env_or_empty(const char* upper, const char* lower) {
  const char* value = std::getenv(upper);
  if (!value) value = std::getenv(lower);
  return value ? value : "";
}

// RFC 3339 with nanoseconds in UTC, as Go prints time.Time.
std::string now_rfc3339_nano() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()) %
               std::chrono::seconds(1);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof text - length, ".%09lldZ",
                static_cast<long long>(nanos.count()));
  return text;
}

int open_fd_count() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return 0;
  int count = 0;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count - 1;  // the directory stream itself
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

json build_version(const HostFacts& host) {
  // LAB(01) version-doc: Build the /version document with the fields dockerd sends
  json details = {
      {"ApiVersion", kCurrentApiVersion.text()},  {"Arch", host.go_arch},
      {"BuildTime", build_info::kBuildTime},      {"Experimental", "false"},
      {"GitCommit", build_info::kGitCommit},      {"GoVersion", build_info::kCompiler},
      {"KernelVersion", host.kernel_version},     {"MinAPIVersion", kMinimumApiVersion.text()},
      {"Os", "linux"}};
  return {{"Platform", {{"Name", "gorae"}}},
          {"Components",
           json::array({{{"Name", "Engine"}, {"Version", build_info::kVersion},
                         {"Details", details}}})},
          {"Version", build_info::kVersion},
          {"ApiVersion", kCurrentApiVersion.text()},
          {"MinAPIVersion", kMinimumApiVersion.text()},
          {"GitCommit", build_info::kGitCommit},
          {"GoVersion", build_info::kCompiler},
          {"Os", "linux"},
          {"Arch", host.go_arch},
          {"KernelVersion", host.kernel_version},
          {"BuildTime", build_info::kBuildTime}};
  // LAB-END
}

// Everything in /info that stays put. Chapter 01 has no containers, images,
// storage driver or resource limits yet: those fields start empty or false
// and the chapters that bring them fill them in through contributors.
json build_fixed_info(const HostFacts& host, const DaemonFacts& daemon) {
  json none = json::array();
  return {{"ID", daemon.id},
          {"Containers", 0}, {"ContainersRunning", 0}, {"ContainersPaused", 0},
          {"ContainersStopped", 0}, {"Images", 0},
          {"Driver", ""}, {"DriverStatus", none},
          {"Plugins", {{"Volume", none}, {"Network", none}, {"Authorization", nullptr},
                       {"Log", none}}},
          {"MemoryLimit", false}, {"SwapLimit", false}, {"KernelMemory", false},
          {"KernelMemoryTCP", false}, {"CpuCfsPeriod", false}, {"CpuCfsQuota", false},
          {"CPUShares", false}, {"CPUSet", false}, {"PidsLimit", false},
          {"OomKillDisable", false}, {"IPv4Forwarding", false},
          {"BridgeNfIptables", false}, {"BridgeNfIp6tables", false},
          {"Debug", daemon.debug}, {"LoggingDriver", ""},
          {"CgroupDriver", "cgroupfs"}, {"CgroupVersion", host.cgroup_version},
          {"NEventsListener", 0},
          {"KernelVersion", host.kernel_version}, {"OperatingSystem", host.operating_system},
          {"OSVersion", host.os_version}, {"OSType", "linux"},
          {"Architecture", host.architecture},
          {"IndexServerAddress", "https://index.docker.io/v1/"},
          {"RegistryConfig", {{"InsecureRegistryCIDRs", json::array({"127.0.0.0/8"})},
                              {"IndexConfigs", json::object()}, {"Mirrors", none}}},
          {"NCPU", host.ncpu}, {"MemTotal", host.mem_total}, {"GenericResources", nullptr},
          {"DockerRootDir", daemon.data_root},
          {"HttpProxy", env_or_empty("HTTP_PROXY", "http_proxy")},
          {"HttpsProxy", env_or_empty("HTTPS_PROXY", "https_proxy")},
          {"NoProxy", env_or_empty("NO_PROXY", "no_proxy")},
          {"Labels", none}, {"ExperimentalBuild", false},
          {"ServerVersion", build_info::kVersion},
          {"Runtimes", json::object()}, {"DefaultRuntime", ""},
          {"Swarm", {{"NodeID", ""}, {"NodeAddr", ""}, {"LocalNodeState", "inactive"},
                     {"ControlAvailable", false}, {"Error", ""}, {"RemoteManagers", nullptr}}},
          {"LiveRestoreEnabled", false}, {"Isolation", ""}, {"InitBinary", ""},
          {"SecurityOptions", none}, {"Warnings", nullptr}};
}

}  // namespace

SystemInfo::SystemInfo(HostFacts host, DaemonFacts daemon)
    : host_(std::move(host)), fixed_info_(std::make_unique<json>(build_fixed_info(host_, daemon))) {}

SystemInfo::~SystemInfo() = default;

void SystemInfo::add_info_contributor(InfoContributor contributor) {
  contributors_.push_back(std::move(contributor));
}

std::string SystemInfo::version_json() const { return build_version(host_).dump() + "\n"; }

json SystemInfo::info() const {
  json info = *fixed_info_;
  info["SystemTime"] = now_rfc3339_nano();
  info["NFd"] = open_fd_count();
  info["Name"] = host_name();
  for (const auto& contribute : contributors_) contribute(info);
  return info;
}

void install_system_routes(Router& router, std::shared_ptr<const SystemInfo> system) {
  auto ping = [](Request& request) -> Response {
    // LAB(01) ping: Answer /_ping with "OK" (no body for HEAD), never cached
    auto response = Response::text(200, request.method == "HEAD" ? "" : "OK");
    response.set_header("Cache-Control", "no-cache, no-store, must-revalidate");
    response.set_header("Pragma", "no-cache");
    return response;
    // LAB-END
  };
  router.add("GET", "/_ping", ping);
  router.add("HEAD", "/_ping", ping);
  router.add("GET", "/version", [system](Request&) {
    return Response::text(200, system->version_json(), "application/json");
  });
  router.add("GET", "/info", [system](Request&) { return Response::json(200, system->info()); });
}

}  // namespace gorae::api
