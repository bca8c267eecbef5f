#include "runtime_errors.hpp"

#include <sched.h>

#include <system_error>

namespace gorae::runtime {
namespace {

using detail::Step;

template <typename T>
const T* item(const std::vector<T>& items, std::int32_t index) {
  return index >= 0 && static_cast<std::size_t>(index) < items.size() ? &items[static_cast<std::size_t>(index)]
                                                                      : nullptr;
}

std::string mount_words(const LinuxSpec& spec, std::int32_t index) {
  const MountSpec* mount = item(spec.mounts, index);
  if (!mount) return "mount #" + std::to_string(index);
  std::string source = mount->source.empty() ? mount->type : mount->source;
  return "\"" + source + "\" to rootfs at \"" + mount->destination + "\"";
}

std::string path_words(const std::vector<std::string>& paths, std::int32_t index) {
  const std::string* path = item(paths, index);
  return path ? *path : "#" + std::to_string(index);
}

std::string namespace_words(const LinuxSpec& spec, std::int32_t index) {
  // The plan joins the user namespace first, then the rest in spec order.
  std::vector<const NamespaceSpec*> joined;
  for (const NamespaceSpec& ns : spec.namespaces)
    if (!ns.path.empty()) {
      if (ns.clone_flag == CLONE_NEWUSER) joined.insert(joined.begin(), &ns);
      else joined.push_back(&ns);
    }
  if (index < 0 || static_cast<std::size_t>(index) >= joined.size()) return "a namespace";
  const NamespaceSpec& ns = *joined[static_cast<std::size_t>(index)];
  return ns.type + " namespace " + ns.path;
}

std::string what_failed(const detail::Report& report, const LinuxSpec& spec,
                        const std::string& executable) {
  const std::int32_t i = report.index;
  switch (static_cast<Step>(report.step)) {
    case Step::signals: return "reset signals";
    case Step::wait_parent: return "wait for the user namespace's id maps";
    case Step::join_namespace: return "join " + namespace_words(spec, i);
    case Step::fork_into_pid_namespace: return "fork into the joined pid namespace";
    case Step::userns_root: return "become root in the user namespace (is uid 0 mapped?)";
    case Step::setsid: return "setsid";
    case Step::loopback: return "bring up the loopback interface";
    case Step::hostname: return "sethostname \"" + spec.base.hostname + "\"";
    case Step::domainname: return "setdomainname \"" + spec.domainname + "\"";
    case Step::oom_score_adj: return "write oom_score_adj";
    case Step::root_propagation: return "make the mounts of \"/\" private";
    case Step::bind_rootfs: return "bind the rootfs " + spec.base.root_path + " onto itself";
    case Step::open_rootfs: return "open the rootfs " + spec.base.root_path;
    case Step::make_target: return "create the mount point for " + mount_words(spec, i);
    case Step::open_target: return "open the mount point for " + mount_words(spec, i);
    case Step::mount: return "error mounting " + mount_words(spec, i);
    case Step::mount_propagation: return "set the propagation of " + mount_words(spec, i);
    case Step::remount_readonly: return "remount " + mount_words(spec, i) + " with its flags";
    case Step::devices: return "create the device nodes in /dev";
    case Step::dev_symlinks: return "create the links in /dev (fd, stdin, ptmx, ...)";
    case Step::console: return "allocate the container's terminal in /dev/pts";
    case Step::send_console: return "send the terminal to the daemon";
    case Step::pivot_root: return "pivot_root into " + spec.base.root_path;
    case Step::detach_old_root: return "detach the old root";
    case Step::readonly_path: return "make " + path_words(spec.readonly_paths, i) + " read-only";
    case Step::masked_path: return "mask " + path_words(spec.masked_paths, i);
    case Step::root_readonly: return "remount the root filesystem read-only";
    case Step::rlimit: return "setrlimit #" + std::to_string(i);
    case Step::set_ctty: return "make the terminal the controlling terminal";
    case Step::stdio: return "set up stdio";
    case Step::chdir_cwd:  // runc's words; Docker answers 400
      return "chdir to cwd (\"" + spec.base.process.cwd + "\") set in config.json failed";
    case Step::no_new_privileges: return "set no_new_privs";
    case Step::seccomp: return "load the seccomp filter";
    case Step::drop_bounding: return "drop capability " + std::to_string(i) + " from the bounding set";
    case Step::keep_capabilities: return "prctl(PR_SET_KEEPCAPS)";
    case Step::setgroups: return "setgroups";
    case Step::setgid: return "setgid " + std::to_string(spec.base.process.gid);
    case Step::setuid: return "setuid " + std::to_string(spec.base.process.uid);
    case Step::capset: return "unable to apply caps";
    case Step::ambient: return "raise ambient capability " + std::to_string(i);
    case Step::exec: return "exec " + executable;  // runc: "exec /bin/app: no such file or directory"
  }
  return "step " + std::to_string(report.step);
}

}  // namespace

Error child_error(const detail::Report& report, const LinuxSpec& spec,
                  const std::string& executable) {
  auto step = static_cast<Step>(report.step);
  Errc kind = step == Step::chdir_cwd || step == Step::exec ? Errc::invalid_argument : Errc::system;
  return Error(kind, what_failed(report, spec, executable),
               std::error_code(report.error, std::generic_category()));
}

}  // namespace gorae::runtime
