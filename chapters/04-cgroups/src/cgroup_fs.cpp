#include "cgroup_fs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <sstream>
#include <thread>

#include "gorae/base/unique_fd.hpp"

namespace gorae::cgroups {

KernelOps KernelOps::system() {
  return KernelOps{
      [](const std::string& path, mode_t mode) { return ::mkdir(path.c_str(), mode); },
      [](const std::string& path) { return ::rmdir(path.c_str()); },
      [](pid_t pid, int signal) { return ::kill(pid, signal); },
  };
}

namespace detail {

Status check_path(const std::string& path) {
  if (path.empty() || path.front() != '/')
    return fail(Errc::invalid_argument, "cgroup path \"" + path + "\" is not absolute");
  bool has_name = false;
  std::istringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part == "." || part == "..")
      return fail(Errc::invalid_argument, "cgroup path \"" + path + "\" contains \"" + part + "\"");
    has_name = has_name || !part.empty();
  }
  // "/" is the hierarchy's root: destroying it would mean every process on the host.
  if (!has_name) return fail(Errc::invalid_argument, "cgroup path \"" + path + "\" is the root");
  return {};
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::string> read_file(const std::string& path) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return tl::unexpected(Error::from_errno("open " + path));
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tl::unexpected(Error::from_errno("read " + path));
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

namespace {

std::string_view trim(std::string_view text) {
  const char* blanks = " \t\n";
  auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

std::optional<std::uint64_t> to_u64(std::string_view word) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || end != word.data() + word.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<std::string> read_value(const std::string& path) {
  GORAE_ASSIGN_OR_RETURN(std::string text, read_file(path));
  std::string_view view(text);
  return std::string(trim(view.substr(0, view.find('\n'))));
}

Result<std::optional<std::uint64_t>> read_limit(const std::string& path) {
  GORAE_ASSIGN_OR_RETURN(std::string value, read_value(path));
  if (value == "max") return std::optional<std::uint64_t>();
  auto number = to_u64(value);
  if (!number) return fail(Errc::internal, path + ": unexpected value \"" + value + "\"");
  return number;
}

Status write_file(const ManagerOptions& options, const std::string& path, const std::string& value) {
  const std::string what = "write \"" + value + "\" to " + path;
  // O_TRUNC matters only to fake trees; cgroupfs parses each write() whole.
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd.valid()) return tl::unexpected(Error::from_errno(what));
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return tl::unexpected(Error::from_errno(what));
  if (static_cast<std::size_t>(n) != value.size())
    return fail(Errc::system, what + ": short write");
  if (options.on_write) options.on_write(path, value);
  return {};
}

std::map<std::string, std::uint64_t> parse_flat_keyed(std::string_view text) {
  std::map<std::string, std::uint64_t> out;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value)) continue;
    if (auto number = to_u64(value)) out[key] = *number;
  }
  return out;
}

std::vector<std::uint64_t> parse_numbers(std::string_view text) {
  std::vector<std::uint64_t> out;
  std::istringstream words{std::string(text)};
  for (std::string word; words >> word;)
    if (auto number = to_u64(word)) out.push_back(*number);
  return out;
}

std::vector<pid_t> read_pids(const std::string& dir) {
  std::vector<pid_t> pids;
  auto text = read_file(dir + "/cgroup.procs");
  if (!text) return pids;
  for (std::uint64_t pid : parse_numbers(*text)) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

std::vector<std::string> post_order(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    // Child cgroups are real directories; a symlink would lead out of the tree.
    if (!entry.is_symlink(ec) && entry.is_directory(ec)) {
      auto below = post_order(entry.path().string());
      out.insert(out.end(), below.begin(), below.end());
    }
  }
  out.push_back(dir);
  return out;
}

std::vector<std::string> path_parts(const std::string& path) {
  std::vector<std::string> parts;
  std::istringstream stream(path);
  for (std::string part; std::getline(stream, part, '/');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

Status make_dir(const ManagerOptions& options, const std::string& dir) {
  if (options.ops.mkdir(dir, 0755) == 0 || errno == EEXIST) return {};
  return tl::unexpected(Error::from_errno("mkdir " + dir));
}

Result<std::uint64_t> read_counter(const std::string& path) {
  auto value = read_limit(path);
  if (!value && value.error().code() == std::errc::no_such_file_or_directory) return 0;
  if (!value) return tl::unexpected(std::move(value).error());
  return value->value_or(0);
}

Result<std::map<std::string, std::uint64_t>> read_keyed(const std::string& path) {
  auto text = read_file(path);
  if (!text && text.error().code() == std::errc::no_such_file_or_directory)
    return std::map<std::string, std::uint64_t>();
  if (!text) return tl::unexpected(std::move(text).error());
  return parse_flat_keyed(*text);
}

Status kill_all(const ManagerOptions& options, const std::string& dir) {
  for (const std::string& cgroup : post_order(dir)) {
    for (pid_t pid : read_pids(cgroup)) {
      if (options.ops.kill(pid, SIGKILL) != 0 && errno != ESRCH)
        return tl::unexpected(Error::from_errno("kill " + std::to_string(pid) + " in " + cgroup));
    }
  }
  return {};
}

Status remove_tree(const ManagerOptions& options, const std::string& dir) {
  if (!exists(dir)) return {};
  auto deadline = std::chrono::steady_clock::now() + options.empty_timeout;
  for (const std::string& cgroup : post_order(dir)) {
    // The kernel answers EBUSY until the last task has left (exit is not
    // instant after SIGKILL) and while a child cgroup exists.
    while (options.ops.rmdir(cgroup) != 0) {
      if (errno == ENOENT) break;
      if (errno != EBUSY) return tl::unexpected(Error::from_errno("rmdir " + cgroup));
      if (std::chrono::steady_clock::now() >= deadline) {
        std::string left;
        for (pid_t pid : read_pids(cgroup)) left += " " + std::to_string(pid);
        return tl::unexpected(Error::from_errno(
            EBUSY, "rmdir " + cgroup + " (processes still inside:" + (left.empty() ? " none listed" : left) + ")"));
      }
      GORAE_TRY(kill_all(options, cgroup));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return {};
}

std::uint64_t host_memory() {
  struct sysinfo info {};
  if (::sysinfo(&info) != 0) return 0;
  return static_cast<std::uint64_t>(info.totalram) * info.mem_unit;
}

}  // namespace detail
}  // namespace gorae::cgroups
