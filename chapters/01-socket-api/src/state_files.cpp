#include "gorae/daemon/state_files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "gorae/base/unique_fd.hpp"

namespace gorae::daemon {
namespace {

std::string read_small_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string random_uuid() {
  std::random_device random;
  unsigned char bytes[16];
  for (auto& byte : bytes) byte = static_cast<unsigned char>(random());
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(hex[bytes[i] >> 4]);
    text.push_back(hex[bytes[i] & 0xf]);
  }
  return text;
}

}  // namespace

Status write_file_atomic(const std::string& path, const std::string& content, int mode) {
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  base::UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return tl::unexpected(Error::from_errno("create " + temporary));
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd.get(), data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      auto error = Error::from_errno("write " + temporary);
      ::unlink(temporary.c_str());
      return tl::unexpected(std::move(error));
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::fsync(fd.get()) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    auto error = Error::from_errno("save " + path);
    ::unlink(temporary.c_str());
    return tl::unexpected(std::move(error));
  }
  return {};
}

Result<std::string> load_or_create_engine_id(const std::string& data_root) {
  std::string path = data_root + "/engine-id";
  std::string id = read_small_file(path);
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (!id.empty()) return id;
  id = random_uuid();
  GORAE_TRY(write_file_atomic(path, id + "\n", 0600));
  return id;
}

Result<Pidfile> Pidfile::create(const std::string& path) {
  std::string old = read_small_file(path);
  if (!old.empty()) {
    long pid = std::strtol(old.c_str(), nullptr, 10);
    if (pid > 0 && pid != ::getpid() && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM))
      return fail(Errc::conflict, "pid file found, ensure goraed is not running or delete " +
                                      path + " (it names the live process " +
                                      std::to_string(pid) + ")");
  }
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  GORAE_TRY(write_file_atomic(path, std::to_string(::getpid()) + "\n"));
  return Pidfile(path);
}

Pidfile::~Pidfile() {
  if (path_.empty()) return;
  if (std::strtol(read_small_file(path_).c_str(), nullptr, 10) == ::getpid()) ::unlink(path_.c_str());
}

}  // namespace gorae::daemon
