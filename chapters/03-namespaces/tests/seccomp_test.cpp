#include "gorae/security/seccomp.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "gorae/security/capabilities.hpp"

namespace gorae::security {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;
using Caps = std::vector<std::string>;

const SeccompHost kAmd64{"amd64", 6, 1};
constexpr std::uint64_t kNamespaceFlags = 0x7E020000;  // CLONE_NEWNS|NEWCGROUP|...|NEWNET

json for_container(const Caps& caps, const SeccompHost& host = kAmd64) {
  auto r = seccomp_for_container(default_seccomp_profile(), caps, host);
  EXPECT_TRUE(r) << (r ? "" : r.error().what());
  return r ? *r : json();
}

// Names allowed without conditions: a syscall the filter lets through whatever its arguments.
std::set<std::string> unconditional(const json& oci) {
  std::set<std::string> out;
  for (const auto& call : oci["syscalls"])
    if (call["action"] == "SCMP_ACT_ALLOW" && !call.contains("args"))
      for (const auto& n : call["names"]) out.insert(n.get<std::string>());
  return out;
}

std::vector<json> rules_for(const json& oci, const std::string& name) {
  std::vector<json> out;
  for (const auto& call : oci["syscalls"])
    for (const auto& n : call["names"])
      if (n == name) out.push_back(call);
  return out;
}

std::string error_of(std::string_view profile, const Caps& caps = {}) {
  auto r = seccomp_for_container(profile, caps, kAmd64);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().kind(), Errc::invalid_argument);
  return r.error().what();
}

TEST(SeccompProfile, DefaultIsADockerProfile) {
  json p = json::parse(default_seccomp_profile());
  EXPECT_EQ(p["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(p["defaultErrnoRet"], 1);
  EXPECT_TRUE(p["archMap"].is_array());
  EXPECT_GT(p["syscalls"].size(), 20u);
}

TEST(SeccompProfile, OciShapeOnAmd64) {
  json oci = for_container(default_capabilities());
  EXPECT_EQ(oci["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(oci["defaultErrnoRet"], 1);
  EXPECT_THAT(oci["architectures"].get<Caps>(),
              ElementsAre("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
  const std::set<std::string> oci_fields = {"defaultAction", "defaultErrnoRet", "architectures", "syscalls"};
  for (const auto& [key, value] : oci.items()) EXPECT_TRUE(oci_fields.count(key)) << key;
  for (const auto& call : oci["syscalls"]) {
    for (const auto& [key, value] : call.items())
      EXPECT_TRUE(key == "names" || key == "action" || key == "errnoRet" || key == "args") << key;
    EXPECT_FALSE(call["names"].empty());
    for (const auto& arg : call.value("args", json::array()))
      EXPECT_EQ(arg.size(), 4u) << arg;  // index, value, valueTwo, op
  }
}

TEST(SeccompProfile, DefaultCapsCannotMountUnshareOrMakeNamespaces) {
  json oci = for_container(default_capabilities());
  std::set<std::string> allowed = unconditional(oci);
  for (const char* denied : {"mount", "umount2", "unshare", "setns", "keyctl", "add_key", "clone",
                             "clone3", "bpf", "reboot", "init_module", "settimeofday", "open_by_handle_at"})
    EXPECT_FALSE(allowed.count(denied)) << denied;
  for (const char* ok : {"read", "write", "execve", "getpid", "chroot", "ptrace", "arch_prctl", "modify_ldt"})
    EXPECT_TRUE(allowed.count(ok)) << ok;

  // clone only when none of the namespace flags is set (arg 0 masked == 0).
  auto clone = rules_for(oci, "clone");
  ASSERT_EQ(clone.size(), 1u);
  EXPECT_EQ(clone[0]["args"], json::parse(R"([{"index": 0, "value": 2114060288, "valueTwo": 0,
                                               "op": "SCMP_CMP_MASKED_EQ"}])"));
  EXPECT_EQ(clone[0]["args"][0]["value"].get<std::uint64_t>(), kNamespaceFlags);
  auto clone3 = rules_for(oci, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0]["action"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(clone3[0]["errnoRet"], 38);  // ENOSYS: libc falls back to clone

  std::set<std::uint64_t> personas;
  for (const auto& rule : rules_for(oci, "personality")) {
    ASSERT_EQ(rule["args"].size(), 1u);
    EXPECT_EQ(rule["args"][0]["op"], "SCMP_CMP_EQ");
    personas.insert(rule["args"][0]["value"].get<std::uint64_t>());
  }
  EXPECT_EQ(personas, (std::set<std::uint64_t>{0x0, 0x8, 0x20000, 0x20008, 0xffffffff}));
  auto socket = rules_for(oci, "socket");
  ASSERT_EQ(socket.size(), 1u);
  EXPECT_EQ(socket[0]["args"][0]["op"], "SCMP_CMP_NE");
  EXPECT_EQ(socket[0]["args"][0]["value"], 40);  // AF_VSOCK
}

TEST(SeccompProfile, CapabilitiesUnlockTheirGroups) {
  Caps caps = default_capabilities();
  caps.insert(caps.end(), {"CAP_SYS_ADMIN", "CAP_SYS_TIME", "CAP_SYS_PTRACE"});
  json oci = for_container(caps);
  std::set<std::string> allowed = unconditional(oci);
  for (const char* now : {"mount", "umount2", "unshare", "setns", "clone", "clone3", "sethostname",
                          "settimeofday", "clock_settime", "kcmp", "pidfd_getfd"})
    EXPECT_TRUE(allowed.count(now)) << now;
  EXPECT_FALSE(allowed.count("keyctl"));
  EXPECT_FALSE(allowed.count("reboot"));
  // With CAP_SYS_ADMIN the argument-checked clone and the clone3 ENOSYS rule are gone.
  for (const auto& rule : rules_for(oci, "clone")) EXPECT_FALSE(rule.contains("args"));
  for (const auto& rule : rules_for(oci, "clone3")) EXPECT_EQ(rule["action"], "SCMP_ACT_ALLOW");
}

TEST(SeccompProfile, ArchitectureAndKernelDecideIncludes) {
  json arm = for_container(default_capabilities(), {"arm64", 5, 10});
  EXPECT_THAT(arm["architectures"].get<Caps>(), ElementsAre("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));
  std::set<std::string> allowed = unconditional(arm);
  EXPECT_TRUE(allowed.count("cacheflush"));
  EXPECT_FALSE(allowed.count("arch_prctl"));
  // Before 4.8 ptrace could be used to escape seccomp: only with CAP_SYS_PTRACE.
  EXPECT_FALSE(unconditional(for_container(default_capabilities(), {"amd64", 4, 4})).count("ptrace"));
  EXPECT_TRUE(unconditional(for_container(default_capabilities(), {"amd64", 4, 8})).count("ptrace"));
}

TEST(SeccompProfile, CustomProfilesFollowDockersRules) {
  auto r = seccomp_for_container(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"name": "getppid", "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "old form"},
                   {"names": ["sync"], "action": "SCMP_ACT_ERRNO", "excludes": {"minKernel": "3.0"}}],
      "unknownField": true})", {}, kAmd64);
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(*r, json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]})"));
  // Neither a default action nor rules: Docker runs the container without a filter.
  auto empty = seccomp_for_container("{}", {}, kAmd64);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->is_null());
}

TEST(SeccompProfile, BadProfilesSayWhatIsWrong) {
  EXPECT_THAT(error_of("not json"), HasSubstr("Decoding seccomp profile failed: "));
  EXPECT_THAT(error_of("[1]"), HasSubstr("Decoding seccomp profile failed: "));
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}})"),
            "Decoding seccomp profile failed: syscalls: must be an array");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read"}]})"),
            "Decoding seccomp profile failed: syscalls[0].names: must be an array of strings");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_NOPE"})"),
            "invalid seccomp profile: defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_FOO"}]})"),
            "invalid seccomp profile: syscalls[0].action: unknown action \"SCMP_ACT_FOO\"");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
                "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SIMILAR"}]}]})"),
            "invalid seccomp profile: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_SIMILAR\"");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
                "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})"),
            "invalid seccomp profile: syscalls[0].args[0].index: a syscall has arguments 0 to 5, not 6");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]})"),
            "invalid seccomp profile: architectures: unknown architecture \"SCMP_ARCH_Z80\"");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_MAGIC"]})"),
            "invalid seccomp profile: flags: unknown flag \"SECCOMP_FILTER_FLAG_MAGIC\"");
  EXPECT_EQ(error_of(R"({"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})"),
            "invalid seccomp profile: defaultAction: missing");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
                "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4"}}]})"),
            "Decoding seccomp profile failed: invalid kernel version: \"4\", expected \"<kernel>.<major>\"");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "read", "names": ["write"],
                "action": "SCMP_ACT_ALLOW"}]})"),
            "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  EXPECT_EQ(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"],
                "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})"),
            "'architectures' and 'archMap' were specified in the seccomp profile, use either "
            "'architectures' or 'archMap'");
}

TEST(SeccompProfile, WhatDockerdGivesAContainer) {
  SecurityOptions opts;
  auto plain = container_seccomp(opts, default_capabilities(), false);
  ASSERT_TRUE(plain) << plain.error().what();
  EXPECT_EQ(plain->value("defaultAction", ""), "SCMP_ACT_ERRNO");
  EXPECT_TRUE(container_seccomp(opts, all_capabilities(), true)->is_null());  // privileged
  opts.seccomp = SeccompChoice::unconfined;
  EXPECT_TRUE(container_seccomp(opts, default_capabilities(), false)->is_null());
  opts.seccomp = SeccompChoice::custom;
  opts.seccomp_profile = R"({"defaultAction": "SCMP_ACT_LOG"})";
  auto custom = container_seccomp(opts, all_capabilities(), true);  // applies even when privileged
  ASSERT_TRUE(custom);
  EXPECT_EQ((*custom)["defaultAction"], "SCMP_ACT_LOG");
  opts.seccomp_profile = "{oops";
  EXPECT_FALSE(container_seccomp(opts, default_capabilities(), false));
}

// ---- compiling and installing ------------------------------------------

// Runs `body` in a forked child; its return value is the exit code. The child
// makes raw syscalls only, as the runtime's child does after installing.
int run_in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

SeccompProgram compile_for(const json& oci) {
  auto program = compile_seccomp(oci);
  EXPECT_TRUE(program) << (program ? "" : program.error().what());
  return program ? *program : SeccompProgram{};
}

bool failed_with(long rc, int err) { return rc == -1 && errno == err; }

// The same for clone and clone3: a child they made because the filter wrongly
// let them through leaves at once.
bool clone_failed_with(long rc, int err) {
  if (rc == 0) ::_exit(0);
  if (rc > 0) ::waitpid(static_cast<pid_t>(rc), nullptr, 0);
  return failed_with(rc, err);
}

// What the default profile does to a container with Docker's default
// capabilities, one bit per check that went wrong (0: all as expected).
int default_profile_checks() {
  int bad = 0;
  if (!failed_with(::unshare(CLONE_NEWUTS), EPERM)) bad |= 1 << 0;
  if (!failed_with(::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0), EPERM)) bad |= 1 << 1;
  if (!clone_failed_with(::syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0), EPERM)) bad |= 1 << 2;
  std::uint64_t clone3_args[8] = {0, 0, 0, 0, SIGCHLD, 0, 0, 0};  // struct clone_args, v0
  if (!clone_failed_with(::syscall(SYS_clone3, clone3_args, sizeof clone3_args), ENOSYS)) bad |= 1 << 3;
  if (!failed_with(::personality(ADDR_NO_RANDOMIZE), EPERM)) bad |= 1 << 4;
  if (::syscall(SYS_getpid) <= 0) bad |= 1 << 5;
  long child = ::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);  // a plain fork is still allowed
  if (child == 0) ::_exit(0);
  if (child < 0 || ::waitpid(static_cast<pid_t>(child), nullptr, 0) != child) bad |= 1 << 6;
  return bad;
}

TEST(SeccompFilter, CompilesTheDefaultProfile) {
  SeccompProgram program = compile_for(for_container(default_capabilities(), *this_seccomp_host()));
  EXPECT_GT(program.filter.size(), 50u);
  EXPECT_LE(program.filter.size(), 4096u);
  EXPECT_EQ(program.flags, 0u);
  sock_fprog prog = program.fprog();
  EXPECT_EQ(prog.len, program.filter.size());
  EXPECT_EQ(prog.filter, program.filter.data());
}

TEST(SeccompFilter, ForkedChildIsConfinedByTheDefaultProfile) {
  auto host = this_seccomp_host();
  ASSERT_TRUE(host) << host.error().what();
  SeccompProgram program = compile_for(for_container(default_capabilities(), *host));
  ASSERT_FALSE(program.filter.empty());
  // Without the filter keyctl and personality work (the checks can fail).
  EXPECT_NE(run_in_child(default_profile_checks) & 0b10010, 0);
  int result = run_in_child([&] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 200;
    if (install_seccomp(program) != 0) return 201;
    return default_profile_checks();
  });
  EXPECT_EQ(result, 0) << "bit 0 unshare, 1 keyctl, 2 clone(NEWNS), 3 clone3, 4 personality, "
                          "5 getpid, 6 fork; 200/201: setup";
}

TEST(SeccompFilter, CapSysAdminLetsUnshareThrough) {
  auto host = this_seccomp_host();
  ASSERT_TRUE(host);
  Caps caps = default_capabilities();
  caps.push_back("CAP_SYS_ADMIN");
  SeccompProgram program = compile_for(for_container(caps, *host));
  int result = run_in_child([&] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || install_seccomp(program) != 0) return 200;
    // The filter allows it; only the kernel's own check (root) is left.
    int rc = ::unshare(CLONE_NEWUTS);
    return (rc == 0 || (errno == EPERM && ::geteuid() != 0)) ? 0 : 1;
  });
  EXPECT_EQ(result, 0);
}

TEST(SeccompFilter, CustomRulesWithArguments) {
  // ERRNO only for the argument values named; several args on one rule are ANDed.
  SeccompProgram program = compile_for(json::parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 15,
       "args": [{"index": 0, "value": 255, "valueTwo": 66, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["getuid"], "action": "SCMP_ACT_ALLOW"}
    ]})"));
  int result = run_in_child([&] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || install_seccomp(program) != 0) return 200;
    int bad = 0;
    if (!(::syscall(SYS_getppid) == -1 && errno == EACCES)) bad |= 1;
    if (!(::dup(0x142) == -1 && errno == ENOTBLK)) bad |= 2;  // 0x142 & 0xff == 66
    if (!(::dup(0x143) == -1 && errno == EBADF)) bad |= 4;    // the kernel's own answer
    if (!(::kill(0, 0) == -1 && errno == EPERM)) bad |= 8;
    if (::kill(::getpid(), 0) != 0) bad |= 16;                // only one arg matches
    return bad;
  });
  EXPECT_EQ(result, 0);
}

TEST(SeccompFilter, BadProgramsAreRefused) {
  auto err = [](const char* text) {
    auto r = compile_seccomp(json::parse(text));
    return r ? std::string("(compiled)") : r.error().what();
  };
  EXPECT_EQ(err(R"({"defaultAction": "SCMP_ACT_BOOM"})"),
            "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_BOOM\"");
  EXPECT_EQ(err(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]})"),
            "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported");
  EXPECT_EQ(err(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                   "args": [{"index": 7, "value": 0, "op": "SCMP_CMP_EQ"}]}]})"),
            "linux.seccomp.syscalls[0].args[0].index: must be an integer from 0 to 5");
  EXPECT_EQ(err(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]})"),
            "linux.seccomp.architectures: unknown architecture \"SCMP_ARCH_VAX\"");
  EXPECT_EQ(err("[]"), "linux.seccomp: must be an object");
  EXPECT_EQ(install_seccomp(SeccompProgram{}), EINVAL);
}

}  // namespace
}  // namespace gorae::security
