// The cgroup around each container's process: made and limited before the
// clone (prepare), joined by the child while it still waits (attach), and
// emptied and removed once the process is reaped, after reading whether the
// kernel's OOM killer struck inside it (release).

#include <CLI/CLI.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "gorae/base/log.hpp"
#include "gorae/engine/isolation.hpp"
#include "gorae/engine/resources.hpp"
#include "gorae/runtime/linux_runtime.hpp"

namespace gorae::engine {
namespace {

using nlohmann::json;

class CgroupHook final : public runtime::ProcessHook {
 public:
  explicit CgroupHook(std::shared_ptr<cgroups::Manager> manager) : manager_(std::move(manager)) {}

  Status prepare(const std::string& id, const json& spec) override {
    auto linux = spec.find("linux");
    if (linux == spec.end() || !linux->contains("cgroupsPath")) return {};  // not asked for
    const json& path_field = (*linux)["cgroupsPath"];
    if (!path_field.is_string() || path_field.get<std::string>().empty())
      return fail(Errc::invalid_argument, "config.json: linux.cgroupsPath: must be a non-empty string");
    // LAB(04) hook-prepare: Make the container's cgroup and set its limits before the clone
    // The limits come from linux.resources (cgroups::parse_resources). Create
    // the cgroup, apply them (and remove it again if the kernel refuses one),
    // and remember the path for attach() and release(). attach() moves the
    // child in while it still waits, so nothing it runs escapes the limits.
    // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
    std::string path = path_field.get<std::string>();
    GORAE_ASSIGN_OR_RETURN(cgroups::Resources resources,
                           cgroups::parse_resources(linux->value("resources", json::object())));
    GORAE_TRY(manager_->create(path));
    if (auto applied = manager_->apply(path, resources); !applied) {
      (void)manager_->destroy(path);
      return tl::unexpected(std::move(applied).error());
    }
    std::lock_guard lock(mutex_);
    paths_[id] = path;
    // LAB-END
    return {};
  }

  Status attach(const std::string& id, pid_t pid) override {
    std::string path = path_of(id);
    if (path.empty()) return {};
    return manager_->add_process(path, pid);
  }

  void release(const std::string& id, runtime::ExitStatus* status) override {
    // LAB(04) hook-release: After the container's exit: was it OOM-killed? Then remove its cgroup
    // Forget the container's path (no path: nothing to do). The kernel's
    // OOM count lives in the cgroup: read it (manager_->oom_kills) into
    // status->oom_killed before destroy() kills what is left and removes the
    // cgroup. This runs on the container's supervising thread: log a failure
    // to remove, never throw.
    // LAB-STUB: GORAE_LOG_ERROR("container %s: not implemented yet: %s", id.c_str(), @TASK@);
    std::string path;
    {
      std::lock_guard lock(mutex_);
      auto found = paths_.find(id);
      if (found == paths_.end()) return;
      path = found->second;
      paths_.erase(found);
    }
    if (status) {
      if (auto kills = manager_->oom_kills(path); kills && *kills > 0) status->oom_killed = true;
    }
    if (auto removed = manager_->destroy(path); !removed)
      GORAE_LOG_WARN("container %s: remove cgroup %s: %s", id.c_str(), path.c_str(),
                     removed.error().what().c_str());
    // LAB-END
  }

 private:
  std::string path_of(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto found = paths_.find(id);
    return found == paths_.end() ? std::string() : found->second;
  }

  std::shared_ptr<cgroups::Manager> manager_;
  std::mutex mutex_;                          // guards paths_
  std::map<std::string, std::string> paths_;  // container id → its cgroup
};

}  // namespace

std::shared_ptr<runtime::ProcessHook> cgroup_hook(std::shared_ptr<cgroups::Manager> manager) {
  return std::make_shared<CgroupHook>(std::move(manager));
}

EngineParts cgroup_parts(std::shared_ptr<const CgroupSettings> settings,
                         std::shared_ptr<cgroups::Manager> manager) {
  EngineParts parts = isolation_parts();
  auto hook = cgroup_hook(manager);
  parts.make_runtime = [hook](const daemon::Options& options) {
    return runtime::make_linux_runtime({hook}, runtime_options(options));
  };
  parts.contributors.push_back(resources_contributor(std::move(settings)));
  parts.routes.push_back(stats_routes(std::move(manager)));
  return parts;
}

daemon::FlagInstaller cgroup_flags(std::shared_ptr<CgroupSettings> settings) {
  return [settings](CLI::App& app) {
    app.add_option("--cgroup-parent", settings->parent,
                   "The cgroup that holds every container's own cgroup")
        ->capture_default_str();
  };
}

daemon::Installer cgroup_info_installer(std::shared_ptr<cgroups::Manager> manager) {
  return [manager](daemon::Context& context) -> Status {
    context.system.add_info_contributor([manager](json& info) {
      info["CgroupDriver"] = "cgroupfs";
      info["CgroupVersion"] = std::to_string(manager->version());
    });
    return {};
  };
}

}  // namespace gorae::engine
