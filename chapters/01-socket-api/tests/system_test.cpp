// /_ping, /version and /info: Docker's field names and types, with values
// that come from the machine.
#include <gtest/gtest.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "gorae/api/system.hpp"

namespace gorae::api {
namespace {

using nlohmann::json;

class SystemRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    system = std::make_shared<SystemInfo>(read_host_facts(),
                                          DaemonFacts{"engine-id-1", "/tmp/data-root", false});
    install_system_routes(router, system);
  }
  Response get(const std::string& method, const std::string& target) {
    auto request = Request::from_target(method, target);
    return router.dispatch(request);
  }
  std::shared_ptr<SystemInfo> system;
  Router router;
};

TEST_F(SystemRoutesTest, PingSaysOkWithDockersHeaders) {
  for (const char* method : {"GET", "HEAD"}) {
    auto response = get(method, "/_ping");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, std::string(method) == "GET" ? "OK" : "");
    EXPECT_EQ(*response.header("Api-Version"), "1.41");
    EXPECT_EQ(*response.header("Ostype"), "linux");
    EXPECT_EQ(*response.header("Cache-Control"), "no-cache, no-store, must-revalidate");
    EXPECT_EQ(*response.header("Pragma"), "no-cache");
    EXPECT_NE(response.header("Server"), nullptr);
  }
}

TEST_F(SystemRoutesTest, VersionHasDockersFieldsAndTheRealKernel) {
  auto response = get("GET", "/v1.41/version");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(*response.header("Content-Type"), "application/json");
  auto body = json::parse(response.body);
  utsname names{};
  ::uname(&names);
  EXPECT_EQ(body["ApiVersion"], "1.41");
  EXPECT_EQ(body["MinAPIVersion"], "1.24");
  EXPECT_EQ(body["Os"], "linux");
  EXPECT_EQ(body["KernelVersion"], names.release);
  EXPECT_EQ(body["Arch"], go_arch_name(names.machine));
  for (const char* key : {"Version", "GitCommit", "BuildTime", "GoVersion"})
    EXPECT_TRUE(body[key].is_string()) << key;
  ASSERT_TRUE(body["Components"].is_array());
  EXPECT_EQ(body["Components"][0]["Name"], "Engine");
  EXPECT_EQ(body["Components"][0]["Details"]["ApiVersion"], "1.41");
}

TEST_F(SystemRoutesTest, InfoHasDockersFieldsAndTypes) {
  auto body = json::parse(get("GET", "/info").body);
  EXPECT_EQ(body["ID"], "engine-id-1");
  EXPECT_EQ(body["DockerRootDir"], "/tmp/data-root");
  for (const char* key : {"Containers", "ContainersRunning", "ContainersPaused",
                          "ContainersStopped", "Images", "NCPU", "MemTotal", "NFd"})
    EXPECT_TRUE(body[key].is_number_integer()) << key;
  for (const char* key : {"Driver", "CgroupDriver", "CgroupVersion", "KernelVersion",
                          "OperatingSystem", "OSType", "Architecture", "ServerVersion", "Name",
                          "SystemTime", "OSVersion"})
    EXPECT_TRUE(body[key].is_string()) << key;
  for (const char* key : {"MemoryLimit", "SwapLimit", "CpuCfsQuota", "Debug", "PidsLimit"})
    EXPECT_TRUE(body[key].is_boolean()) << key;
  EXPECT_TRUE(body["Plugins"]["Volume"].is_array());
  EXPECT_TRUE(body["SecurityOptions"].is_array());
  EXPECT_EQ(body["Swarm"]["LocalNodeState"], "inactive");
}

TEST_F(SystemRoutesTest, InfoValuesComeFromTheMachine) {
  auto body = json::parse(get("GET", "/info").body);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(body["Name"], host);
  EXPECT_EQ(body["NCPU"].get<long>(), ::sysconf(_SC_NPROCESSORS_ONLN));
  long pages = ::sysconf(_SC_PHYS_PAGES) * ::sysconf(_SC_PAGE_SIZE);
  EXPECT_NEAR(body["MemTotal"].get<double>(), static_cast<double>(pages), 64.0 * 1024 * 1024);
  EXPECT_EQ(body["OSType"], "linux");
  EXPECT_TRUE(body["CgroupVersion"] == "1" || body["CgroupVersion"] == "2");
  EXPECT_GT(body["NFd"].get<int>(), 2);
  EXPECT_EQ(body["SystemTime"].get<std::string>().back(), 'Z');
}

TEST_F(SystemRoutesTest, ContributorsFillLaterChaptersFields) {
  system->add_info_contributor([](json& info) {
    info["Containers"] = 3;
    info["Driver"] = "overlay2";
  });
  auto body = json::parse(get("GET", "/info").body);
  EXPECT_EQ(body["Containers"], 3);
  EXPECT_EQ(body["Driver"], "overlay2");
}

TEST(HostFactsTest, ParsesMachineFiles) {
  EXPECT_EQ(go_arch_name("x86_64"), "amd64");
  EXPECT_EQ(go_arch_name("aarch64"), "arm64");
  EXPECT_EQ(go_arch_name("riscv64"), "riscv64");
  EXPECT_EQ(parse_mem_total("MemTotal:       24684092 kB\nMemFree: 1 kB\n"), 24684092LL * 1024);
  EXPECT_EQ(parse_mem_total("nothing"), 0);
  std::string os_release = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n";
  EXPECT_EQ(os_release_value(os_release, "PRETTY_NAME"), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(os_release_value(os_release, "VERSION_ID"), "12");
  EXPECT_EQ(os_release_value(os_release, "ID"), "debian");
  EXPECT_EQ(os_release_value(os_release, "VERSION"), "");
}

}  // namespace
}  // namespace gorae::api
