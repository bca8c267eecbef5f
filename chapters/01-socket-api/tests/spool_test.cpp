// Routes that take their body spooled to disk (RequestBody::spooled): any
// size, chunked or not, and the file never outlives the request, whether it
// was answered, streamed from, or abandoned halfway by the client.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "gorae/base/temp_file.hpp"
#include "gorae/http/client.hpp"
#include "gorae/http/host_uri.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::http {
namespace {

using testing::parse_raw_response;
using testing::RawConnection;
using namespace std::chrono_literals;

constexpr std::uint64_t kLimit = 1024;  // the in-memory limit of these tests

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 4096) % 251);
  return bytes;
}

// What a handler saw: the size and an FNV-1a hash of everything it read.
std::string summary(std::uint64_t size, std::uint64_t hash) {
  return std::to_string(size) + " bytes, fnv " + std::to_string(hash);
}
std::string summary_of(const std::string& bytes) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return summary(bytes.size(), hash);
}
std::string summary_of(int fd) {
  std::uint64_t size = 0, hash = 14695981039346656037ull;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
    size += static_cast<std::uint64_t>(n);
    for (ssize_t i = 0; i < n; ++i) hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ull;
  }
  return summary(size, hash);
}

std::string chunked(const std::string& body, std::size_t piece) {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    std::string part = body.substr(at, piece);
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

// The descriptors of this process that point into `dir`: an unnamed file
// shows there as "DIR/#1234 (deleted)".
std::vector<std::string> open_files_in(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (!ec && target.rfind(dir + "/", 0) == 0) found.push_back(target);
  }
  return found;
}

class SpoolTest : public ::testing::Test {
 protected:
  SpoolTest() {
    router_.add("POST", "/echo", [](api::Request& request) { return api::Response::text(200, request.body); });
    router_.add(
        "POST", "/load",
        [this](api::Request& request) {
          ++calls_;
          if (!request.body_file || !request.body.empty()) return api::Response::text(500, "no body file");
          return api::Response::text(200, summary_of(request.body_file->get()));
        },
        api::RequestBody::spooled);
    // Reads the file after the handler returned, on the stream's thread.
    router_.add(
        "POST", "/load/stream",
        [](api::Request& request) {
          api::Response response = api::Response::empty(200);
          response.stream = [file = request.body_file](api::BodyWriter& out) {
            out.write(summary_of(file->get()));
          };
          return response;
        },
        api::RequestBody::spooled);
    ServerOptions options;
    options.body_limit = kLimit;
    options.read_timeout = 500ms;
    options.threads = 2;
    options.spool_dir = spool_.path();
    server_.emplace(router_, options);
  }

  std::string post(const std::string& path, const std::string& headers, const std::string& body) {
    RawConnection connection(server_->socket_path());
    connection.send("POST " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body);
    return parse_raw_response(connection.read_response(10s)).body;
  }

  // Nothing left: no descriptor into the spool directory, and no file in it.
  void expect_nothing_left(std::chrono::milliseconds within = 2s) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (!open_files_in(spool_.path()).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    EXPECT_EQ(open_files_in(spool_.path()), std::vector<std::string>{});
    EXPECT_TRUE(std::filesystem::is_empty(spool_.path()));
  }

  bool wait_for_open_file(std::chrono::milliseconds within = 5s) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (open_files_in(spool_.path()).empty()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  testing::TempDir spool_;
  api::Router router_;
  std::atomic<int> calls_{0};
  std::optional<testing::TestServer> server_;
};

TEST_F(SpoolTest, TakesABodyWithContentLengthBeyondTheLimit) {
  std::string body = pattern(3 << 20);
  EXPECT_EQ(post("/v1.41/load?quiet=1", "Content-Length: " + std::to_string(body.size()) + "\r\n", body),
            summary_of(body));
  expect_nothing_left();
}

TEST_F(SpoolTest, TakesAChunkedBodyBeyondTheLimit) {
  std::string body = pattern((2 << 20) + 12345);
  EXPECT_EQ(post("/load", "Transfer-Encoding: chunked\r\n", chunked(body, 32768 + 3)), summary_of(body));
  expect_nothing_left();
}

// The CLI's side: a body read from a pipe as it is sent, never whole in memory.
TEST_F(SpoolTest, TheClientStreamsABodyFromADescriptor) {
  std::string body = pattern((3 << 20) + 777);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  std::thread writer([&] {
    for (std::size_t at = 0; at < body.size();) {
      ssize_t n = ::write(pipe_fds[1], body.data() + at, std::min<std::size_t>(body.size() - at, 50000));
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::close(pipe_fds[1]);
  });
  auto client = Client::connect(*parse_host_uri("unix://" + server_->socket_path()));
  ASSERT_TRUE(client) << client.error().what();
  auto response = client->request_streamed("POST", "/load", pipe_fds[0], "application/x-tar");
  writer.join();
  ::close(pipe_fds[0]);
  ASSERT_TRUE(response) << response.error().what();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, summary_of(body));
  // The same connection goes on with an ordinary request.
  auto next = client->request("POST", "/echo", "after");
  ASSERT_TRUE(next) << next.error().what();
  EXPECT_EQ(next->body, "after");
  expect_nothing_left();
}

TEST_F(SpoolTest, AnEmptyBodyIsAnEmptyFile) {
  EXPECT_EQ(post("/load", "Content-Length: 0\r\n", ""), summary_of(""));
  expect_nothing_left();
}

TEST_F(SpoolTest, AStreamReadsTheFileAfterTheHandlerReturned) {
  std::string body = pattern(1 << 20);
  std::string answer = post("/load/stream", "Transfer-Encoding: chunked\r\n", chunked(body, 65536));
  EXPECT_NE(answer.find("\r\n" + summary_of(body) + "\r\n"), std::string::npos) << answer;
  expect_nothing_left();
}

TEST_F(SpoolTest, OtherRoutesKeepTheLimit) {
  std::string body = pattern(kLimit + 1);
  RawConnection by_length(server_->socket_path());
  by_length.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(parse_raw_response(by_length.read_response()).status, 413);
  RawConnection by_chunks(server_->socket_path());
  by_chunks.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, 100));
  EXPECT_EQ(parse_raw_response(by_chunks.read_response()).status, 413);
  EXPECT_EQ(post("/echo", "Transfer-Encoding: chunked\r\n", chunked(pattern(kLimit), 100)), pattern(kLimit));
  EXPECT_TRUE(std::filesystem::is_empty(spool_.path()));
}

TEST_F(SpoolTest, TheConnectionServesTheNextRequestAfterASpooledOne) {
  std::string body = pattern(100000);
  RawConnection connection(server_->socket_path());
  connection.send("POST /load HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                  body + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_EQ(parse_raw_response(connection.read_response()).body, summary_of(body));
  EXPECT_EQ(parse_raw_response(connection.read_response()).body, "hi");
}

TEST_F(SpoolTest, AnswersExpectContinueBeforeTheBody) {
  std::string body = pattern(50000);
  RawConnection connection(server_->socket_path());
  connection.send("POST /load HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(connection.read_head(), "HTTP/1.1 100 Continue\r\n\r\n");
  connection.send(body);
  EXPECT_EQ(parse_raw_response(connection.read_response()).body, summary_of(body));
}

TEST_F(SpoolTest, AClientGoingAwayMidBodyLeavesNothing) {
  {
    RawConnection connection(server_->socket_path());
    connection.send("POST /load HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    chunked(pattern(300000), 65536).substr(0, 200000));
    ASSERT_TRUE(wait_for_open_file()) << "the body was never spooled";
  }
  expect_nothing_left();
  EXPECT_EQ(calls_.load(), 0) << "a cut body must not reach the handler";
}

TEST_F(SpoolTest, AStalledBodyTimesOutAndLeavesNothing) {
  RawConnection connection(server_->socket_path());
  connection.send("POST /load HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + pattern(100000));
  ASSERT_TRUE(wait_for_open_file()) << "the body was never spooled";
  EXPECT_TRUE(connection.closed_by_peer(5s));
  expect_nothing_left();
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(SpoolTest, AMissingSpoolDirectoryIsA500) {
  ServerOptions options;
  options.spool_dir = spool_.file("missing");
  testing::TestServer other(router_, options);
  RawConnection connection(other.socket_path());
  connection.send("POST /load HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  auto response = parse_raw_response(connection.read_response());
  EXPECT_EQ(response.status, 500);
  EXPECT_NE(response.body.find("spool the request body: create a temporary file in " + spool_.file("missing")),
            std::string::npos)
      << response.body;
}

TEST(UnnamedFileTest, HasNoNameAndIsReadable) {
  testing::TempDir dir;
  auto file = base::open_unnamed_file(dir.path());
  ASSERT_TRUE(file) << file.error().what();
  ASSERT_EQ(::write(file->get(), "abc", 3), 3);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  char back[4] = {};
  EXPECT_EQ(::pread(file->get(), back, 3, 0), 3);
  EXPECT_STREQ(back, "abc");
  EXPECT_EQ(base::open_unnamed_file(dir.file("none")).error().kind(), Errc::not_found);
}

}  // namespace
}  // namespace gorae::http
