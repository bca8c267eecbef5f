// Chapter 01's host checks for `gorae doctor`. Each one reads the machine
// only through Host (proc/sys roots, have_program), so the unit tests run
// them against fake trees; none of them changes the host.

#include <linux/capability.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include "gorae/doctor/cgroup_layout.hpp"
#include "gorae/doctor/doctor.hpp"

namespace gorae::doctor {
namespace {

// ---- reading the host ------------------------------------------------------

std::optional<std::string> read_text(const std::string& path) {
  // procfs reports size 0, so read through the stream, never by st_size.
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\n");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\n");
  return std::string(text.substr(first, last - first + 1));
}

std::optional<long> read_number(const std::string& path) {
  const auto text = read_text(path);
  if (!text) return std::nullopt;
  const std::string value = trim(*text);
  long n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return n;
}

// Mount points in /proc/self/mounts are host paths; send the ones under /sys
// into Host::sys so a fake tree can stand in for them.
std::string host_path(const Host& host, const std::string& path) {
  const std::string_view sys = "/sys";
  if (path.compare(0, sys.size(), sys) == 0 &&
      (path.size() == sys.size() || path[sys.size()] == '/'))
    return host.sys + path.substr(sys.size());
  return path;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

Finding ok(std::string summary) {
  return {Outcome::ok, std::move(summary), ""};
}
Finding warn(std::string summary, std::string fix) {
  return {Outcome::warn, std::move(summary), std::move(fix)};
}
Finding missing(std::string summary, std::string fix) {
  return {Outcome::missing, std::move(summary), std::move(fix)};
}

// ---- kernel ----------------------------------------------------------------

// 4.18 is the oldest kernel the book is tried on (RHEL 8's); 5.4 brings
// pidfd_open (5.3), clone3 (5.3) and the cgroup v2 freezer (5.2).
constexpr std::pair<int, int> kKernelNeeded{4, 18};
constexpr std::pair<int, int> kKernelRecommended{5, 4};

std::optional<std::pair<int, int>> parse_kernel_version(const std::string& release) {
  int major = 0, minor = 0;
  const char* end = release.data() + release.size();
  auto [p1, ec1] = std::from_chars(release.data(), end, major);
  if (ec1 != std::errc() || p1 == end || *p1 != '.') return std::nullopt;
  auto [p2, ec2] = std::from_chars(p1 + 1, end, minor);
  if (ec2 != std::errc()) return std::nullopt;
  return std::make_pair(major, minor);
}

Finding check_kernel(const Host& host) {
  const auto text = read_text(host.proc + "/sys/kernel/osrelease");
  if (!text)
    return missing("cannot read " + host.proc + "/sys/kernel/osrelease",
                   "mount -t proc proc /proc");
  const std::string release = trim(*text);
  const auto version = parse_kernel_version(release);
  if (!version) return missing("cannot parse kernel release \"" + release + "\"", "");
  if (*version < kKernelNeeded)
    return missing(release + " is older than 4.18", "upgrade the kernel to 5.4 or newer");
  if (*version < kKernelRecommended)
    return warn(release + " (need >= 4.18); below 5.4 there is no pidfd_open or cgroup v2 freezer",
                "upgrade the kernel to 5.4 or newer");
  return ok(release + " (need >= 4.18)");
}

// ---- namespaces ------------------------------------------------------------

struct NamespaceKind {
  const char* name;
  const char* config;  // the kernel option that provides it
};
constexpr std::array<NamespaceKind, 7> kNamespaces = {{{"mnt", "CONFIG_NAMESPACES"},
                                                       {"uts", "CONFIG_UTS_NS"},
                                                       {"ipc", "CONFIG_IPC_NS"},
                                                       {"pid", "CONFIG_PID_NS"},
                                                       {"net", "CONFIG_NET_NS"},
                                                       {"cgroup", "CONFIG_CGROUPS"},
                                                       {"user", "CONFIG_USER_NS"}}};

Finding check_namespaces(const Host& host) {
  std::vector<std::string> have, lacking, configs;
  for (const auto& ns : kNamespaces) {
    std::error_code ec;
    // lstat, not stat: each entry is a magic symlink ("mnt:[4026531840]").
    if (std::filesystem::symlink_status(host.proc + "/self/ns/" + ns.name, ec).type() !=
            std::filesystem::file_type::not_found &&
        !ec) {
      have.push_back(ns.name);
    } else {
      lacking.push_back(ns.name);
      configs.push_back(std::string(ns.config) + "=y");
    }
  }
  if (!lacking.empty())
    return missing("no " + join(lacking, ", ") + " namespace (" + host.proc + "/self/ns)",
                   "use a kernel built with " + join(configs, " "));
  return ok(join(have, " "));
}

// Root never needs unprivileged user namespaces; they matter for rootless
// mode and for userns-remap, so this check only warns.
Finding check_userns(const Host& host) {
  const std::string max_path = host.proc + "/sys/user/max_user_namespaces";
  const auto max = read_number(max_path);
  if (!max)
    return warn("cannot read " + max_path + "; user namespaces may be unavailable",
                "use a kernel built with CONFIG_USER_NS=y");
  if (*max <= 0)
    return warn("user.max_user_namespaces is 0; nobody, not even root, can create a user namespace",
                "sysctl -w user.max_user_namespaces=15000");
  // Debian's and Ubuntu's knobs; absent on mainline kernels.
  if (read_number(host.proc + "/sys/kernel/unprivileged_userns_clone").value_or(1) == 0)
    return warn(
        "kernel.unprivileged_userns_clone is 0; only root can create user namespaces (rootless)",
        "sysctl -w kernel.unprivileged_userns_clone=1");
  if (read_number(host.proc + "/sys/kernel/apparmor_restrict_unprivileged_userns").value_or(0) == 1)
    return warn("AppArmor restricts unprivileged user namespaces (rootless)",
                "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
  return ok("user.max_user_namespaces = " + std::to_string(*max));
}

// ---- cgroups ---------------------------------------------------------------

constexpr std::array<const char*, 3> kRequiredControllers = {"memory", "pids", "cpu"};
constexpr std::array<const char*, 1> kRecommendedControllers = {"cpuset"};

std::string controller_fix(CgroupLayout layout, const std::vector<std::string>& lacking) {
  if (layout == CgroupLayout::v2)
    return "enable " + join(lacking, ", ") +
           " on the kernel command line (drop cgroup_disable=, add cgroup_no_v1=all) and reboot";
  std::string fix;
  for (const auto& c : lacking) {
    if (!fix.empty()) fix += " && ";
    fix += "mkdir -p /sys/fs/cgroup/" + c + " && mount -t cgroup -o " + c +
           " cgroup /sys/fs/cgroup/" + c;
  }
  // A controller with "enabled 0" in /proc/cgroups was switched off at boot.
  return fix +
         "  (if /proc/cgroups shows it disabled: boot with cgroup_enable=" + join(lacking, ",") +
         ")";
}

Finding check_cgroups(const Host& host) {
  const auto mounts = read_text(host.proc + "/self/mounts");
  if (!mounts)
    return missing("cannot read " + host.proc + "/self/mounts", "mount -t proc proc /proc");
  const CgroupLayout layout = detect_cgroup_layout(*mounts);
  if (layout == CgroupLayout::none)
    return missing("no cgroup filesystem is mounted", "mount -t cgroup2 none /sys/fs/cgroup");

  const std::string unified = cgroup2_mount_point(*mounts);
  std::string v2_text;
  if (layout == CgroupLayout::v2)
    v2_text = read_text(host_path(host, unified) + "/cgroup.controllers").value_or("");
  const auto controllers =
      cgroup_controllers(layout, read_text(host.proc + "/cgroups").value_or(""), v2_text);
  auto has = [&](const char* c) {
    return std::find(controllers.begin(), controllers.end(), c) != controllers.end();
  };

  std::string where = to_string(layout);
  if (layout == CgroupLayout::v2) where += " at " + unified;
  if (layout == CgroupLayout::hybrid) where += " (v1 controllers; cgroup2 at " + unified + ")";

  std::vector<std::string> lacking, lacking_recommended;
  for (const char* c : kRequiredControllers)
    if (!has(c)) lacking.emplace_back(c);
  for (const char* c : kRecommendedControllers)
    if (!has(c)) lacking_recommended.emplace_back(c);
  if (!lacking.empty())
    return missing(where + ": no " + join(lacking, ", ") + " controller",
                   controller_fix(layout, lacking));
  if (!lacking_recommended.empty())
    return warn(
        where + ": no " + join(lacking_recommended, ", ") + " controller; --cpuset-cpus will fail",
        controller_fix(layout, lacking_recommended));
  return ok(where + ": memory pids cpu cpuset");
}

// ---- overlayfs ---------------------------------------------------------------

Finding check_overlayfs(const Host& host) {
  const std::string path = host.proc + "/filesystems";
  const auto text = read_text(path);
  if (!text) return missing("cannot read " + path, "mount -t proc proc /proc");
  // Lines are "nodev\toverlay" or "\text4": the name is the last word.
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string word, last;
    while (words >> word) last = word;
    if (last == "overlay") return ok("overlay is in " + path);
  }
  return missing("overlay is not in " + path, "modprobe overlay");
}

// ---- capabilities ------------------------------------------------------------

// Index = capability number (include/uapi/linux/capability.h).
// clang-format off
constexpr std::array<const char*, 41> kCapNames = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",  // 0
    "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",  // 4
    "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",  // 8
    "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",  // 12
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",  // 16
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",  // 20
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",  // 24
    "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",  // 28
    "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",  // 32
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",  // 36
    "CAP_CHECKPOINT_RESTORE"  // 40
};
// clang-format on

// What the engine itself does with each: own files of any uid while
// unpacking layers (CHOWN, DAC_OVERRIDE, FOWNER), signal containers (KILL),
// switch to the container's user and write id maps (SETUID, SETGID), drop
// the container's bounding set (SETPCAP), build its network (NET_ADMIN),
// chroot/mknod in its root, and mount and unshare (SYS_ADMIN).
constexpr std::array<int, 11> kRequiredCaps = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FOWNER,     CAP_KILL,      CAP_SETGID, CAP_SETUID,
    CAP_SETPCAP, CAP_NET_ADMIN,    CAP_SYS_CHROOT, CAP_SYS_ADMIN, CAP_MKNOD};

std::string cap_name(int cap) {
  return cap < static_cast<int>(kCapNames.size()) ? kCapNames[static_cast<size_t>(cap)]
                                                  : "cap_" + std::to_string(cap);
}

// "CapEff:\t000001fffeffffff" → the mask; "Uid:\t0\t0\t0\t0" → the words.
std::optional<std::string> status_field(const std::string& status, std::string_view key) {
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == ':')
      return trim(std::string_view(line).substr(key.size() + 1));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_mask(const std::optional<std::string>& hex) {
  if (!hex) return std::nullopt;
  std::uint64_t mask = 0;
  auto [end, ec] = std::from_chars(hex->data(), hex->data() + hex->size(), mask, 16);
  if (ec != std::errc() || end != hex->data() + hex->size()) return std::nullopt;
  return mask;
}

Finding check_capabilities(const Host& host) {
  const std::string path = host.proc + "/self/status";
  const auto status = read_text(path);
  if (!status) return missing("cannot read " + path, "mount -t proc proc /proc");
  // Uid: real, effective, saved, filesystem. The effective uid decides.
  std::istringstream uids(status_field(*status, "Uid").value_or(""));
  std::string real, effective;
  uids >> real >> effective;
  if (effective != "0")
    return missing(
        "running as uid " + (effective.empty() ? "?" : effective) + "; the engine needs root",
        "run as root (sudo)");

  const auto eff = parse_mask(status_field(*status, "CapEff"));
  const auto bnd = parse_mask(status_field(*status, "CapBnd"));
  if (!eff || !bnd) return missing("cannot parse CapEff/CapBnd in " + path, "");
  const int last_cap = static_cast<int>(
      std::clamp(read_number(host.proc + "/sys/kernel/cap_last_cap").value_or(40), 0L, 63L));

  std::vector<std::string> not_effective, not_bounding;
  for (int cap : kRequiredCaps)
    if (((*eff >> cap) & 1U) == 0) not_effective.push_back(cap_name(cap));
  for (int cap = 0; cap <= last_cap; ++cap)
    if (((*bnd >> cap) & 1U) == 0) not_bounding.push_back(cap_name(cap));

  if (!not_effective.empty())
    return missing(
        "root, but the effective set lacks " + join(not_effective, ", "),
        "run gorae with full capabilities (not under a service or container that drops them)");
  const std::string all = std::to_string(last_cap + 1);
  if (!not_bounding.empty())
    return warn("root; the bounding set lacks " + join(not_bounding, ", ") +
                    ": --privileged will grant only what the daemon holds",
                "start the daemon from a parent that keeps " + join(not_bounding, ", ") +
                    " (a dropped capability never comes back)");
  return ok("root; all " + all + " capabilities effective and in the bounding set");
}

// ---- networking (chapter 06) -------------------------------------------------

Finding check_firewall(const Host& host) {
  std::vector<std::string> found;
  for (const char* program : {"iptables", "nft"})
    if (host.have_program && host.have_program(program)) found.emplace_back(program);
  if (found.empty())
    return warn("neither iptables nor nft found; NAT and published ports need one (chapter 06)",
                "apt-get install iptables");
  return ok(join(found, ", ") + " found");
}

Finding check_ip_forward(const Host& host) {
  const auto value = read_number(host.proc + "/sys/net/ipv4/ip_forward");
  if (value && *value == 1) return ok("net.ipv4.ip_forward is 1");
  return warn("net.ipv4.ip_forward is " +
                  (value ? std::to_string(*value) : std::string("unreadable")) +
                  "; containers will not reach the network (chapter 06)",
              "sysctl -w net.ipv4.ip_forward=1");
}

}  // namespace

void add_host_checks(Registry& registry) {
  registry.add({"kernel", true, check_kernel});
  registry.add({"namespaces", true, check_namespaces});
  registry.add({"userns", false, check_userns});
  registry.add({"cgroups", true, check_cgroups});
  registry.add({"overlayfs", true, check_overlayfs});
  registry.add({"capabilities", true, check_capabilities});
  registry.add({"firewall", false, check_firewall});
  registry.add({"ip_forward", false, check_ip_forward});
}

}  // namespace gorae::doctor
