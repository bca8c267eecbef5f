// config.json, the parts chapter 03 adds: linux.namespaces, mounts, masked
// and read-only paths, capabilities, rlimits, seccomp. Chapter 02's reader
// still reads root, hostname and process; this one reads the rest of the
// same document, and says which field is wrong when one is.

#include "gorae/runtime/linux_spec.hpp"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

namespace gorae::runtime {
namespace {

using nlohmann::json;

tl::unexpected<Error> invalid(const std::string& field, const std::string& problem) {
  return fail(Errc::invalid_argument, "config.json: " + field + ": " + problem);
}

std::string at(const std::string& field, std::size_t index) {
  return field + "[" + std::to_string(index) + "]";
}

// The value at `key`, or nullptr when absent or null (both mean "not set").
const json* find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

Result<std::string> read_string(const json& value, const std::string& field) {
  if (!value.is_string()) return invalid(field, "must be a string");
  return value.get<std::string>();
}

Result<std::vector<std::string>> read_strings(const json* value, const std::string& field) {
  std::vector<std::string> out;
  if (!value) return out;
  if (!value->is_array()) return invalid(field, "must be an array of strings");
  for (std::size_t i = 0; i < value->size(); ++i) {
    GORAE_ASSIGN_OR_RETURN(auto item, read_string((*value)[i], at(field, i)));
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::uint64_t> read_u64(const json& value, const std::string& field) {
  if (!value.is_number_unsigned()) return invalid(field, "must be a non-negative integer");
  return value.get<std::uint64_t>();
}

Result<std::uint32_t> read_u32(const json* value, const std::string& field) {
  if (!value) return invalid(field, "missing");
  GORAE_ASSIGN_OR_RETURN(std::uint64_t number, read_u64(*value, field));
  if (number > std::numeric_limits<std::uint32_t>::max())
    return invalid(field, "must be at most 4294967295");
  return static_cast<std::uint32_t>(number);
}

Result<std::vector<MountSpec>> read_mounts(const json* mounts) {
  std::vector<MountSpec> out;
  if (!mounts) return out;
  if (!mounts->is_array()) return invalid("mounts", "must be an array");
  for (std::size_t i = 0; i < mounts->size(); ++i) {
    const json& item = (*mounts)[i];
    const std::string field = at("mounts", i);
    if (!item.is_object()) return invalid(field, "must be an object");
    MountSpec mount;
    const json* destination = find(item, "destination");
    if (!destination) return invalid(field + ".destination", "missing");
    GORAE_ASSIGN_OR_RETURN(mount.destination, read_string(*destination, field + ".destination"));
    // runc resolves a relative destination against "/"; the spec says absolute.
    if (mount.destination.empty() || mount.destination.front() != '/')
      return invalid(field + ".destination", "\"" + mount.destination + "\" is not absolute");
    if (const json* type = find(item, "type")) {
      GORAE_ASSIGN_OR_RETURN(mount.type, read_string(*type, field + ".type"));
    }
    if (const json* source = find(item, "source")) {
      GORAE_ASSIGN_OR_RETURN(mount.source, read_string(*source, field + ".source"));
    }
    GORAE_ASSIGN_OR_RETURN(mount.options, read_strings(find(item, "options"), field + ".options"));
    out.push_back(std::move(mount));
  }
  return out;
}

Result<std::vector<NamespaceSpec>> read_namespaces(const json* namespaces) {
  static const std::map<std::string, int> kTypes = {
      {"pid", CLONE_NEWPID},     {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
      {"ipc", CLONE_NEWIPC},     {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
      {"cgroup", CLONE_NEWCGROUP}};
  std::vector<NamespaceSpec> out;
  if (!namespaces) return out;
  if (!namespaces->is_array()) return invalid("linux.namespaces", "must be an array");
  for (std::size_t i = 0; i < namespaces->size(); ++i) {
    const json& item = (*namespaces)[i];
    const std::string field = at("linux.namespaces", i);
    if (!item.is_object() || !find(item, "type")) return invalid(field, "must have a \"type\"");
    NamespaceSpec ns;
    GORAE_ASSIGN_OR_RETURN(ns.type, read_string(item["type"], field + ".type"));
    auto known = kTypes.find(ns.type);
    if (known == kTypes.end()) return invalid(field + ".type", "unknown namespace type \"" + ns.type + "\"");
    ns.clone_flag = known->second;
    if (const json* path = find(item, "path")) {
      GORAE_ASSIGN_OR_RETURN(ns.path, read_string(*path, field + ".path"));
    }
    bool twice = std::any_of(out.begin(), out.end(),
                             [&](const NamespaceSpec& seen) { return seen.type == ns.type; });
    if (twice) return invalid(field + ".type", "namespace \"" + ns.type + "\" listed twice");
    out.push_back(std::move(ns));
  }
  return out;
}

Result<std::vector<IdMapping>> read_mappings(const json* mappings, const std::string& field) {
  std::vector<IdMapping> out;
  if (!mappings) return out;
  if (!mappings->is_array()) return invalid(field, "must be an array");
  for (std::size_t i = 0; i < mappings->size(); ++i) {
    const json& item = (*mappings)[i];
    std::string entry = at(field, i);
    if (!item.is_object()) return invalid(entry, "must be an object");
    IdMapping mapping;
    GORAE_ASSIGN_OR_RETURN(mapping.container_id, read_u32(find(item, "containerID"), entry + ".containerID"));
    GORAE_ASSIGN_OR_RETURN(mapping.host_id, read_u32(find(item, "hostID"), entry + ".hostID"));
    GORAE_ASSIGN_OR_RETURN(mapping.size, read_u32(find(item, "size"), entry + ".size"));
    out.push_back(mapping);
  }
  return out;
}

Result<std::vector<RlimitSpec>> read_rlimits(const json* rlimits) {
  static const std::map<std::string, int> kResources = {
      {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK}};
  std::vector<RlimitSpec> out;
  if (!rlimits) return out;
  if (!rlimits->is_array()) return invalid("process.rlimits", "must be an array");
  for (std::size_t i = 0; i < rlimits->size(); ++i) {
    const json& item = (*rlimits)[i];
    std::string field = at("process.rlimits", i);
    if (!item.is_object() || !find(item, "type")) return invalid(field, "must have a \"type\"");
    GORAE_ASSIGN_OR_RETURN(std::string type, read_string(item["type"], field + ".type"));
    auto known = kResources.find(type);
    if (known == kResources.end()) return invalid(field + ".type", "unknown rlimit \"" + type + "\"");
    RlimitSpec limit{known->second, 0, 0};
    if (!find(item, "soft") || !find(item, "hard")) return invalid(field, "needs \"soft\" and \"hard\"");
    GORAE_ASSIGN_OR_RETURN(limit.soft, read_u64(item["soft"], field + ".soft"));
    GORAE_ASSIGN_OR_RETURN(limit.hard, read_u64(item["hard"], field + ".hard"));
    if (limit.soft > limit.hard) return invalid(field, "soft limit above the hard limit");
    out.push_back(limit);
  }
  return out;
}

Result<CapabilitySets> read_capabilities(const json& caps) {
  if (!caps.is_object()) return invalid("process.capabilities", "must be an object");
  CapabilitySets sets;
  const std::string field = "process.capabilities.";
  GORAE_ASSIGN_OR_RETURN(sets.bounding, read_strings(find(caps, "bounding"), field + "bounding"));
  GORAE_ASSIGN_OR_RETURN(sets.effective, read_strings(find(caps, "effective"), field + "effective"));
  GORAE_ASSIGN_OR_RETURN(sets.inheritable, read_strings(find(caps, "inheritable"), field + "inheritable"));
  GORAE_ASSIGN_OR_RETURN(sets.permitted, read_strings(find(caps, "permitted"), field + "permitted"));
  GORAE_ASSIGN_OR_RETURN(sets.ambient, read_strings(find(caps, "ambient"), field + "ambient"));
  return sets;
}

Status read_process(const json& process, LinuxSpec& spec) {
  if (const json* caps = find(process, "capabilities")) {
    GORAE_ASSIGN_OR_RETURN(spec.capabilities, read_capabilities(*caps));
  }
  if (const json* nnp = find(process, "noNewPrivileges")) {
    if (!nnp->is_boolean()) return invalid("process.noNewPrivileges", "must be a boolean");
    spec.no_new_privileges = nnp->get<bool>();
  }
  GORAE_ASSIGN_OR_RETURN(spec.rlimits, read_rlimits(find(process, "rlimits")));
  if (const json* oom = find(process, "oomScoreAdj")) {
    if (!oom->is_number_integer() || oom->get<int>() < -1000 || oom->get<int>() > 1000)
      return invalid("process.oomScoreAdj", "must be an integer from -1000 to 1000");
    spec.oom_score_adj = oom->get<int>();
  }
  return {};
}

Status read_linux(const json& linux, LinuxSpec& spec) {
  if (!linux.is_object()) return invalid("linux", "must be an object");
  GORAE_ASSIGN_OR_RETURN(spec.namespaces, read_namespaces(find(linux, "namespaces")));
  GORAE_ASSIGN_OR_RETURN(spec.uid_mappings, read_mappings(find(linux, "uidMappings"), "linux.uidMappings"));
  GORAE_ASSIGN_OR_RETURN(spec.gid_mappings, read_mappings(find(linux, "gidMappings"), "linux.gidMappings"));
  bool user_ns = spec.has_namespace(CLONE_NEWUSER);
  if (!spec.uid_mappings.empty() && !user_ns)
    return invalid("linux.uidMappings", "given without a user namespace");
  GORAE_ASSIGN_OR_RETURN(spec.masked_paths, read_strings(find(linux, "maskedPaths"), "linux.maskedPaths"));
  GORAE_ASSIGN_OR_RETURN(spec.readonly_paths,
                         read_strings(find(linux, "readonlyPaths"), "linux.readonlyPaths"));
  if (const json* propagation = find(linux, "rootfsPropagation")) {
    GORAE_ASSIGN_OR_RETURN(spec.rootfs_propagation,
                           read_string(*propagation, "linux.rootfsPropagation"));
    static const char* kKinds[] = {"private", "rprivate", "slave", "rslave", "shared", "rshared",
                                   "unbindable", "runbindable"};
    if (std::find(std::begin(kKinds), std::end(kKinds), spec.rootfs_propagation) == std::end(kKinds))
      return invalid("linux.rootfsPropagation", "unknown propagation \"" + spec.rootfs_propagation + "\"");
  }
  if (const json* seccomp = find(linux, "seccomp")) {
    if (!seccomp->is_object()) return invalid("linux.seccomp", "must be an object");
    spec.seccomp_json = seccomp->dump();
  }
  return {};
}

}  // namespace

bool LinuxSpec::has_namespace(int clone_flag) const {
  return std::any_of(namespaces.begin(), namespaces.end(),
                     [&](const NamespaceSpec& ns) { return ns.clone_flag == clone_flag; });
}

Result<LinuxSpec> load_linux_bundle(const std::string& bundle_dir) {
  GORAE_ASSIGN_OR_RETURN(json config, load_bundle_document(bundle_dir));
  return parse_linux_spec(config);
}

Result<LinuxSpec> parse_linux_spec(const json& config) {
  LinuxSpec spec;
  GORAE_ASSIGN_OR_RETURN(spec.base, parse_bundle_document(config));
  if (const json* readonly = find(config.at("root"), "readonly")) {
    if (!readonly->is_boolean()) return invalid("root.readonly", "must be a boolean");
    spec.root_readonly = readonly->get<bool>();
  }
  if (const json* domainname = find(config, "domainname")) {
    GORAE_ASSIGN_OR_RETURN(spec.domainname, read_string(*domainname, "domainname"));
  }
  GORAE_ASSIGN_OR_RETURN(spec.mounts, read_mounts(find(config, "mounts")));
  GORAE_TRY(read_process(config.at("process"), spec));
  if (const json* linux = find(config, "linux")) GORAE_TRY(read_linux(*linux, spec));
  // runc's rules (libcontainer/configs/validate): these need their namespace.
  if (!spec.base.hostname.empty() && !spec.has_namespace(CLONE_NEWUTS))
    return invalid("hostname", "set without a new UTS namespace");
  if (!spec.domainname.empty() && !spec.has_namespace(CLONE_NEWUTS))
    return invalid("domainname", "set without a new UTS namespace");
  return spec;
}

}  // namespace gorae::runtime
