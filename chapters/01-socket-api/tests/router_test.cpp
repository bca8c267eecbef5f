// The router is the seam every chapter registers into: matching, captures,
// the version prefix and the error shapes dockerd uses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gorae/api/error.hpp"
#include "gorae/api/router.hpp"

namespace gorae::api {
namespace {

Response echo_params(Request& request) {
  nlohmann::json body = nlohmann::json::object();
  for (const auto& [name, value] : request.params) body[name] = value;
  body["version"] = request.version.text();
  return Response::json(200, body);
}

Response run(const Router& router, std::string method, std::string target,
             std::string host = "localhost") {
  auto request = Request::from_target(std::move(method), std::move(target));
  request.headers.emplace_back("host", std::move(host));
  return router.dispatch(request);
}

nlohmann::json body_of(const Response& response) { return nlohmann::json::parse(response.body); }

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add("GET", "/containers/json", [](Request&) { return Response::text(200, "list"); });
    router.add("GET", "/containers/{id}/json", echo_params);
    router.add("POST", "/containers/{id}/start", echo_params);
    router.add("GET", "/images/{name*}/json", echo_params);
    router.add("GET", "/version", [](Request&) { return Response::text(200, "v"); });
  }
  Router router;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
  auto response = run(router, "GET", "/containers/json");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "list");
}

TEST_F(RouterTest, CapturesOneSegment) {
  auto response = run(router, "GET", "/containers/abc123/json");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response)["id"], "abc123");
}

TEST_F(RouterTest, GreedyCaptureTakesSlashes) {
  auto response = run(router, "GET", "/images/localhost:5000/team/app/json");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response)["name"], "localhost:5000/team/app");
}

TEST_F(RouterTest, LiteralBeatsCapture) {
  router.add("GET", "/containers/{id}", echo_params);
  router.add("GET", "/containers/prune", [](Request&) { return Response::text(200, "prune"); });
  EXPECT_EQ(run(router, "GET", "/containers/prune").body, "prune");
}

TEST_F(RouterTest, CapturesAreDecoded) {
  auto response = run(router, "GET", "/images/busybox%3Alatest/json");
  EXPECT_EQ(body_of(response)["name"], "busybox:latest");
  // An encoded slash stays inside its segment.
  EXPECT_EQ(body_of(run(router, "GET", "/containers/%2Fweb/json"))["id"], "/web");
}

TEST_F(RouterTest, LaterRegistrationReplacesEarlier) {
  router.add("GET", "/version", [](Request&) { return Response::text(200, "v2"); });
  EXPECT_EQ(run(router, "GET", "/version").body, "v2");
}

TEST_F(RouterTest, UnknownPathIsDockersNotFound) {
  auto response = run(router, "GET", "/nothing/here");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, "{\"message\":\"page not found\"}\n");
  ASSERT_NE(response.header("Content-Type"), nullptr);
  EXPECT_EQ(*response.header("Content-Type"), "application/json");
}

TEST_F(RouterTest, WrongMethodIsNotFoundAsInDockerd) {
  auto response = run(router, "DELETE", "/version");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(body_of(response)["message"], "page not found");
}

TEST_F(RouterTest, TrailingSlashDoesNotMatch) {
  EXPECT_EQ(run(router, "GET", "/version/").status, 404);
}

TEST_F(RouterTest, AcceptsEverySupportedVersionPrefix) {
  for (int minor = 24; minor <= 41; ++minor) {
    auto response = run(router, "GET", "/v1." + std::to_string(minor) + "/containers/x/json");
    ASSERT_EQ(response.status, 200) << minor;
    EXPECT_EQ(body_of(response)["version"], "1." + std::to_string(minor));
  }
  EXPECT_EQ(body_of(run(router, "GET", "/containers/x/json"))["version"], "1.41");
}

TEST_F(RouterTest, RejectsTooNewVersionWithJson) {
  auto response = run(router, "GET", "/v1.42/version");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(body_of(response)["message"],
            "client version 1.42 is too new. Maximum supported API version is 1.41");
}

TEST_F(RouterTest, RejectsTooOldVersionInPlainText) {
  auto response = run(router, "GET", "/v1.23/version");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body,
            "client version 1.23 is too old. Minimum supported API version is 1.24, please "
            "upgrade your client to a newer version\n");
  EXPECT_EQ(*response.header("Content-Type"), "text/plain; charset=utf-8");
}

TEST_F(RouterTest, NonVersionFirstSegmentIsAPath) {
  EXPECT_EQ(run(router, "GET", "/vabc/version").status, 404);
  EXPECT_EQ(run(router, "GET", "/v1.-1/version").status, 404);
}

TEST_F(RouterTest, VersionsCompareAsDockerdDoes) {
  EXPECT_EQ(run(router, "GET", "/v1.41.0/version").status, 200);
  EXPECT_EQ(body_of(run(router, "GET", "/v1.30.2/containers/x/json"))["version"], "1.30");
  EXPECT_EQ(run(router, "GET", "/v1/version").status, 400);       // 1 < 1.24
  EXPECT_EQ(run(router, "GET", "/v1.41.1/version").status, 400);  // newer than 1.41
  EXPECT_EQ(run(router, "GET", "/v2/version").status, 400);
}

TEST_F(RouterTest, EveryResponseCarriesApiVersionHeaders) {
  for (const auto& target : {"/version", "/nothing", "/v1.99/version"}) {
    auto response = run(router, "GET", target);
    ASSERT_NE(response.header("Api-Version"), nullptr) << target;
    EXPECT_EQ(*response.header("Api-Version"), "1.41");
    EXPECT_EQ(*response.header("Ostype"), "linux");
    ASSERT_NE(response.header("Server"), nullptr);
  }
}

TEST_F(RouterTest, HandlerErrorsBecomeMessages) {
  router.add("GET", "/conflict", [](Request&) -> Response {
    throw Error::conflict("name in use");
  });
  router.add("GET", "/crash", [](Request&) -> Response { throw std::runtime_error("boom"); });
  auto conflict = run(router, "GET", "/conflict");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(body_of(conflict)["message"], "name in use");
  auto crash = run(router, "GET", "/crash");
  EXPECT_EQ(crash.status, 500);
  EXPECT_EQ(body_of(crash)["message"], "boom");
}

TEST_F(RouterTest, ExplainsCurlsOldUrlForm) {
  // curl --unix-socket S http:/version sends "GET /" with Host "version".
  auto response = run(router, "GET", "/", "version");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(body_of(response)["message"],
            "page not found (curl read \"version\" as a host name: use "
            "http://localhost/version)");
  // http:/containers/json?all=1 → GET /json?all=1, Host containers.
  auto listed = run(router, "GET", "/json?all=1", "containers");
  EXPECT_EQ(body_of(listed)["message"],
            "page not found (curl read \"containers\" as a host name: use "
            "http://localhost/containers/json?all=1)");
}

TEST_F(RouterTest, NoHintWhenTheGuessWouldNotRouteEither) {
  EXPECT_EQ(body_of(run(router, "GET", "/", "nonsense"))["message"], "page not found");
  EXPECT_EQ(body_of(run(router, "GET", "/", "localhost"))["message"], "page not found");
}

TEST_F(RouterTest, TellsWhichRoutesTakeASpooledBody) {
  router.add("POST", "/images/load", echo_params, RequestBody::spooled);
  EXPECT_EQ(router.request_body("POST", "/v1.41/images/load?quiet=1"), RequestBody::spooled);
  EXPECT_EQ(router.request_body("POST", "/images/load"), RequestBody::spooled);
  EXPECT_EQ(router.request_body("GET", "/images/load"), RequestBody::in_memory) << "another method";
  EXPECT_EQ(router.request_body("POST", "/containers/x/start"), RequestBody::in_memory);
  EXPECT_EQ(router.request_body("POST", "/nowhere"), RequestBody::in_memory);
  router.add("POST", "/images/load", echo_params);
  EXPECT_EQ(router.request_body("POST", "/images/load"), RequestBody::in_memory) << "replaced";
}

}  // namespace
}  // namespace gorae::api
