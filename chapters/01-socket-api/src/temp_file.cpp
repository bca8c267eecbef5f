#include "gorae/base/temp_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

namespace gorae::base {

Result<UniqueFd> open_unnamed_file(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd.valid()) return fd;
  // EISDIR: a kernel older than 3.11 read O_TMPFILE as O_DIRECTORY.
  if (errno != EOPNOTSUPP && errno != EISDIR)
    return tl::unexpected(Error::from_errno("create a temporary file in " + dir));
  std::string name = dir + "/.gorae-tmp-XXXXXX";
  fd.reset(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd.valid()) return tl::unexpected(Error::from_errno("create a temporary file in " + dir));
  if (::unlink(name.c_str()) != 0) return tl::unexpected(Error::from_errno("unlink " + name));
  return fd;
}

}  // namespace gorae::base
