#include "mount_options.hpp"

#include <sys/mount.h>

#include <map>

namespace gorae::runtime {
namespace {

struct Flag {
  bool clear;  // "rw", "suid", ...: the option turns the flag off
  unsigned long flag;
};

const std::map<std::string, Flag>& flag_table() {
  static const std::map<std::string, Flag> table = {
      {"async", {true, MS_SYNCHRONOUS}},  {"atime", {true, MS_NOATIME}},
      {"bind", {false, MS_BIND}},         {"defaults", {false, 0}},
      {"dev", {true, MS_NODEV}},          {"diratime", {true, MS_NODIRATIME}},
      {"dirsync", {false, MS_DIRSYNC}},   {"exec", {true, MS_NOEXEC}},
      {"mand", {false, MS_MANDLOCK}},     {"noatime", {false, MS_NOATIME}},
      {"nodev", {false, MS_NODEV}},       {"nodiratime", {false, MS_NODIRATIME}},
      {"noexec", {false, MS_NOEXEC}},     {"nomand", {true, MS_MANDLOCK}},
      {"norelatime", {true, MS_RELATIME}}, {"nostrictatime", {true, MS_STRICTATIME}},
      {"nosuid", {false, MS_NOSUID}},     {"rbind", {false, MS_BIND | MS_REC}},
      {"relatime", {false, MS_RELATIME}}, {"remount", {false, MS_REMOUNT}},
      {"ro", {false, MS_RDONLY}},         {"rw", {true, MS_RDONLY}},
      {"strictatime", {false, MS_STRICTATIME}}, {"suid", {true, MS_NOSUID}},
      {"sync", {false, MS_SYNCHRONOUS}},
  };
  return table;
}

const std::map<std::string, unsigned long>& propagation_table() {
  static const std::map<std::string, unsigned long> table = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  return table;
}

}  // namespace

MountOptions parse_mount_options(const std::string& type, const std::vector<std::string>& options) {
  // LAB(03) mount-options: Turn a mount's option words into mount(2) flags, propagation and data
  // Each word is a flag that sets or clears a bit (flag_table(): "ro" sets
  // MS_RDONLY, "rw" clears it; a later word undoes an earlier one), a
  // propagation (propagation_table()), or else filesystem data, joined with
  // ",". Type "bind" is a bind mount whatever the words say.
  MountOptions out;
  for (const std::string& option : options) {
    if (auto flag = flag_table().find(option); flag != flag_table().end()) {
      if (flag->second.clear) out.flags &= ~flag->second.flag;
      else out.flags |= flag->second.flag;
    } else if (auto kind = propagation_table().find(option); kind != propagation_table().end()) {
      out.propagation = kind->second;
    } else {
      if (!out.data.empty()) out.data += ',';
      out.data += option;
    }
  }
  if (type == "bind") out.flags |= MS_BIND;
  out.bind = (out.flags & MS_BIND) != 0;
  out.readonly = (out.flags & MS_RDONLY) != 0;
  return out;
  // LAB-END
}

}  // namespace gorae::runtime
