#pragma once

// What the stubs of a lab fail with. scripts/make-lab replaces each marked
// solution region of a chapter with a stub that calls one of these, so an
// unwritten part of the lab says which chapter and which task it is, instead
// of misbehaving quietly. The reference sources never use them.

#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "gorae/base/error.hpp"

namespace gorae {

/// Thrown by a stub in code that may throw: "not implemented yet: chapter 01,
/// route-match: ...". The router turns it into a 500 whose message names the
/// task; a unit test reports it as an uncaught exception with the same text.
class NotImplemented : public std::logic_error {
 public:
  explicit NotImplemented(const std::string& task)
      : std::logic_error("not implemented yet: " + task) {}
};

namespace lab {

/// For stubs in functions that return a Result or Status: the same message
/// as an Errc::internal error (500 at the API).
inline tl::unexpected<Error> not_implemented(const std::string& task) {
  return fail(Errc::internal, "not implemented yet: " + task);
}

/// For stubs in a forked child, where nothing may allocate or throw: writes
/// the message to `fd` (the container's stderr when there is one) and exits
/// 127, the status of a command that could not be run.
[[noreturn]] inline void child_not_implemented(int fd, const char* task) noexcept {
  static const char prefix[] = "not implemented yet: ";
  [[maybe_unused]] ssize_t n = ::write(fd, prefix, sizeof prefix - 1);
  n = ::write(fd, task, std::strlen(task));
  n = ::write(fd, "\n", 1);
  ::_exit(127);
}

}  // namespace lab
}  // namespace gorae
