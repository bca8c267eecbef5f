// docker commit pauses the container (dockerd's containerPause, the cgroup
// freezer under runc) so the layer is one moment of its files. Kernel
// documentation: admin-guide/cgroup-v1/freezer-subsystem.rst and
// admin-guide/cgroup-v2.rst ("cgroup.freeze").
#include "gorae/engine/container_freezer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "gorae/base/unique_fd.hpp"
#include "gorae/cgroups/detect.hpp"

namespace gorae::engine {
namespace {

Status write_value(const std::string& file, const std::string& value) {
  base::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return tl::unexpected(Error::from_errno("open " + file));
  if (::write(fd.get(), value.data(), value.size()) < 0)
    return tl::unexpected(Error::from_errno("write " + value + " to " + file));
  return {};
}

std::string read_all(const std::string& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ScopedFreeze::~ScopedFreeze() {
  if (!state_file_.empty()) (void)write_value(state_file_, thaw_);
}

Result<ScopedFreeze> ScopedFreeze::freeze(const std::string& cgroup_path, const std::string& root) {
  GORAE_ASSIGN_OR_RETURN(cgroups::Layout layout, cgroups::detect_layout(root));
  bool v2 = layout == cgroups::Layout::unified;
  std::string dir = v2 ? root + cgroup_path : root + "/freezer" + cgroup_path;
  std::string file = dir + (v2 ? "/cgroup.freeze" : "/freezer.state");
  if (::access(file.c_str(), W_OK) != 0)
    return fail(Errc::unavailable, "no cgroup freezer at " + file);
  GORAE_TRY(write_value(file, v2 ? "1" : "FROZEN"));
  ScopedFreeze held;
  held.state_file_ = file;
  held.thaw_ = v2 ? "0" : "THAWED";
  // v1 passes through FREEZING; v2 reports the end in cgroup.events.
  auto frozen = [&] {
    return v2 ? read_all(dir + "/cgroup.events").find("frozen 1") != std::string::npos
              : read_all(file).rfind("FROZEN", 0) == 0;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!frozen()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return fail(Errc::unavailable, dir + " did not freeze within 2 s");  // `held` thaws it
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return held;
}

}  // namespace gorae::engine
