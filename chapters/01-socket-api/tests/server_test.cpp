// The HTTP server in-process on a temporary socket: keep-alive, pipelining,
// many clients, and malformed input that must never hurt the daemon.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "gorae/api/error.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::http {
namespace {

using testing::parse_raw_response;
using testing::RawConnection;
using namespace std::chrono_literals;

const std::string kPing = "GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n";

api::Router make_router() {
  api::Router router;
  router.add("GET", "/_ping", [](api::Request&) { return api::Response::text(200, "OK"); });
  router.add("HEAD", "/_ping", [](api::Request&) { return api::Response::text(200, "OK"); });
  router.add("POST", "/echo", [](api::Request& request) {
    return api::Response::text(200, request.method + " " + request.body);
  });
  router.add("GET", "/slow", [](api::Request&) {
    std::this_thread::sleep_for(300ms);
    return api::Response::text(200, "done");
  });
  return router;
}

ServerOptions small_limits() {
  ServerOptions options;
  options.header_limit = 4096;
  options.body_limit = 1024;
  options.read_timeout = 300ms;
  options.threads = 2;
  return options;
}

class ServerTest : public ::testing::Test {
 protected:
  api::Router router = make_router();
  testing::TestServer server{router, small_limits()};

  // After whatever a test did, a fresh connection still gets served.
  void expect_still_serving() {
    RawConnection connection(server.socket_path());
    connection.send(kPing);
    EXPECT_EQ(parse_raw_response(connection.read_response()).status, 200);
  }
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawConnection connection(server.socket_path());
  for (int i = 0; i < 5; ++i) {
    connection.send(kPing);
    auto response = parse_raw_response(connection.read_response());
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "OK");
  }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection connection(server.socket_path());
  std::string batch;
  for (int i = 0; i < 3; ++i)
    batch += "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n" + std::to_string(i);
  connection.send(batch);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(parse_raw_response(connection.read_response()).body, "POST " + std::to_string(i));
}

TEST_F(ServerTest, HeadGetsTheLengthButNoBody) {
  RawConnection connection(server.socket_path());
  connection.send("HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n" + kPing);
  auto head = parse_raw_response(connection.read_head());
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-length"], "2");
  // The next bytes are the GET's answer: the HEAD answer had no body.
  auto get = parse_raw_response(connection.read_response());
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "OK");
}

TEST_F(ServerTest, ChunkedRequestBodiesAreAccepted) {
  RawConnection connection(server.socket_path());
  connection.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(parse_raw_response(connection.read_response()).body, "POST abcde");
}

TEST_F(ServerTest, TwoHundredConcurrentClients) {
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 200; ++i) {
    clients.emplace_back([&] {
      RawConnection connection(server.socket_path());
      for (int round = 0; round < 3; ++round) {
        connection.send(kPing);
        if (parse_raw_response(connection.read_response(10s)).status == 200) ++ok;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), 600);
}

TEST_F(ServerTest, GarbageGets400AndTheConnectionCloses) {
  RawConnection connection(server.socket_path());
  connection.send("THIS IS NOT HTTP\r\n\r\n");
  auto response = parse_raw_response(connection.read_response());
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("\"message\":\"malformed HTTP request"), std::string::npos);
  EXPECT_EQ(response.headers["content-type"], "application/json");
  EXPECT_TRUE(connection.closed_by_peer());
  expect_still_serving();
}

TEST_F(ServerTest, OversizedHeaderGets431) {
  RawConnection connection(server.socket_path());
  connection.send("GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') +
                  "\r\n\r\n");
  EXPECT_EQ(parse_raw_response(connection.read_response()).status, 431);
  EXPECT_TRUE(connection.closed_by_peer());
  expect_still_serving();
}

TEST_F(ServerTest, BadContentLengthGets400) {
  RawConnection connection(server.socket_path());
  connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\nabc");
  EXPECT_EQ(parse_raw_response(connection.read_response()).status, 400);
  expect_still_serving();
}

TEST_F(ServerTest, TruncatedBodyGets400) {
  RawConnection connection(server.socket_path());
  connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a bit");
  connection.shutdown_write();
  EXPECT_EQ(parse_raw_response(connection.read_response()).status, 400);
  expect_still_serving();
}

TEST_F(ServerTest, OversizedBodyGets413) {
  RawConnection connection(server.socket_path());
  connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                  std::string(5000, 'b'));
  auto response = parse_raw_response(connection.read_response());
  EXPECT_EQ(response.status, 413);
  EXPECT_NE(response.body.find("larger than the limit of 1024 bytes"), std::string::npos);
  expect_still_serving();
}

TEST_F(ServerTest, IdleConnectionsTimeOut) {
  RawConnection connection(server.socket_path());
  EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(ServerTest, SlowSenderTimesOut) {
  RawConnection connection(server.socket_path());
  connection.send("GET /_ping HTTP/1.1\r\n");  // and never the rest
  EXPECT_TRUE(connection.closed_by_peer(3s));
  expect_still_serving();
}

TEST(ServerShutdownTest, FinishesInFlightRequestsThenStops) {
  api::Router router = make_router();
  testing::TestServer server(router, small_limits());
  RawConnection busy(server.socket_path());
  RawConnection idle(server.socket_path());
  busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(100ms);  // the request is being handled
  auto stopped = std::async(std::launch::async, [&] { server.stop(); });
  auto response = parse_raw_response(busy.read_response());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "done");
  EXPECT_EQ(response.headers["connection"], "close");
  EXPECT_TRUE(idle.closed_by_peer(2s));
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(RawConnection(server.socket_path()).connected());  // no longer accepting
}

TEST(ServerShutdownTest, GraceLimitsAHangingRequest) {
  api::Router router;
  router.add("GET", "/hang", [](api::Request&) {
    std::this_thread::sleep_for(1500ms);
    return api::Response::text(200, "late");
  });
  auto options = small_limits();
  options.shutdown_grace = 200ms;
  testing::TestServer server(router, options);
  RawConnection connection(server.socket_path());
  connection.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(100ms);
  auto started = std::chrono::steady_clock::now();
  server.stop();
  // The handler thread is busy for 1.5 s; the other thread gives up after
  // the grace, and run() returns when the handler does.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

}  // namespace
}  // namespace gorae::http
