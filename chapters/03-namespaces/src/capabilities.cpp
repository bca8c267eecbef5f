// Capability names and Docker's rules for a container's set (moby oci/caps).

#include "gorae/security/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "security_text.hpp"

namespace gorae::security {
namespace {

using detail::go_quote;

// One row per capability, the number taken from linux/capability.h so the
// table cannot drift from the headers the runtime is built against.
struct CapabilityRow {
  int number;
  const char* name;
};

#define GORAE_CAP(cap) CapabilityRow{cap, #cap}
constexpr std::array kCapabilities = {
    GORAE_CAP(CAP_CHOWN),           GORAE_CAP(CAP_DAC_OVERRIDE),   GORAE_CAP(CAP_DAC_READ_SEARCH),
    GORAE_CAP(CAP_FOWNER),          GORAE_CAP(CAP_FSETID),         GORAE_CAP(CAP_KILL),
    GORAE_CAP(CAP_SETGID),          GORAE_CAP(CAP_SETUID),         GORAE_CAP(CAP_SETPCAP),
    GORAE_CAP(CAP_LINUX_IMMUTABLE), GORAE_CAP(CAP_NET_BIND_SERVICE), GORAE_CAP(CAP_NET_BROADCAST),
    GORAE_CAP(CAP_NET_ADMIN),       GORAE_CAP(CAP_NET_RAW),        GORAE_CAP(CAP_IPC_LOCK),
    GORAE_CAP(CAP_IPC_OWNER),       GORAE_CAP(CAP_SYS_MODULE),     GORAE_CAP(CAP_SYS_RAWIO),
    GORAE_CAP(CAP_SYS_CHROOT),      GORAE_CAP(CAP_SYS_PTRACE),     GORAE_CAP(CAP_SYS_PACCT),
    GORAE_CAP(CAP_SYS_ADMIN),       GORAE_CAP(CAP_SYS_BOOT),       GORAE_CAP(CAP_SYS_NICE),
    GORAE_CAP(CAP_SYS_RESOURCE),    GORAE_CAP(CAP_SYS_TIME),       GORAE_CAP(CAP_SYS_TTY_CONFIG),
    GORAE_CAP(CAP_MKNOD),           GORAE_CAP(CAP_LEASE),          GORAE_CAP(CAP_AUDIT_WRITE),
    GORAE_CAP(CAP_AUDIT_CONTROL),   GORAE_CAP(CAP_SETFCAP),        GORAE_CAP(CAP_MAC_OVERRIDE),
    GORAE_CAP(CAP_MAC_ADMIN),       GORAE_CAP(CAP_SYSLOG),         GORAE_CAP(CAP_WAKE_ALARM),
    GORAE_CAP(CAP_BLOCK_SUSPEND),   GORAE_CAP(CAP_AUDIT_READ),     GORAE_CAP(CAP_PERFMON),
    GORAE_CAP(CAP_BPF),             GORAE_CAP(CAP_CHECKPOINT_RESTORE),
};
#undef GORAE_CAP

// Newer headers add capabilities at the end; a row for each is needed here.
static_assert(kCapabilities.size() == CAP_LAST_CAP + 1, "capability table out of date");
static_assert([] {
  for (std::size_t i = 0; i < kCapabilities.size(); ++i)
    if (kCapabilities[i].number != static_cast<int>(i)) return false;
  return true;
}(), "capability table must be in number order");

constexpr std::string_view kAll = "ALL";

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// "chown" → "CAP_CHOWN"; "all" → "ALL".
std::string canonical(std::string_view name) {
  std::string c = upper(name);
  if (c == kAll || c.rfind("CAP_", 0) == 0) return c;
  return "CAP_" + c;
}

}  // namespace

int last_capability() noexcept { return CAP_LAST_CAP; }

std::optional<int> capability_number(std::string_view name) {
  std::string c = canonical(name);
  for (const auto& row : kCapabilities)
    if (c == row.name) return row.number;
  return std::nullopt;
}

std::string_view capability_name(int number) noexcept {
  if (number < 0 || number > CAP_LAST_CAP) return {};
  return kCapabilities[static_cast<std::size_t>(number)].name;
}

std::vector<std::string> all_capabilities() {
  std::vector<std::string> out;
  for (const auto& row : kCapabilities) out.emplace_back(row.name);
  return out;
}

const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> defaults = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",  "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",   "CAP_AUDIT_WRITE",
  };
  return defaults;
}

std::vector<std::string> held_capabilities() {
  std::vector<std::string> out;
  // PR_CAPBSET_READ answers 1 (in the set), 0 (dropped) or EINVAL (a number
  // newer than the running kernel): only 1 counts.
  for (const auto& row : kCapabilities)
    if (::prctl(PR_CAPBSET_READ, row.number, 0, 0, 0) == 1) out.emplace_back(row.name);
  return out;
}

Result<std::vector<std::string>> normalize_capabilities(
    const std::vector<std::string>& names, const std::vector<std::string>& available) {
  std::vector<std::string> out;
  for (const auto& name : names) {
    std::string c = canonical(name);
    if (c != kAll) {
      if (!capability_number(c))
        return fail(Errc::invalid_argument, "unknown capability: " + go_quote(c));
      if (!contains(available, c))
        return fail(Errc::invalid_argument,
                    "capability not supported by your kernel or not available in the "
                    "current environment: " + go_quote(c));
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<std::string>> merge_capabilities(const std::vector<std::string>& add,
                                                    const std::vector<std::string>& drop,
                                                    bool privileged,
                                                    const std::vector<std::string>& available) {
  // dockerd checks both lists when the container is created, before anything
  // looks at Privileged, so a typo fails even for a privileged container.
  auto adds = normalize_capabilities(add, available);
  if (!adds) return tl::unexpected(std::move(adds.error()).wrap("invalid CapAdd"));
  auto drops = normalize_capabilities(drop, available);
  if (!drops) return tl::unexpected(std::move(drops.error()).wrap("invalid CapDrop"));

  std::vector<std::string> caps;
  if (privileged) {
    caps = available;
  } else if (contains(*adds, kAll)) {
    // "ALL" in add is checked first, so --cap-add ALL --cap-drop ALL is everything.
    for (const auto& c : available)
      if (!contains(*drops, c)) caps.push_back(c);
  } else if (contains(*drops, kAll)) {
    caps = *adds;
  } else {
    for (const auto& c : default_capabilities())
      if (!contains(*drops, c)) caps.push_back(c);
    caps.insert(caps.end(), adds->begin(), adds->end());  // after the drop: add wins
  }

  // One name once, in number order: the order of the kernel's bit mask.
  std::sort(caps.begin(), caps.end(), [](const std::string& a, const std::string& b) {
    return capability_number(a).value_or(-1) < capability_number(b).value_or(-1);
  });
  caps.erase(std::unique(caps.begin(), caps.end()), caps.end());
  return caps;
}

Result<std::vector<std::string>> merge_capabilities(const std::vector<std::string>& add,
                                                    const std::vector<std::string>& drop,
                                                    bool privileged) {
  return merge_capabilities(add, drop, privileged, held_capabilities());
}

Result<std::uint64_t> capability_mask(const std::vector<std::string>& names) {
  std::uint64_t mask = 0;
  for (const auto& name : names) {
    auto n = capability_number(name);
    if (!n) return fail(Errc::invalid_argument, "unknown capability: " + go_quote(canonical(name)));
    mask |= std::uint64_t{1} << *n;
  }
  return mask;
}

}  // namespace gorae::security
