#pragma once

// The words of the OCI linux.seccomp object (runtime-spec config-linux.md) and
// what libseccomp calls them. One table for both directions of the module: the
// daemon checks a profile against the names, the runtime compiles with the
// values. The sets are the ones runc 1.1 accepts, so a config.json we write is
// one runc can run. Not a public header.

#include <linux/seccomp.h>
#include <seccomp.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace gorae::security::detail {

/// The kind of an action; ERRNO and TRACE also carry a number (errnoRet).
enum class ActionKind { kill_thread, kill_process, trap, errno_ret, trace, allow, log, notify };

struct ActionName {
  std::string_view name;
  ActionKind kind;
};
inline constexpr ActionName kActions[] = {
    {"SCMP_ACT_KILL", ActionKind::kill_thread},  // the old name of KILL_THREAD
    {"SCMP_ACT_KILL_THREAD", ActionKind::kill_thread},
    {"SCMP_ACT_KILL_PROCESS", ActionKind::kill_process},
    {"SCMP_ACT_TRAP", ActionKind::trap},
    {"SCMP_ACT_ERRNO", ActionKind::errno_ret},
    {"SCMP_ACT_TRACE", ActionKind::trace},
    {"SCMP_ACT_ALLOW", ActionKind::allow},
    {"SCMP_ACT_LOG", ActionKind::log},
    {"SCMP_ACT_NOTIFY", ActionKind::notify},
};

struct OpName {
  std::string_view name;
  scmp_compare op;
};
inline constexpr OpName kOps[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

struct ArchName {
  std::string_view name;
  std::uint32_t token;  ///< SCMP_ARCH_* (the kernel's AUDIT_ARCH_*)
};
inline constexpr ArchName kArches[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

struct FlagName {
  std::string_view name;
  unsigned int flag;  ///< SECCOMP_FILTER_FLAG_*
};
inline constexpr FlagName kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

/// A syscall takes at most six arguments: index 0..5.
inline constexpr unsigned kMaxArgs = 6;

template <class Table>
constexpr auto find_name(const Table& table, std::string_view name)
    -> std::optional<std::decay_t<decltype(table[0])>> {
  for (const auto& row : table)
    if (row.name == name) return row;
  return std::nullopt;
}

}  // namespace gorae::security::detail
