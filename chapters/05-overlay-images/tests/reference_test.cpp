// Image references against Docker's rules (distribution/reference,
// ParseNormalizedNamed and FamiliarString).
#include <cctype>

#include <gtest/gtest.h>

#include "gorae/images/reference.hpp"

namespace gorae::images {
namespace {

const std::string kHex = "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";

struct Good {
  std::string input, full, familiar, domain, path, tag;
};

// Short values in test names (ctest shows GetParam()); gtest finds these by ADL.
std::string token(const std::string& input) {
  std::string out = input.substr(0, 40);
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return out;
}
void PrintTo(const Good& good, std::ostream* out) { *out << token(good.input); }

class ReferenceParseTest : public ::testing::TestWithParam<Good> {};

// "localhost:5000/x/y:tag" → "3_localhost_5000_x_y_tag": gtest names allow [A-Za-z0-9_].
template <class Param>
std::string case_name(const ::testing::TestParamInfo<Param>& param_info) {
  return std::to_string(param_info.index) + "_" + token(param_info.param.input);
}

TEST_P(ReferenceParseTest, NormalisesAsDocker) {
  const Good& want = GetParam();
  auto ref = Reference::parse(want.input);
  ASSERT_TRUE(ref) << want.input << ": " << ref.error().what();
  EXPECT_EQ(ref->str(), want.full);
  EXPECT_EQ(ref->familiar(), want.familiar);
  EXPECT_EQ(ref->domain, want.domain);
  EXPECT_EQ(ref->path, want.path);
  EXPECT_EQ(ref->tag, want.tag);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ReferenceParseTest,
    ::testing::Values(
        Good{"busybox", "docker.io/library/busybox", "busybox", "docker.io", "library/busybox", ""},
        Good{"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36", "docker.io",
             "library/busybox", "1.36"},
        Good{"library/busybox", "docker.io/library/busybox", "busybox", "docker.io", "library/busybox", ""},
        Good{"docker.io/library/busybox:latest", "docker.io/library/busybox:latest", "busybox:latest",
             "docker.io", "library/busybox", "latest"},
        Good{"docker.io/busybox", "docker.io/library/busybox", "busybox", "docker.io", "library/busybox", ""},
        Good{"index.docker.io/library/busybox", "docker.io/library/busybox", "busybox", "docker.io",
             "library/busybox", ""},
        Good{"someone/app:v2", "docker.io/someone/app:v2", "someone/app:v2", "docker.io", "someone/app", "v2"},
        Good{"localhost:5000/x/y:tag", "localhost:5000/x/y:tag", "localhost:5000/x/y:tag", "localhost:5000",
             "x/y", "tag"},
        Good{"localhost/x", "localhost/x", "localhost/x", "localhost", "x", ""},
        Good{"registry.example.com/a/b/c", "registry.example.com/a/b/c", "registry.example.com/a/b/c",
             "registry.example.com", "a/b/c", ""},
        Good{"[::1]:5000/app:Tag_1.0-rc", "[::1]:5000/app:Tag_1.0-rc", "[::1]:5000/app:Tag_1.0-rc", "[::1]:5000",
             "app", "Tag_1.0-rc"},
        Good{"someone/a.b_c__d-e---f", "docker.io/someone/a.b_c__d-e---f", "someone/a.b_c__d-e---f",
             "docker.io", "someone/a.b_c__d-e---f", ""},
        // A capital in the first component makes it a registry (distribution/reference v0.5+).
        Good{"Foo/bar", "Foo/bar", "Foo/bar", "Foo", "bar", ""},
        // A host and port with no path is an official image with a tag.
        Good{"localhost:5000", "docker.io/library/localhost:5000", "localhost:5000", "docker.io",
             "library/localhost", "5000"}),
    case_name<Good>);

TEST(ReferenceTest, DigestReferences) {
  auto ref = Reference::parse("busybox@sha256:" + kHex);
  ASSERT_TRUE(ref) << ref.error().what();
  ASSERT_TRUE(ref->digest);
  EXPECT_EQ(ref->digest->hex(), kHex);
  EXPECT_EQ(ref->familiar(), "busybox@sha256:" + kHex);
  EXPECT_EQ(ref->with_default_tag().familiar(), "busybox@sha256:" + kHex);  // no "latest" beside a digest

  auto both = Reference::parse("localhost:5000/app:1.0@sha256:" + kHex);
  ASSERT_TRUE(both) << both.error().what();
  EXPECT_EQ(both->tag, "1.0");
  EXPECT_EQ(both->store_key().str(), "localhost:5000/app@sha256:" + kHex);  // the digest wins
}

TEST(ReferenceTest, DefaultTagAndStoreKey) {
  auto ref = Reference::parse("busybox");
  ASSERT_TRUE(ref);
  EXPECT_TRUE(ref->name_only());
  EXPECT_EQ(ref->with_default_tag().familiar(), "busybox:latest");
  EXPECT_EQ(ref->store_key().str(), "docker.io/library/busybox:latest");
  EXPECT_EQ(ref->familiar_name(), "busybox");
  EXPECT_EQ(ref->name(), "docker.io/library/busybox");
}

TEST(ReferenceTest, NestedLibraryPathsStayLong) {
  auto ref = Reference::parse("docker.io/library/a/b");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->familiar(), "library/a/b");  // only "library/<one name>" is shortened
}

struct Bad {
  std::string input, message;
};

void PrintTo(const Bad& bad, std::ostream* out) { *out << token(bad.input); }

class ReferenceRejectTest : public ::testing::TestWithParam<Bad> {};

TEST_P(ReferenceRejectTest, WithDockersMessage) {
  auto ref = Reference::parse(GetParam().input);
  ASSERT_FALSE(ref) << GetParam().input << " parsed as " << ref->str();
  EXPECT_EQ(ref.error().kind(), Errc::invalid_argument);
  EXPECT_EQ(ref.error().what(), GetParam().message) << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ReferenceRejectTest,
    ::testing::Values(
        Bad{"Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase"},
        Bad{"someone/App:1", "invalid reference format: repository name (someone/App) must be lowercase"},
        Bad{"", "invalid reference format"}, Bad{"busybox:", "invalid reference format"},
        Bad{":tag", "invalid reference format"}, Bad{"a//b", "invalid reference format"},
        Bad{"-a", "invalid reference format"}, Bad{"a_", "invalid reference format"},
        Bad{"a___b", "invalid reference format"}, Bad{"busybox:-x", "invalid reference format"},
        Bad{"busybox:" + std::string(129, 'a'), "invalid reference format"},
        Bad{"busy box", "invalid reference format"}, Bad{"busybox@sha256:abc", "invalid reference format"},
        Bad{"busybox@sha256:" + kHex.substr(1), "invalid checksum digest length"},
        Bad{"busybox@sha512:" + kHex + kHex, "unsupported digest algorithm"},
        Bad{"busybox@sha256:" + std::string(64, 'A'), "invalid checksum digest format"},
        Bad{kHex, "invalid repository name (" + kHex + "), cannot specify 64-byte hexadecimal strings"},
        Bad{"a/" + std::string(250, 'b'), "repository name must not be more than 255 characters"}),
    case_name<Bad>);

TEST(ReferenceTest, ValidateTag) {
  EXPECT_TRUE(validate_tag("latest"));
  EXPECT_TRUE(validate_tag("_1.0-RC"));
  EXPECT_TRUE(validate_tag(std::string(128, 'a')));
  EXPECT_FALSE(validate_tag(""));
  EXPECT_FALSE(validate_tag(".x"));
  EXPECT_FALSE(validate_tag("a/b"));
  EXPECT_EQ(validate_tag(std::string(129, 'a')).error().what(), "invalid tag format");
}

TEST(ReferenceTest, ImageIdsAreNotNames) {
  EXPECT_EQ(parse_image_id(kHex)->hex(), kHex);
  EXPECT_EQ(parse_image_id("sha256:" + kHex)->hex(), kHex);
  EXPECT_FALSE(parse_image_id("busybox"));
  EXPECT_FALSE(parse_image_id(kHex.substr(0, 12)));  // a prefix is looked up, not parsed
}

}  // namespace
}  // namespace gorae::images
