// Docker seccomp profile → OCI linux.seccomp for one container, after moby's
// profiles/seccomp (seccomp.go for the format, seccomp_linux.go setupSeccomp
// for the rules) and daemon/seccomp_linux.go (WithSeccomp) for the choice.

#include <sys/utsname.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "gorae/security/seccomp.hpp"
#include "seccomp_json.hpp"
#include "seccomp_names.hpp"

namespace gorae::security {
namespace {

using detail::JsonFields;
using nlohmann::json;

// Type errors read like Docker's, whose json.Unmarshal error gets this prefix;
// errors in the meaning of a well-typed profile get the second.
const JsonFields kDecode("Decoding seccomp profile failed: ");
const JsonFields kInvalid("invalid seccomp profile: ");

// Docker's names for the native architecture (Go's GOARCH, mapped the way
// moby's goToNative does) → the archMap entry that applies to it.
struct NativeArch {
  const char* uname_machine;
  const char* docker;
  const char* seccomp;
};
constexpr NativeArch kNativeArches[] = {
    {"x86_64", "amd64", "SCMP_ARCH_X86_64"},   {"i386", "x86", "SCMP_ARCH_X86"},
    {"i486", "x86", "SCMP_ARCH_X86"},          {"i586", "x86", "SCMP_ARCH_X86"},
    {"i686", "x86", "SCMP_ARCH_X86"},          {"aarch64", "arm64", "SCMP_ARCH_AARCH64"},
    {"armv6l", "arm", "SCMP_ARCH_ARM"},        {"armv7l", "arm", "SCMP_ARCH_ARM"},
    {"armv8l", "arm", "SCMP_ARCH_ARM"},        {"mips64", "mips64", "SCMP_ARCH_MIPS64"},
    {"ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE"}, {"ppc64", "ppc64", "SCMP_ARCH_PPC64"},
    {"s390x", "s390x", "SCMP_ARCH_S390X"},     {"riscv64", "riscv64", "SCMP_ARCH_RISCV64"},
};

const char* seccomp_arch_for(const std::string& docker_arch) {
  for (const auto& a : kNativeArches)
    if (docker_arch == a.docker) return a.seccomp;
  return nullptr;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

struct KernelVersion {
  int kernel = 0, major = 0;
};

// One number of a minKernel: 1 to 3 decimal digits, at most 255 (Go's
// strconv.ParseUint(s, 10, 8)).
std::optional<int> kernel_part(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n <= 255 ? std::optional<int>(n) : std::nullopt;
}

// minKernel: "<kernel>.<major>", not "0.0"; "" means unset. The rules and the
// message of Docker's KernelVersion.UnmarshalJSON.
Result<std::optional<KernelVersion>> read_min_kernel(const json& filter) {
  const json* v = JsonFields::find(filter, "minKernel");
  if (!v) return std::optional<KernelVersion>();
  auto bad = [&] {
    return fail(Errc::invalid_argument, "Decoding seccomp profile failed: invalid kernel version: " +
                                            v->dump() + ", expected \"<kernel>.<major>\"");
  };
  if (!v->is_string()) return bad();
  std::string_view s = v->get_ref<const std::string&>();
  if (s.empty()) return std::optional<KernelVersion>();
  std::size_t dot = s.find('.');
  if (dot == std::string_view::npos) return bad();
  auto kernel = kernel_part(s.substr(0, dot));
  auto major = kernel_part(s.substr(dot + 1));
  if (!kernel || !major || (*kernel == 0 && *major == 0)) return bad();
  return std::optional<KernelVersion>(KernelVersion{*kernel, *major});
}

bool kernel_at_least(const SeccompHost& host, const KernelVersion& v) {
  return host.kernel != v.kernel ? host.kernel > v.kernel : host.major >= v.major;
}

struct Filter {
  std::vector<std::string> caps, arches;
  std::optional<KernelVersion> min_kernel;
};

Result<Filter> read_filter(const json& call, const char* key, const std::string& field) {
  Filter f;
  const json* v = JsonFields::find(call, key);
  if (!v) return f;
  if (!v->is_object()) return kDecode.error(field + "." + key, "must be an object");
  GORAE_ASSIGN_OR_RETURN(f.caps, kDecode.strings(*v, "caps", field + "." + key + ".caps"));
  GORAE_ASSIGN_OR_RETURN(f.arches, kDecode.strings(*v, "arches", field + "." + key + ".arches"));
  GORAE_ASSIGN_OR_RETURN(f.min_kernel, read_min_kernel(*v));
  return f;
}

Status check_action(const std::string& action, const std::string& field) {
  if (!detail::find_name(detail::kActions, action))
    return kInvalid.error(field, "unknown action \"" + action + "\"");
  return {};
}

Result<json> read_args(const json& call, const std::string& field) {
  json out = json::array();
  GORAE_ASSIGN_OR_RETURN(const json* args, kDecode.array(call, "args", field));
  if (!args) return out;
  for (std::size_t i = 0; i < args->size(); ++i) {
    const json& arg = (*args)[i];
    std::string at = field + "[" + std::to_string(i) + "]";
    if (!arg.is_object()) return kDecode.error(at, "must be an object");
    GORAE_ASSIGN_OR_RETURN(auto index, kDecode.uint(arg, "index", at + ".index", UINT32_MAX));
    GORAE_ASSIGN_OR_RETURN(auto value, kDecode.uint(arg, "value", at + ".value", UINT64_MAX));
    GORAE_ASSIGN_OR_RETURN(auto value_two, kDecode.uint(arg, "valueTwo", at + ".valueTwo", UINT64_MAX));
    GORAE_ASSIGN_OR_RETURN(std::string op, kDecode.string(arg, "op", at + ".op"));
    if (index.value_or(0) >= detail::kMaxArgs)
      return kInvalid.error(at + ".index", "a syscall has arguments 0 to 5, not " +
                                               std::to_string(*index));
    if (!detail::find_name(detail::kOps, op))
      return kInvalid.error(at + ".op", "unknown operator \"" + op + "\"");
    out.push_back({{"index", index.value_or(0)},
                   {"value", value.value_or(0)},
                   {"valueTwo", value_two.value_or(0)},
                   {"op", op}});
  }
  return out;
}

// One syscalls[] entry: validated whatever the container, then kept or
// dropped by its excludes/includes, in setupSeccomp's order.
Result<json> convert_syscall(const json& call, const std::string& field,
                             const std::vector<std::string>& caps, const SeccompHost& host) {
  if (!call.is_object()) return kDecode.error(field, "must be an object");
  GORAE_ASSIGN_OR_RETURN(std::string name, kDecode.string(call, "name", field + ".name"));
  GORAE_ASSIGN_OR_RETURN(auto names, kDecode.strings(call, "names", field + ".names"));
  GORAE_ASSIGN_OR_RETURN(std::string action, kDecode.string(call, "action", field + ".action"));
  GORAE_ASSIGN_OR_RETURN(auto errno_ret, kDecode.uint(call, "errnoRet", field + ".errnoRet", 0xffff));
  GORAE_ASSIGN_OR_RETURN(json args, read_args(call, field + ".args"));
  GORAE_TRY(kDecode.string(call, "comment", field + ".comment"));
  GORAE_ASSIGN_OR_RETURN(Filter excludes, read_filter(call, "excludes", field));
  GORAE_ASSIGN_OR_RETURN(Filter includes, read_filter(call, "includes", field));
  GORAE_TRY(check_action(action, field + ".action"));

  for (const auto& a : excludes.arches)
    if (a == host.arch) return json();
  for (const auto& c : excludes.caps)
    if (contains(caps, c)) return json();
  if (excludes.min_kernel && kernel_at_least(host, *excludes.min_kernel)) return json();
  if (!includes.arches.empty() && !contains(includes.arches, host.arch)) return json();
  for (const auto& c : includes.caps)
    if (!contains(caps, c)) return json();
  if (includes.min_kernel && !kernel_at_least(host, *includes.min_kernel)) return json();

  if (!name.empty()) {
    if (!names.empty())
      return fail(Errc::invalid_argument,
                  "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
    names.push_back(name);
  }
  if (names.empty()) return json();  // a rule for no syscall: nothing for the runtime to do
  json out = {{"names", names}, {"action", action}};
  if (errno_ret) out["errnoRet"] = *errno_ret;
  if (!args.empty()) out["args"] = std::move(args);
  return out;
}

Result<json> architectures(const json& profile, const SeccompHost& host) {
  GORAE_ASSIGN_OR_RETURN(auto listed, kDecode.strings(profile, "architectures", "architectures"));
  GORAE_ASSIGN_OR_RETURN(const json* arch_map, kDecode.array(profile, "archMap", "archMap"));
  if (!listed.empty() && arch_map && !arch_map->empty())
    return fail(Errc::invalid_argument,
                "'architectures' and 'archMap' were specified in the seccomp profile, use either "
                "'architectures' or 'archMap'");
  std::vector<std::string> out = listed;
  const char* native = seccomp_arch_for(host.arch);
  bool matched = false;
  for (std::size_t i = 0; arch_map && i < arch_map->size(); ++i) {
    const json& entry = (*arch_map)[i];
    std::string at = "archMap[" + std::to_string(i) + "]";
    if (!entry.is_object()) return kDecode.error(at, "must be an object");
    GORAE_ASSIGN_OR_RETURN(std::string arch, kDecode.string(entry, "architecture", at + ".architecture"));
    GORAE_ASSIGN_OR_RETURN(auto subs, kDecode.strings(entry, "subArchitectures", at + ".subArchitectures"));
    std::vector<std::string> all = subs;
    all.insert(all.begin(), arch);
    for (const auto& a : all)
      if (!detail::find_name(detail::kArches, a))
        return kInvalid.error(at, "unknown architecture \"" + a + "\"");
    // The first entry for the native arch gives it and its sub-architectures
    // (x86_64 runs 32-bit x86 and x32 code too, which must be filtered as well).
    if (native && arch == native && !matched) {
      out.insert(out.end(), all.begin(), all.end());
      matched = true;
    }
  }
  for (const auto& a : listed)
    if (!detail::find_name(detail::kArches, a))
      return kInvalid.error("architectures", "unknown architecture \"" + a + "\"");
  return json(out);
}

}  // namespace

Result<SeccompHost> this_seccomp_host() {
  struct utsname u {};
  if (::uname(&u) < 0) return tl::unexpected(Error::from_errno("uname"));
  SeccompHost host;
  for (const auto& a : kNativeArches)
    if (std::strcmp(u.machine, a.uname_machine) == 0) host.arch = a.docker;
  if (host.arch.empty())
    return fail(Errc::unavailable, std::string("seccomp: no profile architecture for ") + u.machine);
  if (std::sscanf(u.release, "%d.%d", &host.kernel, &host.major) != 2)
    return fail(Errc::unavailable, std::string("seccomp: cannot read kernel version ") + u.release);
  return host;
}

Result<json> seccomp_for_container(std::string_view docker_profile_json,
                                   const std::vector<std::string>& capabilities,
                                   const SeccompHost& host) {
  json profile = json::parse(docker_profile_json, nullptr, /*allow_exceptions=*/false);
  if (profile.is_discarded())
    return fail(Errc::invalid_argument, "Decoding seccomp profile failed: the profile is not valid JSON");
  if (!profile.is_object()) return kDecode.error("profile", "must be a JSON object");

  GORAE_ASSIGN_OR_RETURN(std::string default_action, kDecode.string(profile, "defaultAction", "defaultAction"));
  GORAE_ASSIGN_OR_RETURN(auto default_errno, kDecode.uint(profile, "defaultErrnoRet", "defaultErrnoRet", 0xffff));
  GORAE_ASSIGN_OR_RETURN(auto flags, kDecode.strings(profile, "flags", "flags"));
  GORAE_ASSIGN_OR_RETURN(std::string listener, kDecode.string(profile, "listenerPath", "listenerPath"));
  GORAE_ASSIGN_OR_RETURN(std::string metadata, kDecode.string(profile, "listenerMetadata", "listenerMetadata"));
  GORAE_ASSIGN_OR_RETURN(const json* calls, kDecode.array(profile, "syscalls", "syscalls"));
  GORAE_ASSIGN_OR_RETURN(json arches, architectures(profile, host));

  // Docker: no default action and no rules means "no seccomp at all".
  if (default_action.empty() && (!calls || calls->empty())) return json();
  if (default_action.empty()) return kInvalid.error("defaultAction", "missing");
  GORAE_TRY(check_action(default_action, "defaultAction"));
  for (const auto& f : flags)
    if (!detail::find_name(detail::kFlags, f)) return kInvalid.error("flags", "unknown flag \"" + f + "\"");

  json out = {{"defaultAction", default_action}, {"syscalls", json::array()}};
  if (default_errno) out["defaultErrnoRet"] = *default_errno;
  if (!arches.empty()) out["architectures"] = std::move(arches);
  if (!flags.empty()) out["flags"] = flags;
  if (!listener.empty()) out["listenerPath"] = listener;
  if (!metadata.empty()) out["listenerMetadata"] = metadata;
  for (std::size_t i = 0; calls && i < calls->size(); ++i) {
    GORAE_ASSIGN_OR_RETURN(json call, convert_syscall((*calls)[i], "syscalls[" + std::to_string(i) + "]",
                                                      capabilities, host));
    if (!call.is_null()) out["syscalls"].push_back(std::move(call));
  }
  return out;
}

Result<json> seccomp_for_container(std::string_view docker_profile_json,
                                   const std::vector<std::string>& capabilities) {
  GORAE_ASSIGN_OR_RETURN(SeccompHost host, this_seccomp_host());
  return seccomp_for_container(docker_profile_json, capabilities, host);
}

Result<json> container_seccomp(const SecurityOptions& options,
                               const std::vector<std::string>& capabilities, bool privileged) {
  switch (options.seccomp) {
    case SeccompChoice::unconfined:
      return json();
    case SeccompChoice::custom:
      return seccomp_for_container(options.seccomp_profile, capabilities);
    case SeccompChoice::builtin:
    case SeccompChoice::daemon_default:
      break;
  }
  // A privileged container has every capability; the default profile would
  // only get in its way, so Docker gives it none.
  if (privileged) return json();
  return seccomp_for_container(default_seccomp_profile(), capabilities);
}

}  // namespace gorae::security
