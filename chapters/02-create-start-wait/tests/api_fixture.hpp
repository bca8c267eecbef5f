#pragma once
// A daemon to talk to: goraed-ch02 on a temporary socket, or, when
// GORAE_TEST_HOST=unix:///path is set, that daemon (Debian's dockerd with
// hello-world and busybox imported: tests/differential/run-against-dockerd).
// The same tests passing against dockerd prove they encode Docker's
// behaviour, not just ours.

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gorae/http/client.hpp"
#include "gorae/http/host_uri.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::testing {

class DaemonFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* host = std::getenv("GORAE_TEST_HOST"); host && *host) {
      host_ = host;
      return;
    }
    dir_.emplace();
    std::string socket = dir_->file("gorae.sock");
    host_ = "unix://" + socket;
    daemon_.emplace(std::vector<std::string>{GORAED_CH02_PATH, "-H", host_, "--data-root",
                                             dir_->file("data"), "--exec-root",
                                             dir_->file("exec"), "--pidfile",
                                             dir_->file("goraed.pid")},
                    std::vector<std::string>{}, dir_->file("daemon.log"));
    ASSERT_TRUE(wait_for_ping(socket)) << "goraed-ch02 did not answer";
  }
  void TearDown() override {
    for (const auto& id : created_) call("DELETE", "/containers/" + id + "?force=1");
    if (daemon_) {
      auto status = daemon_->signal_and_wait(SIGTERM, std::chrono::seconds(15));
      EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
          << "goraed-ch02 did not stop cleanly";
    }
  }

  bool against_gorae() const { return daemon_.has_value(); }

  http::Client connect() {
    auto client = http::Client::connect(*http::parse_host_uri(host_));
    if (!client) throw std::runtime_error(client.error().what());
    return std::move(*client);
  }
  http::ClientResponse call(const std::string& method, const std::string& target,
                            const std::string& body = {}) {
    auto response = connect().request(method, "/v1.41" + target, body);
    if (!response) throw std::runtime_error(response.error().what());
    return std::move(*response);
  }
  static nlohmann::json json_of(const http::ClientResponse& response) {
    return nlohmann::json::parse(response.body, nullptr, false);
  }
  /// Creates a container (removed in TearDown) and returns its ID.
  std::string create(const nlohmann::json& body, const std::string& query = "") {
    auto response = call("POST", "/containers/create" + query, body.dump());
    EXPECT_EQ(response.status, 201) << response.body;
    auto id = json_of(response).value("Id", "");
    if (!id.empty()) created_.push_back(id);
    return id;
  }
  /// Runs to completion and returns the exit code.
  int run_to_exit(const std::string& id) {
    EXPECT_EQ(call("POST", "/containers/" + id + "/start").status, 204);
    return json_of(call("POST", "/containers/" + id + "/wait")).value("StatusCode", -1);
  }

  std::string host_;

 private:
  std::optional<TempDir> dir_;
  std::optional<Subprocess> daemon_;
  std::vector<std::string> created_;
};

}  // namespace gorae::testing
