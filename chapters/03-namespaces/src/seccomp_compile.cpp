// OCI linux.seccomp → a BPF program (with libseccomp, as runc does it), and
// the one syscall that installs it in the container's child.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "gorae/base/unique_fd.hpp"
#include "gorae/security/seccomp.hpp"
#include "seccomp_json.hpp"
#include "seccomp_names.hpp"

namespace gorae::security {
namespace {

using detail::ActionKind;
using nlohmann::json;

const detail::JsonFields kField("linux.seccomp.");

struct ContextDeleter {
  void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;  // scmp_filter_ctx is a void*

// A libseccomp call failed: it returns -errno.
tl::unexpected<Error> seccomp_error(int rc, const std::string& what) {
  return tl::unexpected(Error::from_errno(-rc, what));
}

// "SCMP_ACT_ERRNO" + errnoRet → libseccomp's action word. ERRNO and TRACE
// without errnoRet return EPERM, as in runc.
Result<std::uint32_t> read_action(const json& object, const char* action_key, const char* errno_key,
                                  const std::string& at) {
  GORAE_ASSIGN_OR_RETURN(std::string name, kField.string(object, action_key, at + action_key));
  GORAE_ASSIGN_OR_RETURN(auto errno_ret, kField.uint(object, errno_key, at + errno_key, 0xffff));
  auto row = detail::find_name(detail::kActions, name);
  if (!row) return kField.error(at + action_key, "unknown action \"" + name + "\"");
  auto code = static_cast<std::uint32_t>(errno_ret.value_or(EPERM));
  switch (row->kind) {
    case ActionKind::kill_thread: return SCMP_ACT_KILL_THREAD;
    case ActionKind::kill_process: return SCMP_ACT_KILL_PROCESS;
    case ActionKind::trap: return SCMP_ACT_TRAP;
    case ActionKind::errno_ret: return SCMP_ACT_ERRNO(code);
    case ActionKind::trace: return SCMP_ACT_TRACE(code);
    case ActionKind::allow: return SCMP_ACT_ALLOW;
    case ActionKind::log: return SCMP_ACT_LOG;
    case ActionKind::notify: break;
  }
  // A notify filter hands syscalls to a supervisor over a listener socket,
  // which gorae's runtime does not provide.
  return kField.error(at + action_key, "SCMP_ACT_NOTIFY is not supported");
}

Result<std::vector<scmp_arg_cmp>> read_conditions(const json& call, const std::string& at) {
  std::vector<scmp_arg_cmp> out;
  GORAE_ASSIGN_OR_RETURN(const json* args, kField.array(call, "args", at + "args"));
  for (std::size_t i = 0; args && i < args->size(); ++i) {
    const json& arg = (*args)[i];
    std::string here = at + "args[" + std::to_string(i) + "].";
    if (!arg.is_object()) return kField.error(here, "must be an object");
    GORAE_ASSIGN_OR_RETURN(auto index, kField.uint(arg, "index", here + "index", detail::kMaxArgs - 1));
    GORAE_ASSIGN_OR_RETURN(auto value, kField.uint(arg, "value", here + "value", UINT64_MAX));
    GORAE_ASSIGN_OR_RETURN(auto value_two, kField.uint(arg, "valueTwo", here + "valueTwo", UINT64_MAX));
    GORAE_ASSIGN_OR_RETURN(std::string op, kField.string(arg, "op", here + "op"));
    auto row = detail::find_name(detail::kOps, op);
    if (!row) return kField.error(here + "op", "unknown operator \"" + op + "\"");
    // For SCMP_CMP_MASKED_EQ, datum_a is the mask and datum_b the value the
    // masked argument must equal; the other operators use datum_a only.
    out.push_back(scmp_arg_cmp{static_cast<unsigned>(index.value_or(0)), row->op,
                               value.value_or(0), value_two.value_or(0)});
  }
  return out;
}

// libseccomp ANDs the conditions of one rule, but cannot AND two conditions
// on the same argument. runc then adds each condition as its own rule (which
// ORs them); so do we, so that a profile means the same under both runtimes.
bool repeats_an_index(const std::vector<scmp_arg_cmp>& conds) {
  unsigned seen = 0;
  for (const auto& c : conds) {
    if (seen & (1u << c.arg)) return true;
    seen |= 1u << c.arg;
  }
  return false;
}

Status add_rules(scmp_filter_ctx ctx, std::uint32_t default_action, const json& call,
                 const std::string& at) {
  if (!call.is_object()) return kField.error(at, "must be an object");
  GORAE_ASSIGN_OR_RETURN(auto names, kField.strings(call, "names", at + "names"));
  GORAE_ASSIGN_OR_RETURN(std::uint32_t action, read_action(call, "action", "errnoRet", at));
  GORAE_ASSIGN_OR_RETURN(auto conds, read_conditions(call, at));
  // libseccomp refuses a rule that does what the default does anyway.
  if (action == default_action) return {};
  for (const auto& name : names) {
    // A name this libseccomp cannot resolve is a syscall this architecture
    // (or this libseccomp) does not have: skipped, as runc skips it.
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    int rc = 0;
    if (repeats_an_index(conds)) {
      for (const auto& c : conds)
        if ((rc = seccomp_rule_add_array(ctx, action, nr, 1, &c)) < 0) break;
    } else {
      rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conds.size()), conds.data());
    }
    if (rc < 0) return seccomp_error(rc, "seccomp: rule for " + name);
  }
  return {};
}

// seccomp_export_bpf writes to a descriptor; a memfd keeps the program in
// memory and lets us read it back into a vector the child can use as is.
Result<std::vector<sock_filter>> export_bpf(scmp_filter_ctx ctx) {
  base::UniqueFd fd(::memfd_create("gorae-seccomp-bpf", MFD_CLOEXEC));
  if (!fd.valid()) return tl::unexpected(Error::from_errno("memfd_create"));
  if (int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0) return seccomp_error(rc, "seccomp_export_bpf");
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return tl::unexpected(Error::from_errno("fstat seccomp memfd"));
  auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0 || size % sizeof(sock_filter) != 0)
    return fail(Errc::internal, "seccomp: exported program has " + std::to_string(size) + " bytes");
  std::vector<sock_filter> program(size / sizeof(sock_filter));
  auto* bytes = reinterpret_cast<char*>(program.data());
  for (std::size_t done = 0; done < size;) {
    ssize_t n = ::pread(fd.get(), bytes + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return tl::unexpected(Error::from_errno("read seccomp memfd"));
    done += static_cast<std::size_t>(n);
  }
  return program;
}

}  // namespace

sock_fprog SeccompProgram::fprog() const noexcept {
  // The kernel only reads the instructions; its struct is not const-correct.
  return sock_fprog{static_cast<unsigned short>(filter.size()), const_cast<sock_filter*>(filter.data())};
}

Result<SeccompProgram> compile_seccomp(const json& linux_seccomp) {
  if (!linux_seccomp.is_object()) return fail(Errc::invalid_argument, "linux.seccomp: must be an object");
  GORAE_ASSIGN_OR_RETURN(std::uint32_t default_action,
                         read_action(linux_seccomp, "defaultAction", "defaultErrnoRet", ""));
  GORAE_ASSIGN_OR_RETURN(auto arches, kField.strings(linux_seccomp, "architectures", "architectures"));
  GORAE_ASSIGN_OR_RETURN(auto flags, kField.strings(linux_seccomp, "flags", "flags"));
  GORAE_ASSIGN_OR_RETURN(const json* calls, kField.array(linux_seccomp, "syscalls", "syscalls"));
  GORAE_ASSIGN_OR_RETURN(std::string listener, kField.string(linux_seccomp, "listenerPath", "listenerPath"));
  if (!listener.empty()) return kField.error("listenerPath", "seccomp notify listeners are not supported");

  SeccompProgram program;
  for (const auto& f : flags) {
    auto row = detail::find_name(detail::kFlags, f);
    if (!row) return kField.error("flags", "unknown flag \"" + f + "\"");
    program.flags |= row->flag;
  }

  Context ctx(seccomp_init(default_action));
  if (!ctx) return fail(Errc::internal, "seccomp_init failed");
  // We install the program ourselves; libseccomp must not set no_new_privs.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc < 0)
    return seccomp_error(rc, "seccomp_attr_set NNP");
  for (const auto& a : arches) {
    auto row = detail::find_name(detail::kArches, a);
    if (!row) return kField.error("architectures", "unknown architecture \"" + a + "\"");
    int rc = seccomp_arch_add(ctx.get(), row->token);
    if (rc < 0 && rc != -EEXIST) return seccomp_error(rc, "seccomp_arch_add " + a);  // EEXIST: native
  }
  for (std::size_t i = 0; calls && i < calls->size(); ++i)
    GORAE_TRY(add_rules(ctx.get(), default_action, (*calls)[i], "syscalls[" + std::to_string(i) + "]."));

  GORAE_ASSIGN_OR_RETURN(program.filter, export_bpf(ctx.get()));
  if (program.filter.size() > BPF_MAXINSNS)
    return fail(Errc::invalid_argument, "linux.seccomp: the filter has " +
                                            std::to_string(program.filter.size()) +
                                            " instructions, more than the kernel's " +
                                            std::to_string(BPF_MAXINSNS));
  return program;
}

int install_seccomp(const SeccompProgram& program) noexcept {
  if (program.filter.empty() || program.filter.size() > BPF_MAXINSNS) return EINVAL;
  sock_fprog prog = program.fprog();
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &prog) == 0) return 0;
  int err = errno;
  // Kernels before 3.17 have no seccomp(2); prctl does the same without flags.
  if (err == ENOSYS && program.flags == 0) {
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) return 0;
    err = errno;
  }
  return err;
}

}  // namespace gorae::security
