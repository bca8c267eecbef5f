#include <stdexcept>

#include "gorae/http/listener.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::testing {

TestServer::TestServer(const api::Router& router, http::ServerOptions options)
    : socket_path_(dir_.file("api.sock")),
      server_(std::make_unique<http::Server>(router, options)) {
  auto listener = http::listen_unix(socket_path_);
  if (!listener) throw std::runtime_error(listener.error().what());
  auto added = server_->add_listener(std::move(*listener));
  if (!added) throw std::runtime_error(added.error().what());
  thread_ = std::thread([this] { server_->run(); });
}

TestServer::~TestServer() { stop(); }

void TestServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace gorae::testing
