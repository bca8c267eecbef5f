// Private to chapter 04: the file handling that the v1 and v2 managers share.
// cgroupfs files are small text files the kernel parses on write(); every
// helper names the file (and the value) in its error.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/cgroups/manager.hpp"

namespace gorae::cgroups::detail {

/// Rejects what could escape or wipe a hierarchy: relative paths, "..", "/".
Status check_path(const std::string& path);

bool exists(const std::string& path);
bool is_directory(const std::string& path);

Result<std::string> read_file(const std::string& path);
/// The file's first line without surrounding blanks.
Result<std::string> read_value(const std::string& path);
/// A number; "max" reads as nullopt.
Result<std::optional<std::uint64_t>> read_limit(const std::string& path);
/// Never O_CREAT: cgroupfs cannot create files, and a typo should say ENOENT.
Status write_file(const ManagerOptions& options, const std::string& path, const std::string& value);

/// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
std::map<std::string, std::uint64_t> parse_flat_keyed(std::string_view text);
/// Whitespace-separated numbers (cpuacct.usage_percpu, cgroup.procs).
std::vector<std::uint64_t> parse_numbers(std::string_view text);
/// The pids in dir/cgroup.procs; none when the file is gone.
std::vector<pid_t> read_pids(const std::string& dir);
/// dir and every cgroup below it, children before their parents.
std::vector<std::string> post_order(const std::string& dir);

/// The names in a checked path: "/gorae/abc" → {"gorae", "abc"}.
std::vector<std::string> path_parts(const std::string& path);
/// One mkdir through the kernel ops; an existing directory is fine.
Status make_dir(const ManagerOptions& options, const std::string& dir);

/// A counter or limit; a missing file (controller absent) and "max" read as 0.
Result<std::uint64_t> read_counter(const std::string& path);
/// A flat-keyed file; a missing file reads as empty.
Result<std::map<std::string, std::uint64_t>> read_keyed(const std::string& path);

/// SIGKILLs every pid in dir/cgroup.procs and below; ESRCH counts as done.
Status kill_all(const ManagerOptions& options, const std::string& dir);
/// rmdir of dir and its children, children first. While the kernel says EBUSY
/// (processes still leaving) it kills what is left and retries until
/// options.empty_timeout; a missing directory is already done.
Status remove_tree(const ManagerOptions& options, const std::string& dir);

/// The host's RAM in bytes (sysinfo), which dockerd reports as the limit of a
/// container without one.
std::uint64_t host_memory();

}  // namespace gorae::cgroups::detail
