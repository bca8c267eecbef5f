// HostConfig.SecurityOpt → SecurityOptions, after dockerd's parseSecurityOpt
// (moby daemon/daemon_unix.go), keeping its quirks: the separator is '=' when
// the option contains one anywhere, else ':' (deprecated since Docker 1.13 and
// still accepted); errors say "1" for a missing separator, "2" for the rest.

#include "gorae/security/security_opt.hpp"

#include <array>
#include <string_view>

#include "security_text.hpp"

namespace gorae::security {
namespace {

tl::unexpected<Error> invalid(int which, std::string_view opt) {
  return fail(Errc::invalid_argument,
              "invalid --security-opt " + std::to_string(which) + ": " + detail::go_quote(opt));
}

// Go's strconv.ParseBool: exactly these spellings, nothing else.
std::optional<bool> parse_go_bool(std::string_view v) {
  static constexpr std::array<std::string_view, 6> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::array<std::string_view, 6> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  for (auto t : kTrue)
    if (v == t) return true;
  for (auto f : kFalse)
    if (v == f) return false;
  return std::nullopt;
}

}  // namespace

Result<SecurityOptions> parse_security_opt(const std::vector<std::string>& opts) {
  SecurityOptions out;
  for (const std::string& opt : opts) {
    if (opt == "no-new-privileges") {
      out.no_new_privileges = true;
      continue;
    }
    if (opt == "disable") {  // SELinux's "label=disable", written alone
      out.label.push_back(opt);
      continue;
    }
    std::size_t sep = opt.find('=');
    if (sep == std::string::npos) sep = opt.find(':');
    if (sep == std::string::npos) return invalid(1, opt);
    std::string_view key = std::string_view(opt).substr(0, sep);
    std::string value = opt.substr(sep + 1);

    if (key == "label") {
      out.label.push_back(std::move(value));
    } else if (key == "apparmor") {
      out.apparmor_profile = std::move(value);
    } else if (key == "seccomp") {
      // Later options win, as each one overwrites dockerd's single field.
      out.seccomp_profile.clear();
      if (value.empty()) {
        out.seccomp = SeccompChoice::daemon_default;
      } else if (value == "unconfined") {
        out.seccomp = SeccompChoice::unconfined;
      } else if (value == "builtin") {
        out.seccomp = SeccompChoice::builtin;
      } else {
        // The profile is only decoded when the container's spec is built, as
        // in dockerd: a broken profile fails at start, not here.
        out.seccomp = SeccompChoice::custom;
        out.seccomp_profile = std::move(value);
      }
    } else if (key == "no-new-privileges") {
      auto b = parse_go_bool(value);
      if (!b) return invalid(2, opt);
      out.no_new_privileges = *b;
    } else {
      return invalid(2, opt);
    }
  }
  return out;
}

}  // namespace gorae::security
