// Socket files: the mode, stale files from a dead daemon, and a live
// daemon's socket that must not be stolen.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "gorae/http/listener.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::http {
namespace {

// A socket file with nobody listening, as a crashed daemon leaves it.
void leave_stale_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(fd);
}

TEST(ListenerTest, SocketFileHasMode0660) {
  testing::TempDir dir;
  auto listener = listen_unix(dir.file("api.sock"));
  ASSERT_TRUE(listener) << listener.error().what();
  struct stat info{};
  ASSERT_EQ(::stat(dir.file("api.sock").c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0660u);
  EXPECT_EQ(listener->socket_path, dir.file("api.sock"));
}

TEST(ListenerTest, CreatesTheParentDirectory) {
  testing::TempDir dir;
  auto listener = listen_unix(dir.file("run/gorae/api.sock"));
  ASSERT_TRUE(listener) << listener.error().what();
}

TEST(ListenerTest, ReplacesAStaleSocket) {
  testing::TempDir dir;
  leave_stale_socket(dir.file("api.sock"));
  auto listener = listen_unix(dir.file("api.sock"));
  ASSERT_TRUE(listener) << listener.error().what();
  testing::RawConnection connection(dir.file("api.sock"));
  EXPECT_TRUE(connection.connected());
}

TEST(ListenerTest, DoesNotStealALiveSocket) {
  testing::TempDir dir;
  auto first = listen_unix(dir.file("api.sock"));
  ASSERT_TRUE(first);
  auto second = listen_unix(dir.file("api.sock"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind(), Errc::conflict);
  EXPECT_NE(second.error().what().find("another daemon is already listening"),
            std::string::npos);
  EXPECT_TRUE(testing::RawConnection(dir.file("api.sock")).connected());
}

TEST(ListenerTest, LeavesOtherFilesAlone) {
  testing::TempDir dir;
  std::ofstream(dir.file("api.sock")) << "precious";
  auto listener = listen_unix(dir.file("api.sock"));
  ASSERT_FALSE(listener);
  EXPECT_NE(listener.error().what().find("not a socket"), std::string::npos);
  std::ifstream in(dir.file("api.sock"));
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST(ListenerTest, RejectsOverlongPaths) {
  auto listener = listen_unix("/tmp/" + std::string(200, 'x'));
  ASSERT_FALSE(listener);
  EXPECT_EQ(listener.error().kind(), Errc::invalid_argument);
}

TEST(ListenerTest, AdoptsOnlyListeningUnixSockets) {
  testing::TempDir dir;
  auto listener = listen_unix(dir.file("api.sock"));
  ASSERT_TRUE(listener);
  int fd = listener->fd.release();
  auto adopted = adopt_listening_fd(fd);
  ASSERT_TRUE(adopted) << adopted.error().what();
  EXPECT_EQ(adopted->description, "fd://" + std::to_string(fd));

  int unconnected = ::socket(AF_UNIX, SOCK_STREAM, 0);
  auto rejected = adopt_listening_fd(unconnected);
  EXPECT_FALSE(rejected);
  ::close(unconnected);
  int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_FALSE(adopt_listening_fd(tcp));
  ::close(tcp);
  int not_a_socket = ::open("/dev/null", O_RDONLY);
  EXPECT_FALSE(adopt_listening_fd(not_a_socket));
  ::close(not_a_socket);
}

}  // namespace
}  // namespace gorae::http
