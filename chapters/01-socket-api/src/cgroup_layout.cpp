#include "gorae/doctor/cgroup_layout.hpp"

#include <algorithm>
#include <array>
#include <sstream>

namespace gorae::doctor {
namespace {

constexpr std::string_view kCgroupRoot = "/sys/fs/cgroup";

// The kernel's cgroup v1 subsystems (kernel/cgroup/cgroup.c, cgroup_subsys.h).
// A v1 mount's options mix these with mount flags (rw, nosuid, ...) and
// hierarchy options (name=systemd, xattr, clone_children), so only words from
// this list mean "this hierarchy holds a controller".
constexpr std::array<std::string_view, 15> kV1Controllers = {
    "cpu",        "cpuacct",  "cpuset",  "memory", "devices", "freezer", "net_cls", "blkio",
    "perf_event", "net_prio", "hugetlb", "pids",   "rdma",    "misc",    "debug"};

struct Mount {
  std::string point;
  std::string fstype;
  std::string options;
};

// /proc/self/mounts escapes space, tab, newline and backslash as \ooo
// (fs/proc_namespace.c: mangle()), so "/a b" appears as "/a\040b".
std::string unescape_octal(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
  for (size_t i = 0; i < field.size(); ++i) {
    const bool octal = field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
                       is_octal(field[i + 2]) && is_octal(field[i + 3]);
    if (octal) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// The mounts still visible: a later mount on the same point hides the
// earlier one (a container runtime over-mounting /sys/fs/cgroup, say).
std::vector<Mount> visible_mounts(std::string_view text) {
  std::vector<Mount> mounts;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string device, point, fstype, options;
    if (!(fields >> device >> point >> fstype >> options)) continue;
    Mount mount{unescape_octal(point), fstype, options};
    std::erase_if(mounts, [&](const Mount& m) { return m.point == mount.point; });
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

bool holds_v1_controller(const Mount& mount) {
  std::istringstream options(mount.options);
  std::string option;
  while (std::getline(options, option, ',')) {
    if (std::find(kV1Controllers.begin(), kV1Controllers.end(), option) != kV1Controllers.end())
      return true;
  }
  return false;
}

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

// /proc/cgroups: "#subsys_name hierarchy num_cgroups enabled", one line per
// controller. Hierarchy 0 means no v1 hierarchy holds it (on a v2 host that is
// every controller), so v1 cannot use it even when it is enabled.
std::vector<std::string> v1_controllers(std::string_view proc_cgroups_text) {
  std::vector<std::string> out;
  std::istringstream lines{std::string(proc_cgroups_text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    long hierarchy = 0, count = 0, enabled = 0;
    if (!(fields >> name >> hierarchy >> count >> enabled)) continue;
    if (hierarchy != 0 && enabled == 1) out.push_back(name);
  }
  return out;
}

}  // namespace

CgroupLayout detect_cgroup_layout(std::string_view proc_mounts_text) {
  bool any_v1_controller = false;
  bool any_cgroup2 = false;
  for (const Mount& mount : visible_mounts(proc_mounts_text)) {
    if (mount.fstype == "cgroup2") {
      if (mount.point == kCgroupRoot) return CgroupLayout::v2;
      any_cgroup2 = true;
    } else if (mount.fstype == "cgroup" && holds_v1_controller(mount)) {
      any_v1_controller = true;
    }
  }
  if (any_v1_controller) return any_cgroup2 ? CgroupLayout::hybrid : CgroupLayout::v1;
  return any_cgroup2 ? CgroupLayout::v2 : CgroupLayout::none;
}

std::string cgroup2_mount_point(std::string_view proc_mounts_text) {
  std::string first;
  for (const Mount& mount : visible_mounts(proc_mounts_text)) {
    if (mount.fstype != "cgroup2") continue;
    if (mount.point == kCgroupRoot) return mount.point;
    if (first.empty()) first = mount.point;
  }
  return first;
}

std::vector<std::string> cgroup_controllers(CgroupLayout layout, std::string_view proc_cgroups_text,
                                            std::string_view cgroup2_controllers_text) {
  switch (layout) {
    case CgroupLayout::v1:
    case CgroupLayout::hybrid: return v1_controllers(proc_cgroups_text);
    case CgroupLayout::v2: return words(cgroup2_controllers_text);
    case CgroupLayout::none: break;
  }
  return {};
}

const char* to_string(CgroupLayout layout) {
  switch (layout) {
    case CgroupLayout::v1: return "v1";
    case CgroupLayout::hybrid: return "hybrid";
    case CgroupLayout::v2: return "v2";
    case CgroupLayout::none: break;
  }
  return "none";
}

std::string docker_cgroup_version(CgroupLayout layout) {
  return layout == CgroupLayout::v2 ? "2" : "1";
}

}  // namespace gorae::doctor
