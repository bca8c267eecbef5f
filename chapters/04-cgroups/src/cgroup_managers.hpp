// Private to chapter 04: the two Manager implementations, split over
// cgroup_v1*.cpp and cgroup_v2*.cpp (changes, then stats).
#pragma once

#include <string>
#include <vector>

#include "gorae/cgroups/manager.hpp"

namespace gorae::cgroups::detail {

class V1Manager final : public Manager {
 public:
  explicit V1Manager(ManagerOptions options) : options_(std::move(options)) {}
  int version() const override { return 1; }
  Status create(const std::string& path) override;
  Status apply(const std::string& path, const Resources& resources) override;
  Status add_process(const std::string& path, pid_t pid) override;
  Result<Stats> stats(const std::string& path) const override;
  Result<std::uint64_t> oom_kills(const std::string& path) const override;
  Status destroy(const std::string& path) override;
  std::vector<std::string> controllers() const override;

 private:
  /// root/<controller><path>.
  std::string dir(const std::string& controller, const std::string& path) const;
  /// Errc::unavailable unless root/<controller> is a mounted hierarchy.
  Status require(const std::string& controller, const char* wanted_for) const;
  /// root/<controller> for each mounted hierarchy, once (cpu and cpuacct
  /// may be the same one).
  std::vector<std::string> hierarchies() const;
  Status apply_memory(const std::string& dir, const Resources& resources);
  Status kill_inside(const std::string& path);

  ManagerOptions options_;
};

class V2Manager final : public Manager {
 public:
  explicit V2Manager(ManagerOptions options) : options_(std::move(options)) {}
  int version() const override { return 2; }
  Status create(const std::string& path) override;
  Status apply(const std::string& path, const Resources& resources) override;
  Status add_process(const std::string& path, pid_t pid) override;
  Result<Stats> stats(const std::string& path) const override;
  Result<std::uint64_t> oom_kills(const std::string& path) const override;
  Status destroy(const std::string& path) override;
  std::vector<std::string> controllers() const override;

 private:
  /// Errc::unavailable unless `controller` is in dir/cgroup.controllers.
  Status require(const std::string& dir, const char* controller) const;
  Status apply_memory(const std::string& dir, const Resources& resources);
  Status apply_cpu(const std::string& dir, const Resources& resources);

  ManagerOptions options_;
};

}  // namespace gorae::cgroups::detail
