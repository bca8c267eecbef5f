#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace gorae::doctor {

/// How a check found the host.
enum class Outcome {
  ok,       ///< ready
  warn,     ///< works, with a limit the user should know about
  missing,  ///< the engine (or the part the check guards) cannot run
};

/// What one check found, in words a user can act on.
struct Finding {
  Outcome outcome = Outcome::ok;
  std::string summary;  ///< one line: what was found and why it matters
  std::string fix;      ///< a shell command or instruction; empty when ok
};

/// Searches $PATH, then /usr/local/sbin, /usr/sbin and /sbin (a non-root
/// user's PATH often lacks them, and iptables lives there), for an
/// executable regular file called `name`.
bool find_in_path(const std::string& name);

/// Where the checks read the machine. The defaults read this host; tests
/// point the roots at a fake tree in a temporary directory, so every check
/// is a pure function of the files under them.
struct Host {
  std::string proc = "/proc";  ///< /proc of the process being checked
  std::string sys = "/sys";    ///< also the root for mount points under /sys (cgroup2)
  std::string etc = "/etc";    ///< for later chapters' checks (resolv.conf, subuid)
  /// Whether a program can be run by name; find_in_path by default.
  std::function<bool(const std::string&)> have_program = find_in_path;
};

/// One host check. It reads the machine only through Host and should not
/// throw (run() reports one that does instead of stopping).
struct Check {
  std::string name;      ///< short, shown in the second column ("kernel", "overlayfs")
  bool required = true;  ///< false: a `missing` finding is shown and counted as a warning
  std::function<Finding(const Host&)> run;
};

/// The ordered list of checks `gorae doctor` runs. Chapter 01 registers the
/// host basics with add_host_checks(); later chapters add their own (the
/// seam), just as they add routes to api::Router.
class Registry {
 public:
  /// Appends a check; a check with the same name replaces the earlier one,
  /// so a later chapter can refine an earlier chapter's check in place.
  void add(Check check);
  const std::vector<Check>& checks() const { return checks_; }

 private:
  std::vector<Check> checks_;
};

/// Registers chapter 01's checks, in this order: kernel (required ≥ 4.18,
/// warn below 5.4), namespaces, userns (warn only), cgroups (layout; memory,
/// pids and cpu required, cpuset recommended), overlayfs, capabilities (root,
/// the effective set, the bounding set), firewall (iptables or nft, warn
/// only) and ip_forward (warn only).
void add_host_checks(Registry& registry);

/// Runs every check in order and prints one line per check (plus a `fix:`
/// line when there is one) and a summary line:
///
///     [ ok ]    kernel        6.1.0 (need >= 4.18)
///     [warn]    ip_forward    net.ipv4.ip_forward is 0; ...
///               fix: sysctl -w net.ipv4.ip_forward=1
///     doctor: 7 ok, 1 warning, 1 missing
///
/// A check that throws is reported as missing ("check failed: ...") rather
/// than ending the run.
/// @return 0 when no required check found something missing, 1 otherwise.
int run(const Registry& registry, const Host& host, std::ostream& out);

}  // namespace gorae::doctor
