#include "gorae/security/security_opt.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gorae::security {
namespace {

using ::testing::ElementsAre;

SecurityOptions parse_ok(const std::vector<std::string>& opts) {
  auto r = parse_security_opt(opts);
  EXPECT_TRUE(r) << (r ? "" : r.error().what());
  return r ? *r : SecurityOptions{};
}

std::string parse_error(const std::vector<std::string>& opts) {
  auto r = parse_security_opt(opts);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().kind(), Errc::invalid_argument);
  return r.error().what();
}

TEST(SecurityOpt, NothingMeansTheDaemonDefaults) {
  SecurityOptions o = parse_ok({});
  EXPECT_EQ(o.seccomp, SeccompChoice::daemon_default);
  EXPECT_TRUE(o.seccomp_profile.empty());
  EXPECT_FALSE(o.no_new_privileges.has_value());
  EXPECT_TRUE(o.label.empty());
  EXPECT_TRUE(o.apparmor_profile.empty());
}

TEST(SecurityOpt, SeccompChoices) {
  EXPECT_EQ(parse_ok({"seccomp=unconfined"}).seccomp, SeccompChoice::unconfined);
  EXPECT_EQ(parse_ok({"seccomp=builtin"}).seccomp, SeccompChoice::builtin);
  EXPECT_EQ(parse_ok({"seccomp="}).seccomp, SeccompChoice::daemon_default);
  // The docker CLI sends the profile file's content; it may contain '=' and ':'.
  const std::string profile = R"({"defaultAction":"SCMP_ACT_ALLOW","comment":"a=b:c"})";
  SecurityOptions o = parse_ok({"seccomp=" + profile});
  EXPECT_EQ(o.seccomp, SeccompChoice::custom);
  EXPECT_EQ(o.seccomp_profile, profile);
  // The last seccomp option wins.
  o = parse_ok({"seccomp=" + profile, "seccomp=unconfined"});
  EXPECT_EQ(o.seccomp, SeccompChoice::unconfined);
  EXPECT_TRUE(o.seccomp_profile.empty());
}

TEST(SecurityOpt, LegacyColonSeparator) {
  EXPECT_EQ(parse_ok({"seccomp:unconfined"}).seccomp, SeccompChoice::unconfined);
  EXPECT_EQ(parse_ok({"apparmor:docker-default"}).apparmor_profile, "docker-default");
  EXPECT_THAT(parse_ok({"label:type:svirt_apache_t"}).label, ElementsAre("type:svirt_apache_t"));
  // With a '=' anywhere, '=' is the separator, even after a ':'.
  EXPECT_EQ(parse_error({"seccomp:a=b"}), "invalid --security-opt 2: \"seccomp:a=b\"");
}

TEST(SecurityOpt, NoNewPrivileges) {
  EXPECT_EQ(parse_ok({"no-new-privileges"}).no_new_privileges, true);
  for (const char* yes : {"true", "1", "t", "T", "TRUE", "True"})
    EXPECT_EQ(parse_ok({std::string("no-new-privileges=") + yes}).no_new_privileges, true) << yes;
  for (const char* no : {"false", "0", "f", "F", "FALSE", "False"})
    EXPECT_EQ(parse_ok({std::string("no-new-privileges=") + no}).no_new_privileges, false) << no;
  EXPECT_EQ(parse_ok({"no-new-privileges:true"}).no_new_privileges, true);
  EXPECT_EQ(parse_ok({"no-new-privileges", "no-new-privileges=false"}).no_new_privileges, false);
  // Go's ParseBool knows neither "yes" nor "tRuE".
  EXPECT_EQ(parse_error({"no-new-privileges=yes"}), "invalid --security-opt 2: \"no-new-privileges=yes\"");
  EXPECT_EQ(parse_error({"no-new-privileges=tRuE"}), "invalid --security-opt 2: \"no-new-privileges=tRuE\"");
}

// Without SELinux and AppArmor on the host dockerd accepts these and applies
// nothing; gorae keeps them for inspect and applies nothing either.
TEST(SecurityOpt, LabelAndAppArmorAreAcceptedAndKept) {
  SecurityOptions o = parse_ok({"label=user:USER", "label=level:s0:c100,c200", "disable", "apparmor=unconfined"});
  EXPECT_THAT(o.label, ElementsAre("user:USER", "level:s0:c100,c200", "disable"));
  EXPECT_EQ(o.apparmor_profile, "unconfined");
  EXPECT_THAT(parse_ok({"label=disable"}).label, ElementsAre("disable"));
}

TEST(SecurityOpt, DockersErrorTexts) {
  EXPECT_EQ(parse_error({"nonsense"}), "invalid --security-opt 1: \"nonsense\"");
  EXPECT_EQ(parse_error({"unconfined"}), "invalid --security-opt 1: \"unconfined\"");
  EXPECT_EQ(parse_error({""}), "invalid --security-opt 1: \"\"");
  EXPECT_EQ(parse_error({"foo=bar"}), "invalid --security-opt 2: \"foo=bar\"");
  EXPECT_EQ(parse_error({"Seccomp=unconfined"}), "invalid --security-opt 2: \"Seccomp=unconfined\"");
  EXPECT_EQ(parse_error({"systempaths=unconfined"}), "invalid --security-opt 2: \"systempaths=unconfined\"");
  EXPECT_EQ(parse_error({"seccomp=unconfined", "bad\"one"}), "invalid --security-opt 1: \"bad\\\"one\"");
}

}  // namespace
}  // namespace gorae::security
