// Responses that outlive their handler (/wait, /logs?follow=1) and
// connections taken over after the head (attach's 101 UPGRADED).
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

#include "gorae/http/client.hpp"
#include "gorae/http/host_uri.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::http {
namespace {

using testing::parse_raw_response;
using testing::RawConnection;
using namespace std::chrono_literals;

// A gate the test opens to let a streaming handler go on.
struct Gate {
  std::mutex mutex;
  std::condition_variable_any opened_cv;
  bool opened = false;
  void open() {
    std::lock_guard lock(mutex);
    opened = true;
    opened_cv.notify_all();
  }
  // False when stop was requested before the gate opened.
  bool wait(std::stop_token stop) {
    std::unique_lock lock(mutex);
    return opened_cv.wait(lock, stop, [this] { return opened; });
  }
};

class StreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add("POST", "/wait", [this](api::Request&) {
      auto response = api::Response::empty(200);
      response.set_header("Content-Type", "application/json");
      response.stream = [this](api::BodyWriter& body) {
        if (gate.wait(body.stop_token())) body.write("{\"StatusCode\":0}\n");
        else stopped_early = true;
      };
      return response;
    });
    router.add("POST", "/echo", [](api::Request& request) {
      auto response = api::Response::empty(request.header("upgrade") ? 101 : 200);
      response.set_header("Content-Type", "application/vnd.docker.raw-stream");
      response.hijack = [](base::UniqueFd connection, std::string early) {
        std::string text = early;
        char buffer[256];
        ssize_t n;
        while ((n = ::read(connection.get(), buffer, sizeof buffer)) > 0) text.append(buffer, n);
        for (auto& c : text) c = static_cast<char>(std::toupper(c));
        ::write(connection.get(), text.data(), text.size());
      };
      return response;
    });
    router.add("GET", "/follow", [this](api::Request&) {
      auto response = api::Response::empty(200);
      response.stream = [this](api::BodyWriter& body) {
        body.write("first\n");
        if (gate.wait(body.stop_token())) body.write("second\n");
      };
      return response;
    });
    router.add("GET", "/_ping", [](api::Request&) { return api::Response::text(200, "OK"); });
    server.emplace(router);
  }

  Gate gate;
  std::atomic<bool> stopped_early{false};
  api::Router router;
  std::optional<testing::TestServer> server;
};

TEST_F(StreamingTest, HeadersGoOutBeforeTheBodyExists) {
  RawConnection connection(server->socket_path());
  connection.send("POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  auto head = parse_raw_response(connection.read_head(2s));
  EXPECT_EQ(head.status, 200);  // while the handler is still waiting
  EXPECT_EQ(head.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(head.headers["content-type"], "application/json");
  gate.open();
  // Then the chunk and the last chunk (read up to its blank line), and the
  // connection serves the next request.
  auto body = connection.read_head(2s);
  EXPECT_EQ(body, "11\r\n{\"StatusCode\":0}\n\r\n0\r\n\r\n");
  connection.send("GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n");
  auto ping = parse_raw_response(connection.read_response());
  EXPECT_EQ(ping.body, "OK");
}

TEST_F(StreamingTest, BodyArrivesChunked) {
  RawConnection connection(server->socket_path());
  gate.open();
  connection.send("POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  auto response = connection.read_response();
  EXPECT_NE(response.find("\r\n11\r\n{\"StatusCode\":0}\n\r\n0\r\n\r\n"), std::string::npos)
      << response;
}

TEST_F(StreamingTest, AHangUpStopsTheStream) {
  {
    RawConnection connection(server->socket_path());
    connection.send("POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    parse_raw_response(connection.read_head(2s));
  }  // docker run -d drops its /wait connection like this
  for (int i = 0; i < 100 && !stopped_early; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(stopped_early);
}

TEST_F(StreamingTest, ServerStopEndsWaitingStreams) {
  RawConnection connection(server->socket_path());
  connection.send("POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  parse_raw_response(connection.read_head(2s));
  auto stopped = std::async(std::launch::async, [&] { server->stop(); });
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(stopped_early);
}

TEST_F(StreamingTest, UpgradeGets101AndTheRawConnection) {
  RawConnection connection(server->socket_path());
  connection.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
      "Content-Length: 0\r\n\r\nearly ");
  connection.send("late");
  connection.shutdown_write();
  auto head_text = connection.read_head(2s);
  EXPECT_EQ(head_text.rfind("HTTP/1.1 101", 0), 0u) << head_text;
  auto head = parse_raw_response(head_text);
  EXPECT_EQ(head.headers["content-type"], "application/vnd.docker.raw-stream");
  EXPECT_EQ(head.headers.count("content-length"), 0u);
  std::string rest;
  while (!connection.closed_by_peer(50ms)) {}
  rest = connection.read_all_buffered();
  EXPECT_EQ(rest, "EARLY LATE");
}

TEST_F(StreamingTest, WithoutUpgradeTheStreamFollowsA200) {
  RawConnection connection(server->socket_path());
  connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nabc");
  connection.shutdown_write();
  auto head = parse_raw_response(connection.read_head(2s));
  EXPECT_EQ(head.status, 200);
  while (!connection.closed_by_peer(50ms)) {}
  EXPECT_EQ(connection.read_all_buffered(), "ABC");
}

TEST_F(StreamingTest, ClientReadsTheHeadThenTheBody) {
  auto client = Client::connect(*parse_host_uri("unix://" + server->socket_path()));
  ASSERT_TRUE(client);
  auto head = client->request_head("POST", "/wait");
  ASSERT_TRUE(head) << head.error().what();
  EXPECT_EQ(head->status, 200);
  gate.open();
  std::string body;
  while (true) {
    auto piece = client->read_some();
    ASSERT_TRUE(piece) << piece.error().what();
    if (!*piece) break;
    body += **piece;
  }
  EXPECT_EQ(body, "{\"StatusCode\":0}\n");
  auto again = client->request("GET", "/_ping");  // the connection is still good
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "OK");
}

// `logs -f` and `stats` show each piece as it comes, not when 16 KiB have.
TEST_F(StreamingTest, ClientReadSomeReturnsWhatHasArrived) {
  auto client = Client::connect(*parse_host_uri("unix://" + server->socket_path()));
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->request_head("GET", "/follow"));
  auto first = std::async(std::launch::async, [&] { return client->read_some(); });
  bool arrived = first.wait_for(2s) == std::future_status::ready;
  gate.open();  // lets a stuck read finish either way
  ASSERT_TRUE(arrived) << "read_some waited for more than the first piece";
  auto piece = first.get();
  ASSERT_TRUE(piece && *piece);
  EXPECT_EQ(**piece, "first\n");
  std::string rest;
  while (auto more = client->read_some()) {
    if (!*more) break;
    rest += **more;
  }
  EXPECT_EQ(rest, "second\n");
}

TEST_F(StreamingTest, ClientUpgradeHandsOverTheConnection) {
  auto client = Client::connect(*parse_host_uri("unix://" + server->socket_path()));
  ASSERT_TRUE(client);
  auto upgraded = client->upgrade("POST", "/echo");
  ASSERT_TRUE(upgraded) << upgraded.error().what();
  EXPECT_EQ(upgraded->head.status, 101);
  ASSERT_TRUE(upgraded->connection.valid());
  ::write(upgraded->connection.get(), "raw", 3);
  ::shutdown(upgraded->connection.get(), SHUT_WR);
  std::string echoed = upgraded->early_output;
  char buffer[64];
  ssize_t n;
  while ((n = ::read(upgraded->connection.get(), buffer, sizeof buffer)) > 0) echoed.append(buffer, n);
  EXPECT_EQ(echoed, "RAW");
}

}  // namespace
}  // namespace gorae::http
