#include <gtest/gtest.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "gorae/api/error.hpp"
#include "gorae/base/error.hpp"

namespace gorae {
namespace {

Status fails_with_errno() {
  errno = EADDRINUSE;
  return tl::unexpected(Error::from_errno("bind /run/x.sock"));
}

Status propagates() {
  GORAE_TRY(fails_with_errno());
  return {};
}

Result<int> gives(int value) { return value; }

Result<int> doubles(int value) {
  GORAE_ASSIGN_OR_RETURN(int got, gives(value));
  return got * 2;
}

TEST(ErrorTest, FromErrnoKeepsCodeAndKind) {
  auto status = propagates();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind(), Errc::conflict);
  EXPECT_EQ(status.error().code(), std::error_code(EADDRINUSE, std::generic_category()));
  EXPECT_EQ(status.error().what(), "bind /run/x.sock: address already in use");
  EXPECT_EQ(Error::from_errno(ENOENT, "x").kind(), Errc::not_found);
  EXPECT_EQ(Error::from_errno(EIO, "x").kind(), Errc::system);
}

TEST(ErrorTest, WrapAddsContext) {
  auto error = Error(Errc::not_found, "no such thing").wrap("start web");
  EXPECT_EQ(error.what(), "start web: no such thing");
}

TEST(ErrorTest, AssignOrReturnUnwraps) { EXPECT_EQ(*doubles(21), 42); }

TEST(ErrorTest, KindsMapToDockersStatuses) {
  EXPECT_EQ(api::status_for(Errc::invalid_argument), 400);
  EXPECT_EQ(api::status_for(Errc::not_found), 404);
  EXPECT_EQ(api::status_for(Errc::conflict), 409);
  EXPECT_EQ(api::status_for(Errc::system), 500);
  EXPECT_EQ(api::status_for(Errc::internal), 500);
  auto api_error = api::to_api_error(Error(Errc::not_found, "No such container: x"));
  EXPECT_EQ(api_error.status(), 404);
  EXPECT_STREQ(api_error.what(), "No such container: x");
}

TEST(ErrorTest, ErrorBodyIsDockersShape) {
  auto response = api::error_response(409, "name \"web\" in use");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(nlohmann::json::parse(response.body),
            nlohmann::json({{"message", "name \"web\" in use"}}));
  EXPECT_EQ(response.body.back(), '\n');
  EXPECT_EQ(*response.header("content-type"), "application/json");
}

}  // namespace
}  // namespace gorae
