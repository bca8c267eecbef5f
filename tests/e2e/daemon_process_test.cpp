// The goraed process as an operator sees it: it listens on every -H socket
// with mode 0660, keeps its pid in the pidfile and its ID in data-root, leaves
// nothing behind after SIGTERM (even with idle clients), never steals a live
// socket or deletes a file that is not a socket, accepts systemd socket
// activation, and answers API version prefixes as dockerd does.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gorae/testing/support.hpp"

namespace {

using namespace gorae::testing;
using nlohmann::json;
namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// goraed's command line, with every state path inside `dir`.
std::vector<std::string> goraed(const TempDir& dir, const std::vector<std::string>& hosts) {
  std::vector<std::string> argv{GORAED_PATH};
  for (const auto& host : hosts) argv.insert(argv.end(), {"-H", host});
  argv.insert(argv.end(), {"--data-root", dir.file("data"), "--exec-root", dir.file("exec"),
                           "--pidfile", dir.file("goraed.pid")});
  return argv;
}

bool exited_with(const std::optional<int>& status, bool success) {
  return status && WIFEXITED(*status) && (WEXITSTATUS(*status) == 0) == success;
}

// Starts goraed and expects it to exit non-zero within 5 s, saying `why`.
void expect_refusal(const TempDir& dir, const std::vector<std::string>& hosts,
                    const std::string& why, const std::vector<std::string>& env = {}) {
  Subprocess daemon(goraed(dir, hosts), env, dir.file("log"));
  EXPECT_TRUE(exited_with(daemon.wait(5s), false)) << "goraed did not fail within 5 s";
  std::string log = read_file(dir.file("log"));
  EXPECT_NE(log.find(why), std::string::npos) << log;
}

RawResponse get(const std::string& socket, const std::string& target) {
  RawConnection connection(socket);
  connection.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  return parse_raw_response(connection.read_response());
}

std::string json_field(const std::string& body, const char* key) {
  auto value = json::parse(body, nullptr, false);
  return value.is_object() ? value.value(key, "") : "";
}

// A unix socket bound at `path` by the test itself; listening or not.
int bound_socket(const std::string& path, bool listening) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      (listening && ::listen(fd, 16) != 0)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// goraed started the way systemd starts a socket-activated service: the
// listening socket is fd 3, LISTEN_FDS=1 and LISTEN_PID is the child's own
// pid (known only after fork). Killed and reaped on destruction.
class ActivatedDaemon {
 public:
  ActivatedDaemon(int listen_fd, const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ != 0) return;
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(out, 1);
    ::dup2(out, 2);
    if (out > 2) ::close(out);
    if (listen_fd != 3 && (::dup2(listen_fd, 3) != 3 || ::close(listen_fd) != 0)) _exit(126);
    ::fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep FD_CLOEXEC
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ~ActivatedDaemon() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ActivatedDaemon(const ActivatedDaemon&) = delete;
  ActivatedDaemon& operator=(const ActivatedDaemon&) = delete;

  std::optional<int> stop(std::chrono::milliseconds timeout = 10s) {
    if (pid_ <= 0) return std::nullopt;
    ::kill(pid_, SIGTERM);
    for (auto end = std::chrono::steady_clock::now() + timeout;
         std::chrono::steady_clock::now() < end; ::usleep(10000)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
};

TEST(DaemonProcessTest, ServesTwoSocketsAndCleansUpOnSigterm) {
  TempDir dir;
  std::string a = dir.file("a.sock"), b = dir.file("b.sock"), pidfile = dir.file("goraed.pid");
  Subprocess daemon(goraed(dir, {"unix://" + a, "unix://" + b}), {}, dir.file("log"));
  ASSERT_TRUE(wait_for_ping(a)) << read_file(dir.file("log"));
  ASSERT_TRUE(wait_for_ping(b)) << read_file(dir.file("log"));
  for (const auto& path : {a, b}) {
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0) << path;
    EXPECT_TRUE(S_ISSOCK(info.st_mode)) << path;
    EXPECT_EQ(info.st_mode & 07777, 0660u) << path;
  }
  EXPECT_EQ(std::atol(read_file(pidfile).c_str()), daemon.pid());

  auto status = daemon.signal_and_wait(SIGTERM);
  EXPECT_TRUE(exited_with(status, true)) << read_file(dir.file("log"));
  EXPECT_FALSE(fs::exists(a));
  EXPECT_FALSE(fs::exists(b));
  EXPECT_FALSE(fs::exists(pidfile));
}

TEST(DaemonProcessTest, KeepsItsEngineIdAcrossRestarts) {
  TempDir dir;
  std::string socket = dir.file("api.sock");
  std::string first;
  {
    Subprocess daemon(goraed(dir, {"unix://" + socket}), {}, dir.file("log"));
    ASSERT_TRUE(wait_for_ping(socket)) << read_file(dir.file("log"));
    std::string stored = read_file(dir.file("data/engine-id"));
    stored.erase(stored.find_last_not_of("\n") + 1);
    ASSERT_FALSE(stored.empty());
    first = json_field(get(socket, "/info").body, "ID");
    EXPECT_EQ(first, stored);
    EXPECT_TRUE(exited_with(daemon.signal_and_wait(SIGTERM), true));
  }
  Subprocess again(goraed(dir, {"unix://" + socket}), {}, dir.file("log"));
  ASSERT_TRUE(wait_for_ping(socket)) << read_file(dir.file("log"));
  EXPECT_EQ(json_field(get(socket, "/info").body, "ID"), first);
}

TEST(DaemonProcessTest, RefusesASocketALiveDaemonAnswersOn) {
  TempDir dir, other;
  std::string socket = dir.file("api.sock");
  Subprocess first(goraed(dir, {"unix://" + socket}), {}, dir.file("log"));
  ASSERT_TRUE(wait_for_ping(socket)) << read_file(dir.file("log"));

  // Its own state dirs and pidfile, so only the socket is in dispute.
  expect_refusal(other, {"unix://" + socket}, "unix://" + socket);
  EXPECT_TRUE(wait_for_ping(socket, 2s)) << "the first daemon lost its socket";
}

// What a crashed daemon leaves behind: a socket file nobody listens on and a
// pidfile naming a dead process. The next daemon takes both over.
TEST(DaemonProcessTest, TakesOverAStaleSocketAndPidfile) {
  TempDir dir;
  std::string socket = dir.file("api.sock"), pidfile = dir.file("goraed.pid");
  int fd = bound_socket(socket, false);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_FALSE(RawConnection(socket).connected());
  pid_t dead = ::fork();
  if (dead == 0) _exit(0);
  ::waitpid(dead, nullptr, 0);
  std::ofstream(pidfile) << dead << "\n";

  Subprocess daemon(goraed(dir, {"unix://" + socket}), {}, dir.file("log"));
  EXPECT_TRUE(wait_for_ping(socket)) << read_file(dir.file("log"));
  EXPECT_EQ(std::atol(read_file(pidfile).c_str()), daemon.pid());
}

TEST(DaemonProcessTest, RefusesAPidfileNamingALiveProcess) {
  TempDir dir;
  std::string pidfile = dir.file("goraed.pid"), mine = std::to_string(::getpid()) + "\n";
  std::ofstream(pidfile) << mine;  // this test process, alive for sure
  expect_refusal(dir, {"unix://" + dir.file("api.sock")}, pidfile);
  EXPECT_EQ(read_file(pidfile), mine);
  EXPECT_FALSE(fs::exists(dir.file("api.sock")));
}

TEST(DaemonProcessTest, DoesNotDeleteARegularFileAtTheSocketPath) {
  TempDir dir;
  std::string path = dir.file("api.sock");
  std::ofstream(path) << "precious\n";
  expect_refusal(dir, {"unix://" + path}, "not a socket");
  EXPECT_EQ(read_file(path), "precious\n");
}

TEST(DaemonProcessTest, ServesSocketsPassedBySystemd) {
  for (std::string host : {"fd://", "fd://3"}) {
    SCOPED_TRACE(host);
    TempDir dir;
    std::string socket = dir.file("activated.sock");
    int fd = bound_socket(socket, true);
    ASSERT_GE(fd, 0);
    ActivatedDaemon daemon(fd, goraed(dir, {host}), dir.file("log"));
    ::close(fd);  // the child holds it now
    ASSERT_TRUE(wait_for_ping(socket)) << read_file(dir.file("log"));
    EXPECT_TRUE(exited_with(daemon.stop(), true)) << read_file(dir.file("log"));
    // The socket belongs to systemd: the daemon must leave the file alone.
    EXPECT_TRUE(fs::exists(socket));
  }
}

TEST(DaemonProcessTest, FailsOnFdHostWithoutActivatedSockets) {
  const std::vector<std::vector<std::string>> environments = {
      {}, {"LISTEN_PID=1", "LISTEN_FDS=1"}};  // the second is meant for another process
  for (const auto& env : environments) {
    TempDir dir;
    expect_refusal(dir, {"fd://"}, "no sockets found via socket activation", env);
  }
}

TEST(DaemonProcessTest, ClosesIdleConnectionsAndExitsPromptlyOnSigterm) {
  TempDir dir;
  std::string socket = dir.file("api.sock");
  Subprocess daemon(goraed(dir, {"unix://" + socket}), {}, dir.file("log"));
  ASSERT_TRUE(wait_for_ping(socket)) << read_file(dir.file("log"));
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<RawConnection>(socket));
    ASSERT_TRUE(idle.back()->connected());
    if (i % 2) continue;  // half never send anything, half sit in keep-alive
    idle.back()->send("GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n");
    ASSERT_EQ(parse_raw_response(idle.back()->read_response()).status, 200);
  }
  auto start = std::chrono::steady_clock::now();
  auto status = daemon.signal_and_wait(SIGTERM, 5s);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(status) << "goraed still runs 5 s after SIGTERM with 20 idle connections";
  EXPECT_TRUE(exited_with(status, true)) << read_file(dir.file("log"));
  EXPECT_LT(took, 5s);
  for (auto& connection : idle) EXPECT_TRUE(connection->closed_by_peer(1s));
}

TEST(DaemonProcessTest, RefusesTcpHostsUntilChapter07) {
  TempDir dir;
  expect_refusal(dir, {"tcp://127.0.0.1:2376"}, "chapter 07");
}

TEST(DaemonProcessTest, AnswersVersionPrefixesLikeDockerd) {
  TempDir dir;
  std::string socket = dir.file("api.sock");
  Subprocess daemon(goraed(dir, {"unix://" + socket}), {}, dir.file("log"));
  ASSERT_TRUE(wait_for_ping(socket)) << read_file(dir.file("log"));
  for (std::string target : {"/v1.24/version", "/v1.41/version"}) {
    auto response = get(socket, target);
    EXPECT_EQ(response.status, 200) << target;
    EXPECT_EQ(json_field(response.body, "ApiVersion"), "1.41") << response.body;
  }

  auto too_new = get(socket, "/v1.42/version");
  EXPECT_EQ(too_new.status, 400);
  EXPECT_EQ(too_new.headers["content-type"], "application/json");
  EXPECT_EQ(json::parse(too_new.body, nullptr, false),
            json({{"message",
                   "client version 1.42 is too new. Maximum supported API version is 1.41"}}));

  // Clients older than 1.24 predate JSON errors: dockerd answers in plain text.
  auto too_old = get(socket, "/v1.23/version");
  EXPECT_EQ(too_old.status, 400);
  EXPECT_EQ(too_old.headers["content-type"].rfind("text/plain", 0), 0u);
  EXPECT_EQ(too_old.body,
            "client version 1.23 is too old. Minimum supported API version is 1.24, "
            "please upgrade your client to a newer version\n");
}

}  // namespace
