#pragma once
// mounts[].options → mount(2)'s flags and data string, as mount(8) reads
// them (runc's parseMountOptions has the same table).

#include <string>
#include <vector>

namespace gorae::runtime {

struct MountOptions {
  unsigned long flags = 0;        ///< MS_* to pass to mount(2)
  unsigned long propagation = 0;  ///< MS_PRIVATE, MS_SLAVE|MS_REC, ... applied after
  bool bind = false;              ///< "bind" or "rbind" (or type "bind")
  bool readonly = false;          ///< "ro": a bind needs a second, remounting call
  std::string data;               ///< what mount(2) does not know: "mode=755,size=65536k"
};

MountOptions parse_mount_options(const std::string& type, const std::vector<std::string>& options);

}  // namespace gorae::runtime
