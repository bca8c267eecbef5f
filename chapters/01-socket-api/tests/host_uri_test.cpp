#include <gtest/gtest.h>

#include "gorae/http/host_uri.hpp"
#include "gorae/http/socket_activation.hpp"

namespace gorae::http {
namespace {

TEST(HostUriTest, ParsesUnixSockets) {
  auto uri = parse_host_uri("unix:///tmp/x.sock");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->kind, HostUri::Kind::unix_socket);
  EXPECT_EQ(uri->path, "/tmp/x.sock");
  EXPECT_EQ(uri->text(), "unix:///tmp/x.sock");
  EXPECT_EQ(parse_host_uri("unix://")->path, "/run/gorae.sock");
}

TEST(HostUriTest, ParsesSocketActivation) {
  auto all = parse_host_uri("fd://");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->kind, HostUri::Kind::fd);
  EXPECT_EQ(all->fd, -1);
  auto one = parse_host_uri("fd://4");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->fd, 4);
  EXPECT_EQ(one->text(), "fd://4");
  EXPECT_FALSE(parse_host_uri("fd://four"));
  EXPECT_FALSE(parse_host_uri("fd://-1"));
}

TEST(HostUriTest, ParsesTcp) {
  auto uri = parse_host_uri("tcp://10.0.0.2:2376");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->host, "10.0.0.2");
  EXPECT_EQ(uri->port, 2376);
  EXPECT_FALSE(parse_host_uri("tcp://host"));
  EXPECT_FALSE(parse_host_uri("tcp://host:99999"));
}

TEST(HostUriTest, RejectsUnknownSchemesClearly) {
  auto uri = parse_host_uri("/run/gorae.sock");
  ASSERT_FALSE(uri);
  EXPECT_EQ(uri.error().kind(), Errc::invalid_argument);
  EXPECT_NE(uri.error().what().find("unix:///path"), std::string::npos);
  EXPECT_FALSE(parse_host_uri("http://localhost"));
}

TEST(HostUriTest, ClientHostPrecedence) {
  EXPECT_EQ(choose_client_host("unix:///flag", "unix:///g", "unix:///d"), "unix:///flag");
  EXPECT_EQ(choose_client_host("", "unix:///g", "unix:///d"), "unix:///g");
  EXPECT_EQ(choose_client_host("", "", "unix:///d"), "unix:///d");
  EXPECT_EQ(choose_client_host("", nullptr, nullptr), "unix:///run/gorae.sock");
}

TEST(SocketActivationTest, NoVariablesMeansNoSockets) {
  auto fds = activated_fds(nullptr, nullptr, 100);
  ASSERT_TRUE(fds);
  EXPECT_TRUE(fds->empty());
}

TEST(SocketActivationTest, TakesFdsStartingAtThree) {
  auto fds = activated_fds("100", "3", 100);
  ASSERT_TRUE(fds);
  EXPECT_EQ(*fds, (std::vector<int>{3, 4, 5}));
}

TEST(SocketActivationTest, IgnoresSocketsMeantForAnotherProcess) {
  auto fds = activated_fds("99", "2", 100);
  ASSERT_TRUE(fds);
  EXPECT_TRUE(fds->empty());
}

TEST(SocketActivationTest, RejectsMalformedVariables) {
  EXPECT_FALSE(activated_fds("abc", "1", 100));
  EXPECT_FALSE(activated_fds("100", "-1", 100));
  EXPECT_FALSE(activated_fds("100", "1x", 100));
}

TEST(SocketActivationTest, SelectsAllOrOne) {
  std::vector<int> fds{3, 4};
  EXPECT_EQ(*select_activated_fds(fds, -1), fds);
  EXPECT_EQ(*select_activated_fds(fds, 4), std::vector<int>{4});
  auto missing = select_activated_fds(fds, 7);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().what().find("fd 7"), std::string::npos);
  auto none = select_activated_fds({}, -1);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().what().find("no sockets found via socket activation"),
            std::string::npos);
}

}  // namespace
}  // namespace gorae::http
