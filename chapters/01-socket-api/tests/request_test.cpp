#include <gtest/gtest.h>

#include "gorae/api/request.hpp"
#include "gorae/api/version.hpp"

namespace gorae::api {
namespace {

TEST(RequestTest, SplitsAndDecodesQuery) {
  auto request = Request::from_target("GET", "/containers/json?all=1&filters=%7B%22a%22%7D&x");
  EXPECT_EQ(request.path, "/containers/json");
  EXPECT_EQ(Request::from_target("GET", "/containers/%2Fweb/json").path,
            "/containers/%2Fweb/json");  // decoded per segment by the router
  EXPECT_EQ(request.query_value("all"), "1");
  EXPECT_EQ(request.query_value("filters"), "{\"a\"}");
  EXPECT_EQ(request.query_value("x"), "");
  EXPECT_EQ(request.query_value("missing"), std::nullopt);
}

TEST(RequestTest, QueryFlagFollowsDockersRule) {
  auto request = Request::from_target(
      "GET", "/x?a=1&b=0&c=false&d=False&e=&f=no&g=true&h=yes&i=True");
  EXPECT_TRUE(request.query_flag("a"));
  EXPECT_FALSE(request.query_flag("b", true));
  EXPECT_FALSE(request.query_flag("c", true));
  EXPECT_FALSE(request.query_flag("d", true));
  EXPECT_FALSE(request.query_flag("e", true));
  EXPECT_FALSE(request.query_flag("f", true));
  EXPECT_TRUE(request.query_flag("g"));
  EXPECT_TRUE(request.query_flag("h"));
  EXPECT_TRUE(request.query_flag("i"));
  EXPECT_TRUE(request.query_flag("absent", true));
  EXPECT_FALSE(request.query_flag("absent"));
}

TEST(RequestTest, HeadersAreCaseInsensitive) {
  Request request;
  request.headers.emplace_back("content-type", "application/json");
  ASSERT_NE(request.header("Content-Type"), nullptr);
  EXPECT_EQ(*request.header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(request.header("Host"), nullptr);
}

TEST(RequestTest, PercentDecoding) {
  EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("bad%zzend%2", false), "bad%zzend%2");
}

TEST(RequestTest, MissingParamIsAProgrammingError) {
  Request request;
  EXPECT_THROW(request.param("id"), std::logic_error);
}

TEST(VersionTest, ParsesAndCompares) {
  auto version = ApiVersion::parse("1.41");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->major, 1);
  EXPECT_EQ(version->minor, 41);
  EXPECT_LT(*ApiVersion::parse("1.9"), *ApiVersion::parse("1.10"));
  EXPECT_FALSE(ApiVersion::parse("1"));
  EXPECT_FALSE(ApiVersion::parse("1.x"));
  EXPECT_FALSE(ApiVersion::parse("1.41.2"));
  EXPECT_FALSE(ApiVersion::parse(""));
  EXPECT_FALSE(ApiVersion::parse("1.-1"));
}

TEST(VersionTest, ComparesPartByPart) {
  EXPECT_LT(compare_versions("1.9", "1.10"), 0);
  EXPECT_EQ(compare_versions("1.41.0", "1.41"), 0);
  EXPECT_GT(compare_versions("1.41.1", "1.41"), 0);
  EXPECT_LT(compare_versions("1", "1.24"), 0);
  EXPECT_GT(compare_versions("2", "1.41"), 0);
}

TEST(VersionTest, SplitsPrefix) {
  auto split = split_version_prefix("/v1.41/containers/json");
  EXPECT_EQ(split.version, "1.41");
  EXPECT_EQ(split.path, "/containers/json");
  auto bare = split_version_prefix("/v1.24");
  EXPECT_EQ(bare.version, "1.24");
  EXPECT_EQ(bare.path, "/");
  EXPECT_EQ(split_version_prefix("/v1/x").version, "1");
  EXPECT_EQ(split_version_prefix("/v1.41.0/x").version, "1.41.0");
  EXPECT_EQ(split_version_prefix("/v1.-1/x").version, std::nullopt);
  EXPECT_EQ(split_version_prefix("/v/x").version, std::nullopt);
  auto none = split_version_prefix("/volumes/v1.2");
  EXPECT_EQ(none.version, std::nullopt);
  EXPECT_EQ(none.path, "/volumes/v1.2");
  EXPECT_EQ(split_version_prefix("/vabc/x").version, std::nullopt);
}

}  // namespace
}  // namespace gorae::api
