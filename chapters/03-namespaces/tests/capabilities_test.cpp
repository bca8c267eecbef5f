#include "gorae/security/capabilities.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/prctl.h>

#include <algorithm>

namespace gorae::security {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;
using Caps = std::vector<std::string>;

// A host whose bounding set lacks CAP_SYS_RESOURCE, like the CI machines.
Caps host_without_sys_resource() {
  Caps caps = all_capabilities();
  caps.erase(std::find(caps.begin(), caps.end(), "CAP_SYS_RESOURCE"));
  return caps;
}

std::string error_text(const Result<Caps>& r) { return r ? "(no error)" : r.error().what(); }

TEST(CapabilityNames, NumbersComeFromTheKernelHeaders) {
  EXPECT_EQ(last_capability(), CAP_LAST_CAP);
  EXPECT_EQ(capability_number("CAP_CHOWN"), CAP_CHOWN);
  EXPECT_EQ(capability_number("chown"), CAP_CHOWN);
  EXPECT_EQ(capability_number("cap_chown"), CAP_CHOWN);
  EXPECT_EQ(capability_number("Sys_Admin"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_number("CAP_BPF"), CAP_BPF);
  EXPECT_EQ(capability_number("CAP_CHECKPOINT_RESTORE"), CAP_CHECKPOINT_RESTORE);
  EXPECT_FALSE(capability_number("CAP_FOO"));
  EXPECT_FALSE(capability_number("ALL"));
  EXPECT_FALSE(capability_number(""));
}

TEST(CapabilityNames, NameOfEveryNumberRoundTrips) {
  for (int n = 0; n <= CAP_LAST_CAP; ++n) {
    std::string name(capability_name(n));
    ASSERT_EQ(name.rfind("CAP_", 0), 0u) << n;
    EXPECT_EQ(capability_number(name), n) << name;
  }
  EXPECT_EQ(capability_name(CAP_NET_BIND_SERVICE), "CAP_NET_BIND_SERVICE");
  EXPECT_EQ(capability_name(-1), "");
  EXPECT_EQ(capability_name(CAP_LAST_CAP + 1), "");
  EXPECT_EQ(all_capabilities().size(), static_cast<std::size_t>(CAP_LAST_CAP + 1));
}

TEST(CapabilityNames, DockerDefaultsInDockerOrder) {
  EXPECT_THAT(default_capabilities(),
              ElementsAre("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
                          "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
                          "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"));
}

TEST(HeldCapabilities, AreExactlyTheBoundingSet) {
  Caps expected;
  for (int n = 0; n <= CAP_LAST_CAP; ++n)
    if (prctl(PR_CAPBSET_READ, n, 0, 0, 0) == 1) expected.emplace_back(capability_name(n));
  EXPECT_THAT(held_capabilities(), ElementsAreArray(expected));
}

TEST(MergeCapabilities, NoChangesGiveTheDefaults) {
  auto caps = merge_capabilities({}, {}, false, all_capabilities());
  ASSERT_TRUE(caps) << error_text(caps);
  EXPECT_THAT(*caps, UnorderedElementsAreArray(default_capabilities()));
  // Sorted by number: CAP_CHOWN (0) first, CAP_SETFCAP (31) last.
  EXPECT_EQ(caps->front(), "CAP_CHOWN");
  EXPECT_EQ(caps->back(), "CAP_SETFCAP");
}

TEST(MergeCapabilities, AddAndDropAcceptDockerSpellings) {
  auto caps = merge_capabilities({"net_admin", "CAP_SYS_PTRACE", "Sys_Time"}, {"chown", "cap_mknod"},
                                 false, all_capabilities());
  ASSERT_TRUE(caps) << error_text(caps);
  EXPECT_THAT(*caps, ::testing::Contains("CAP_NET_ADMIN"));
  EXPECT_THAT(*caps, ::testing::Contains("CAP_SYS_PTRACE"));
  EXPECT_THAT(*caps, ::testing::Contains("CAP_SYS_TIME"));
  EXPECT_THAT(*caps, ::testing::Not(::testing::Contains("CAP_CHOWN")));
  EXPECT_THAT(*caps, ::testing::Not(::testing::Contains("CAP_MKNOD")));
  EXPECT_EQ(caps->size(), default_capabilities().size() + 3 - 2);
}

TEST(MergeCapabilities, AddWinsOverDropForTheSameCapability) {
  auto caps = merge_capabilities({"CHOWN"}, {"CHOWN"}, false, all_capabilities());
  ASSERT_TRUE(caps) << error_text(caps);
  EXPECT_THAT(*caps, ::testing::Contains("CAP_CHOWN"));
  // Adding a default again does not list it twice.
  auto again = merge_capabilities({"CAP_KILL"}, {}, false, all_capabilities());
  ASSERT_TRUE(again);
  EXPECT_EQ(std::count(again->begin(), again->end(), "CAP_KILL"), 1);
}

TEST(MergeCapabilities, AllInAddIsEverythingAvailableExceptDrops) {
  Caps host = host_without_sys_resource();
  auto caps = merge_capabilities({"all"}, {"NET_ADMIN"}, false, host);
  ASSERT_TRUE(caps) << error_text(caps);
  Caps expected = host;
  expected.erase(std::find(expected.begin(), expected.end(), "CAP_NET_ADMIN"));
  EXPECT_THAT(*caps, ElementsAreArray(expected));
  // ALL in add is looked at first: add ALL + drop ALL is still everything.
  auto both = merge_capabilities({"ALL"}, {"ALL"}, false, host);
  ASSERT_TRUE(both);
  EXPECT_THAT(*both, ElementsAreArray(host));
}

TEST(MergeCapabilities, AllInDropKeepsOnlyTheAdds) {
  auto caps = merge_capabilities({"kill", "NET_BIND_SERVICE"}, {"all"}, false, all_capabilities());
  ASSERT_TRUE(caps) << error_text(caps);
  EXPECT_THAT(*caps, ElementsAre("CAP_KILL", "CAP_NET_BIND_SERVICE"));
  auto none = merge_capabilities({}, {"ALL"}, false, all_capabilities());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(MergeCapabilities, PrivilegedIsExactlyTheAvailableSet) {
  Caps host = host_without_sys_resource();
  auto caps = merge_capabilities({}, {"CHOWN"}, true, host);
  ASSERT_TRUE(caps) << error_text(caps);
  EXPECT_THAT(*caps, ElementsAreArray(host));
  EXPECT_THAT(*caps, ::testing::Not(::testing::Contains("CAP_SYS_RESOURCE")));

  // Against this process: privileged means what the bounding set holds.
  auto here = merge_capabilities({}, {}, true);
  ASSERT_TRUE(here) << error_text(here);
  EXPECT_THAT(*here, ElementsAreArray(held_capabilities()));
}

TEST(MergeCapabilities, UnknownNamesFailWithDockersText) {
  auto add = merge_capabilities({"foo"}, {}, false, all_capabilities());
  ASSERT_FALSE(add);
  EXPECT_EQ(add.error().kind(), Errc::invalid_argument);
  EXPECT_EQ(add.error().what(), "invalid CapAdd: unknown capability: \"CAP_FOO\"");

  auto drop = merge_capabilities({}, {"CAP_NOPE"}, false, all_capabilities());
  ASSERT_FALSE(drop);
  EXPECT_EQ(drop.error().what(), "invalid CapDrop: unknown capability: \"CAP_NOPE\"");

  // dockerd validates both lists even for a privileged container.
  auto privileged = merge_capabilities({"bogus"}, {}, true, all_capabilities());
  ASSERT_FALSE(privileged);
  EXPECT_EQ(privileged.error().what(), "invalid CapAdd: unknown capability: \"CAP_BOGUS\"");

  auto quoted = normalize_capabilities({"a\"b"}, all_capabilities());
  ASSERT_FALSE(quoted);
  EXPECT_EQ(quoted.error().what(), "unknown capability: \"CAP_A\\\"B\"");
}

TEST(MergeCapabilities, KnownButUnavailableFailsLikeNewerDocker) {
  auto caps = merge_capabilities({"SYS_RESOURCE"}, {}, false, host_without_sys_resource());
  ASSERT_FALSE(caps);
  EXPECT_EQ(caps.error().what(),
            "invalid CapAdd: capability not supported by your kernel or not available in the "
            "current environment: \"CAP_SYS_RESOURCE\"");
}

TEST(CapabilityMask, SetsOneBitPerName) {
  auto mask = capability_mask({"CAP_CHOWN", "kill", "CAP_SYS_ADMIN", "CAP_CHOWN"});
  ASSERT_TRUE(mask);
  EXPECT_EQ(*mask, (1ull << CAP_CHOWN) | (1ull << CAP_KILL) | (1ull << CAP_SYS_ADMIN));
  auto defaults = capability_mask(default_capabilities());
  ASSERT_TRUE(defaults);
  EXPECT_EQ(*defaults, 0xa80425fbull);  // Docker's well-known default CapBnd
  auto all = capability_mask(all_capabilities());
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, (2ull << CAP_LAST_CAP) - 1);
  EXPECT_EQ(capability_mask({}).value(), 0u);

  auto bad = capability_mask({"CAP_CHOWN", "CAP_WIZARD"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), Errc::invalid_argument);
  EXPECT_EQ(bad.error().what(), "unknown capability: \"CAP_WIZARD\"");
}

}  // namespace
}  // namespace gorae::security
