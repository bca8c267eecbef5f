// Which cgroup layout the host has, told by the files the kernel puts under
// the cgroup root, and the Manager that drives it.

#include "gorae/cgroups/detect.hpp"

#include "cgroup_fs.hpp"
#include "gorae/cgroups/manager.hpp"

namespace gorae::cgroups {
namespace {

// v1 controllers as mount points name them, co-mounted pairs included.
// Named hierarchies (systemd/) hold no controller and do not count.
const char* const kV1Hierarchies[] = {
    "memory",  "pids",       "cpu",     "cpuacct", "cpu,cpuacct", "cpuset",   "freezer",
    "blkio",   "devices",    "hugetlb", "net_cls", "net_prio",    "net_cls,net_prio",
    "perf_event", "rdma",    "misc",
};

}  // namespace

Result<Layout> detect_layout(const std::string& root) {
  if (detail::exists(root + "/cgroup.controllers")) return Layout::unified;
  for (const char* name : kV1Hierarchies) {
    if (!detail::exists(root + "/" + name + "/cgroup.procs")) continue;
    // systemd's hybrid mode: v1 controllers, and a controller-less cgroup2 for its own tracking.
    return detail::exists(root + "/unified/cgroup.controllers") ? Layout::hybrid : Layout::legacy;
  }
  return fail(Errc::unavailable, "no cgroup hierarchy under " + root +
                                     " (neither cgroup.controllers nor a v1 controller directory)");
}

const char* to_string(Layout layout) {
  switch (layout) {
    case Layout::legacy: return "legacy";
    case Layout::hybrid: return "hybrid";
    case Layout::unified: return "unified";
  }
  return "unknown";
}

Result<std::unique_ptr<Manager>> open_manager(ManagerOptions options) {
  GORAE_ASSIGN_OR_RETURN(Layout layout, detect_layout(options.root));
  if (layout == Layout::unified) return make_v2_manager(std::move(options));
  return make_v1_manager(std::move(options));
}

Result<std::unique_ptr<Manager>> open_manager(std::string root) {
  ManagerOptions options;
  options.root = std::move(root);
  return open_manager(std::move(options));
}

}  // namespace gorae::cgroups
