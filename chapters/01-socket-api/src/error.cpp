#include "gorae/base/error.hpp"

#include <cerrno>

namespace gorae {

Error Error::from_errno(const std::string& what) { return from_errno(errno, what); }

Error Error::from_errno(int err, const std::string& what) {
  Errc kind = Errc::system;
  if (err == ENOENT) kind = Errc::not_found;
  if (err == EEXIST || err == EADDRINUSE || err == EBUSY) kind = Errc::conflict;
  if (err == EINVAL) kind = Errc::invalid_argument;
  return Error(kind, what, std::error_code(err, std::generic_category()));
}

Error&& Error::wrap(const std::string& context) && {
  message_ = context + ": " + message_;
  return std::move(*this);
}

std::string Error::what() const {
  if (!code_) return message_;
  // Go's (and so Docker's) spelling of errno texts: "no such file or
  // directory", which clients and the docker CLI match on.
  std::string text = code_.message();
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z' && !(text.size() > 1 && text[1] >= 'A' && text[1] <= 'Z'))
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return message_ + ": " + text;
}

}  // namespace gorae
