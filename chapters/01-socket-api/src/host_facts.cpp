#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "gorae/api/system.hpp"
#include "gorae/doctor/cgroup_layout.hpp"

namespace gorae::api {
namespace {

std::string read_text(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
}

}  // namespace

std::string go_arch_name(std::string_view machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "i386" || machine == "i686") return "386";
  if (machine.substr(0, 3) == "arm") return "arm";
  return std::string(machine);
}

std::int64_t parse_mem_total(std::string_view meminfo) {
  auto at = meminfo.find("MemTotal:");
  if (at == std::string_view::npos) return 0;
  std::istringstream line(std::string(meminfo.substr(at + 9, 64)));
  std::int64_t kib = 0;
  line >> kib;
  return kib * 1024;
}

std::string os_release_value(std::string_view os_release, std::string_view key) {
  std::istringstream lines{std::string(os_release)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() <= key.size() || line.compare(0, key.size(), key) != 0 ||
        line[key.size()] != '=')
      continue;
    std::string value = line.substr(key.size() + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\''))
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return {};
}

HostFacts read_host_facts() {
  HostFacts facts;
  utsname names{};
  ::uname(&names);
  facts.kernel_version = names.release;
  facts.architecture = names.machine;
  facts.go_arch = go_arch_name(names.machine);
  std::string os_release = read_text("/etc/os-release");
  if (os_release.empty()) os_release = read_text("/usr/lib/os-release");
  facts.operating_system = os_release_value(os_release, "PRETTY_NAME");
  facts.os_version = os_release_value(os_release, "VERSION_ID");
  facts.ncpu = usable_cpus();
  facts.mem_total = parse_mem_total(read_text("/proc/meminfo"));
  facts.cgroup_version =
      doctor::docker_cgroup_version(doctor::detect_cgroup_layout(read_text("/proc/self/mounts")));
  return facts;
}

}  // namespace gorae::api
