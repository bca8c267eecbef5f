#pragma once
// Chapter 02's daemon fixture, plus what the volume tests make: containers
// and volumes with unique names, removed at the end (containers first, with
// their anonymous volumes), whether the test passed or not.

#include <random>
#include <string>
#include <vector>

#include "api_fixture.hpp"

namespace gorae::testing {

class VolumeFixture : public DaemonFixture {
 protected:
  void TearDown() override {
    for (const auto& id : containers_) call("DELETE", "/containers/" + id + "?force=1&v=1");
    for (const auto& name : volumes_) call("DELETE", "/volumes/" + name + "?force=1");
    DaemonFixture::TearDown();
  }

  /// A fresh volume name, removed in TearDown ("gorae-test-vol-<tag>-<hex>").
  std::string volume_name(const std::string& tag) {
    static std::mt19937_64 random{std::random_device{}()};
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random()));
    std::string name = "gorae-test-vol-" + tag + "-" + suffix;
    volumes_.push_back(name);
    return name;
  }
  /// Removed in TearDown too: a volume the daemon named (anonymous).
  void forget_volume_later(const std::string& name) { volumes_.push_back(name); }

  /// busybox running `sh -c script` with `host_config`; removed with -v in TearDown.
  std::string container(const std::string& script, const nlohmann::json& host_config = nlohmann::json::object(),
                        const nlohmann::json& extra = nlohmann::json::object()) {
    nlohmann::json body = {{"Image", "busybox"}, {"Cmd", {"sh", "-c", script}}, {"HostConfig", host_config}};
    body.update(extra);
    std::string id = create(body);
    containers_.push_back(id);
    return id;
  }
  /// Runs it to the end: exit code and output (stdout and stderr, unframed).
  std::pair<int, std::string> run(const std::string& id) {
    int code = run_to_exit(id);
    std::string framed = call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1").body;
    std::string text;
    for (std::size_t at = 0; at + 8 <= framed.size();) {
      std::size_t size = (std::size_t(static_cast<unsigned char>(framed[at + 4])) << 24) |
                         (std::size_t(static_cast<unsigned char>(framed[at + 5])) << 16) |
                         (std::size_t(static_cast<unsigned char>(framed[at + 6])) << 8) |
                         std::size_t(static_cast<unsigned char>(framed[at + 7]));
      text += framed.substr(at + 8, size);
      at += 8 + size;
    }
    return {code, text};
  }
  /// DELETE /containers/ID (with ?v=1 when `volumes`); it is no longer ours to clean.
  int remove_container(const std::string& id, bool volumes) {
    std::erase(containers_, id);
    return call("DELETE", "/containers/" + id + (volumes ? "?v=1" : "")).status;
  }
  nlohmann::json mounts_of(const std::string& id) { return json_of(call("GET", "/containers/" + id + "/json"))["Mounts"]; }

 private:
  std::vector<std::string> containers_;
  std::vector<std::string> volumes_;
};

}  // namespace gorae::testing
