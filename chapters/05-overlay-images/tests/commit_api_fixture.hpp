#pragma once
// The daemon fixture for the diff and commit API tests: a container that
// ran a script, its changes as "C /path" lines, commits whose images (and
// their containers) are removed afterwards, since dockerd keeps them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <thread>

#include "api_fixture.hpp"

namespace gorae::testing {

using nlohmann::json;

inline constexpr const char* kScript =
    "rm /bin/ls; echo x > /etc/added; echo me >> /etc/passwd; mkdir -p /a/b; rm -rf /usr; mkdir /usr; touch /usr/new";
inline const std::set<std::string> kScriptChanges = {"A /a",          "A /a/b",    "C /bin",    "D /bin/ls",
                                              "C /etc",        "A /etc/added", "C /etc/passwd", "C /usr",
                                              "A /usr/new",    "D /usr/bin", "D /usr/sbin"};

inline std::string escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

class CommitApiTest : public DaemonFixture {
 protected:
  void TearDown() override {
    // dockerd keeps what a test committed: the images go, and first the
    // containers that run them.
    if (!images_.empty()) {
      for (const auto& entry : json_of(call("GET", "/containers/json?all=1")))
        if (std::count(images_.begin(), images_.end(), entry.value("ImageID", "")))
          call("DELETE", "/containers/" + entry["Id"].get<std::string>() + "?force=1");
      for (auto it = images_.rbegin(); it != images_.rend(); ++it) call("DELETE", "/images/" + *it + "?force=1");
    }
    DaemonFixture::TearDown();
  }

  std::string ran(const std::string& script, const std::string& image = "busybox") {
    std::string id = create({{"Image", image}, {"Cmd", {"sh", "-c", script}}});
    EXPECT_EQ(run_to_exit(id), 0);
    return id;
  }
  std::vector<std::string> changes(const std::string& id) {
    auto response = call("GET", "/containers/" + id + "/changes");
    EXPECT_EQ(response.status, 200) << response.body;
    std::vector<std::string> lines;
    json list = json_of(response);
    for (const auto& entry : list.is_array() ? list : json::array())
      lines.push_back(std::string(entry["Kind"] == 0 ? "C" : entry["Kind"] == 1 ? "A" : "D") + " " +
                      entry["Path"].get<std::string>());
    return lines;
  }
  http::ClientResponse commit(const std::string& query, const std::string& body = "") {
    auto response = call("POST", "/commit?" + query, body);
    if (response.status == 201) images_.push_back(json_of(response).value("Id", ""));
    return response;
  }
  json image(const std::string& name) { return json_of(call("GET", "/images/" + name + "/json")); }
  std::string logs(const std::string& id) { return call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1").body; }

  std::vector<std::string> images_;
};

}  // namespace gorae::testing
