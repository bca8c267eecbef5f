#pragma once
// A cgroup root in a temporary directory that behaves like cgroupfs where a
// plain directory cannot: through the manager's KernelOps, mkdir fills a new
// cgroup with its controllers' files at the kernel's defaults, rmdir takes
// them along but says EBUSY while a child cgroup or a pid remains, and kill
// makes the pid leave every cgroup.procs. Writes are recorded in order.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gorae/cgroups/manager.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::testing {

namespace fs = std::filesystem;

struct FakeTreeOptions {
  bool v2 = false;
  bool swap_accounting = true;   ///< memory.memsw.* (v1) / memory.swap.max (v2)
  bool comount_cpu = false;      ///< v1: "cpu,cpuacct" with cpu and cpuacct as symlinks
  bool freezer = true;           ///< v1: a freezer hierarchy
  bool pids = true;              ///< v1: a pids hierarchy
  bool cgroup_kill = true;       ///< v2: cgroup.kill (5.14+)
  std::string v2_root_controllers = "cpuset cpu io memory hugetlb pids rdma misc";
  bool pids_die = true;          ///< kill() makes the pid leave; false: it never does
};

class FakeCgroupTree {
 public:
  explicit FakeCgroupTree(FakeTreeOptions options = {}) : options_(std::move(options)) {
    if (options_.v2) {
      populate(root(), {});
      put(root() + "/cgroup.controllers", options_.v2_root_controllers + "\n");
      return;
    }
    std::vector<std::string> hierarchies = {"memory", "cpuset", "blkio"};
    if (options_.pids) hierarchies.push_back("pids");
    if (options_.freezer) hierarchies.push_back("freezer");
    if (options_.comount_cpu) {
      hierarchies.push_back("cpu,cpuacct");
      fs::create_directory_symlink("cpu,cpuacct", root() + "/cpu");
      fs::create_directory_symlink("cpu,cpuacct", root() + "/cpuacct");
    } else {
      hierarchies.insert(hierarchies.end(), {"cpu", "cpuacct"});
    }
    for (const auto& name : hierarchies) {
      fs::create_directory(root() + "/" + name);
      populate(root() + "/" + name, name);
    }
    fs::create_directory(root() + "/systemd");  // named, no controller
    put(root() + "/systemd/cgroup.procs", "");
    put(root() + "/cpuset/cpuset.cpus", "0-1\n");
    put(root() + "/cpuset/cpuset.mems", "0\n");
  }

  const std::string& root() const { return dir_.path(); }
  std::string path(const std::string& relative) const { return root() + "/" + relative; }
  bool exists(const std::string& relative) const { return fs::exists(path(relative)); }
  std::string read(const std::string& relative) const { return slurp(path(relative)); }
  void write(const std::string& relative, const std::string& text) const { put(path(relative), text); }

  /// Every write the manager made, as "relative/path=value", in order.
  const std::vector<std::string>& writes() const { return *writes_; }
  /// The kernel calls, as "mkdir rel", "rmdir rel", "kill PID SIG [freezer=STATE]".
  const std::vector<std::string>& calls() const { return *calls_; }
  void clear() const {
    writes_->clear();
    calls_->clear();
  }

  cgroups::ManagerOptions options(std::chrono::milliseconds empty_timeout = std::chrono::milliseconds(200)) {
    cgroups::ManagerOptions out;
    out.root = root();
    out.empty_timeout = empty_timeout;
    out.on_write = [this](const std::string& file, const std::string& value) {
      writes_->push_back(relative(file) + "=" + value);
    };
    out.ops.mkdir = [this](const std::string& dir, mode_t mode) { return fake_mkdir(dir, mode); };
    out.ops.rmdir = [this](const std::string& dir) { return fake_rmdir(dir); };
    out.ops.kill = [this](pid_t pid, int signal) { return fake_kill(pid, signal); };
    return out;
  }

 private:
  static std::string slurp(const std::string& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static void put(const std::string& file, const std::string& text) {
    std::ofstream(file, std::ios::trunc) << text;
  }

  std::string relative(const std::string& file) const {
    return file.rfind(root() + "/", 0) == 0 ? file.substr(root().size() + 1) : file;
  }

  // The interface files a new cgroup gets. v1: from the hierarchy's name
  // ("cpu,cpuacct" gets both sets); v2: from the parent's subtree_control.
  void populate(const std::string& dir, const std::string& hierarchy) const {
    put(dir + "/cgroup.procs", "");
    std::string controllers = hierarchy;
    if (options_.v2) {
      put(dir + "/cgroup.subtree_control", "");
      put(dir + "/cgroup.events", "populated 0\nfrozen 0\n");
      put(dir + "/cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
      if (options_.cgroup_kill) put(dir + "/cgroup.kill", "");
      if (dir != root()) {
        std::string enabled = slurp(fs::path(dir).parent_path().string() + "/cgroup.subtree_control");
        for (char& c : enabled) c = c == '+' ? ' ' : c;
        std::istringstream words(enabled);
        std::string list;
        for (std::string word; words >> word;) list += (list.empty() ? "" : " ") + word;
        put(dir + "/cgroup.controllers", list + "\n");
        controllers = list;
      }
    } else {
      put(dir + "/tasks", "");
      put(dir + "/notify_on_release", "0\n");
    }
    std::istringstream names(controllers);
    for (std::string name; std::getline(names, name, options_.v2 ? ' ' : ',');) {
      for (const auto& [file, value] : defaults(name)) put(dir + "/" + file, value);
    }
  }

  std::vector<std::pair<std::string, std::string>> defaults(const std::string& controller) const {
    const bool swap = options_.swap_accounting;
    if (options_.v2) {
      if (controller == "memory") {
        std::vector<std::pair<std::string, std::string>> files = {
            {"memory.max", "max\n"}, {"memory.low", "0\n"}, {"memory.current", "0\n"},
            {"memory.peak", "0\n"}, {"memory.stat", "anon 0\nfile 0\n"},
            {"memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"}};
        if (swap) files.push_back({"memory.swap.max", "max\n"});
        return files;
      }
      if (controller == "pids") return {{"pids.max", "max\n"}, {"pids.current", "0\n"}};
      if (controller == "cpu") return {{"cpu.weight", "100\n"}, {"cpu.max", "max 100000\n"}};
      if (controller == "cpuset") return {{"cpuset.cpus", "\n"}, {"cpuset.mems", "\n"}};
      return {};
    }
    const std::string unlimited = "9223372036854771712\n";
    if (controller == "memory") {
      std::vector<std::pair<std::string, std::string>> files = {
          {"memory.limit_in_bytes", unlimited}, {"memory.soft_limit_in_bytes", unlimited},
          {"memory.usage_in_bytes", "0\n"}, {"memory.max_usage_in_bytes", "0\n"},
          {"memory.stat", "cache 0\nrss 0\n"},
          {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"}};
      if (swap) files.push_back({"memory.memsw.limit_in_bytes", unlimited});
      return files;
    }
    if (controller == "pids") return {{"pids.max", "max\n"}, {"pids.current", "0\n"}};
    if (controller == "cpu")
      return {{"cpu.shares", "1024\n"}, {"cpu.cfs_quota_us", "-1\n"}, {"cpu.cfs_period_us", "100000\n"},
              {"cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"}};
    if (controller == "cpuacct")
      return {{"cpuacct.usage", "0\n"}, {"cpuacct.usage_user", "0\n"}, {"cpuacct.usage_sys", "0\n"},
              {"cpuacct.usage_percpu", "0 0 \n"}, {"cpuacct.stat", "user 0\nsystem 0\n"}};
    if (controller == "cpuset") return {{"cpuset.cpus", "\n"}, {"cpuset.mems", "\n"}};
    if (controller == "freezer") return {{"freezer.state", "THAWED\n"}};
    return {};
  }

  int fake_mkdir(const std::string& dir, mode_t mode) {
    if (::mkdir(dir.c_str(), mode) != 0) return -1;
    calls_->push_back("mkdir " + relative(dir));
    std::string rel = relative(dir);
    std::string hierarchy = options_.v2 ? "" : rel.substr(0, rel.find('/'));
    // Through a symlink (cpu → cpu,cpuacct) the files are the target's.
    if (!options_.v2 && fs::is_symlink(path(hierarchy))) hierarchy = fs::read_symlink(path(hierarchy)).string();
    populate(dir, hierarchy);
    return 0;
  }

  int fake_rmdir(const std::string& dir) {
    if (!fs::is_directory(dir)) return errno = ENOENT, -1;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_directory()) return errno = EBUSY, -1;
    }
    if (!slurp(dir + "/cgroup.procs").empty()) return errno = EBUSY, -1;
    calls_->push_back("rmdir " + relative(dir));
    fs::remove_all(dir);
    return 0;
  }

  int fake_kill(pid_t pid, int signal) {
    std::string call = "kill " + std::to_string(pid) + " " + std::to_string(signal);
    for (const auto& entry : fs::recursive_directory_iterator(root())) {
      if (entry.path().filename() != "cgroup.procs") continue;
      std::istringstream words(slurp(entry.path().string()));
      std::string left;
      bool listed = false;
      for (std::string word; words >> word;) {
        if (word == std::to_string(pid)) listed = true;
        else left += word + "\n";
      }
      if (!listed) continue;
      if (fs::exists(entry.path().parent_path() / "freezer.state"))
        call += " freezer=" + freezer_state(entry.path().parent_path());
      if (options_.pids_die) put(entry.path().string(), left);
    }
    calls_->push_back(call);
    return 0;
  }

  // v1 freezing is hierarchical: a cgroup reads FROZEN while an ancestor is.
  std::string freezer_state(fs::path dir) const {
    for (; fs::exists(dir / "freezer.state"); dir = dir.parent_path()) {
      std::string state = slurp((dir / "freezer.state").string());
      state = state.substr(0, state.find('\n'));
      if (state != "THAWED") return state;
    }
    return "THAWED";
  }

  FakeTreeOptions options_;
  TempDir dir_;
  std::shared_ptr<std::vector<std::string>> writes_ = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::vector<std::string>> calls_ = std::make_shared<std::vector<std::string>>();
};

}  // namespace gorae::testing
