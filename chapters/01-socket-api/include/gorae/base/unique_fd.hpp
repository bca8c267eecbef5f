#pragma once

#include <cerrno>
#include <unistd.h>

namespace gorae::base {

/// Owns one file descriptor and closes it once (after AOSP's unique_fd).
/// Borrowed descriptors are passed as plain `int`; there is deliberately no
/// conversion operator, so ownership is always visible at the call site.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  bool operator!() const = delete;  // catches `if (!fd)` meant as an error check

  /// Gives up ownership without closing.
  [[nodiscard]] int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

  /// Closes the current descriptor (never retried: after EINTR it is closed
  /// anyway) and keeps errno as it was, so callers can report the real error.
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      int saved = errno;
      ::close(fd_);
      errno = saved;
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace gorae::base
