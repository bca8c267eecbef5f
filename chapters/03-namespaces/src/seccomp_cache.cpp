// compile_seccomp() through a directory of compiled programs: libseccomp
// takes milliseconds to build Docker's default profile (983 instructions for
// x86_64, x86 and x32), the file takes microseconds to read. crun keeps the
// same kind of cache under <state root>/.cache/seccomp.

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "gorae/base/unique_fd.hpp"
#include "gorae/security/seccomp.hpp"

namespace gorae::security {
namespace {

using base::UniqueFd;

// The program depends on the filter's text, on what this libseccomp makes of
// it and on what it found the kernel supports: all three make the key.
std::string cache_key(const std::string& text) {
  const scmp_version* version = seccomp_version();
  struct utsname host {};
  ::uname(&host);
  std::string key = text;
  key += '\0' + std::to_string(version->major) + '.' + std::to_string(version->minor) + '.' +
         std::to_string(version->micro);
  key += std::string(1, '\0') + host.release + '\0' + host.version + '\0' + host.machine;
  return key;
}

// The file is named by a hash of the key but holds the key itself, and only
// an entry whose key is ours, byte for byte, is used: two keys that hash
// alike (by chance, or crafted in a profile sent to the API) just evict each
// other. No cryptographic hash, so no libcrypto in the runtime.
std::string file_name(const std::string& key) {
  char name[20];
  std::snprintf(name, sizeof name, "%016zx", std::hash<std::string>{}(key));
  return name;
}

struct Header {
  std::uint32_t key_size;
  std::uint32_t flags;
};

// {Header, key, instructions}, owned by us and not a link. Anything else is a miss.
std::optional<SeccompProgram> read_entry(int dir_fd, const std::string& key) {
  UniqueFd fd(::openat(dir_fd, file_name(key).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
    return std::nullopt;
  auto size = static_cast<std::size_t>(st.st_size);
  std::size_t fixed = sizeof(Header) + key.size();
  if (size <= fixed || (size - fixed) % sizeof(sock_filter) != 0 ||
      (size - fixed) / sizeof(sock_filter) > BPF_MAXINSNS)
    return std::nullopt;
  Header header{};
  std::string stored(key.size(), '\0');
  SeccompProgram program;
  program.filter.resize((size - fixed) / sizeof(sock_filter));
  struct iovec parts[3] = {{&header, sizeof header},
                           {stored.data(), stored.size()},
                           {program.filter.data(), size - fixed}};
  if (::readv(fd.get(), parts, 3) != static_cast<ssize_t>(size) || header.key_size != key.size() ||
      stored != key)
    return std::nullopt;
  program.flags = header.flags;
  return program;
}

void write_entry(int dir_fd, const std::string& key, const SeccompProgram& program) {
  std::string name = file_name(key);
  std::string temp = name + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return;
  Header header{static_cast<std::uint32_t>(key.size()), program.flags};
  std::size_t bytes = program.filter.size() * sizeof(sock_filter);
  struct iovec parts[3] = {{&header, sizeof header},
                           {const_cast<char*>(key.data()), key.size()},
                           {const_cast<sock_filter*>(program.filter.data()), bytes}};
  if (::writev(fd.get(), parts, 3) != static_cast<ssize_t>(sizeof header + key.size() + bytes) ||
      ::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0)
    ::unlinkat(dir_fd, temp.c_str(), 0);
}

}  // namespace

Result<SeccompProgram> compile_seccomp_cached(const std::string& linux_seccomp_text,
                                              const std::string& cache_dir) {
  std::string key = cache_dir.empty() ? "" : cache_key(linux_seccomp_text);
  UniqueFd dir;
  if (!key.empty()) {
    ::mkdir(cache_dir.c_str(), 0700);
    dir = UniqueFd(::open(cache_dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.valid())
      if (auto cached = read_entry(dir.get(), key)) return std::move(*cached);
  }
  auto document = nlohmann::json::parse(linux_seccomp_text, nullptr, false);
  if (document.is_discarded()) return fail(Errc::invalid_argument, "linux.seccomp: not JSON");
  GORAE_ASSIGN_OR_RETURN(SeccompProgram program, compile_seccomp(document));
  if (dir.valid()) write_entry(dir.get(), key, program);
  return program;
}

}  // namespace gorae::security
