#pragma once
// goraed-ch03 on a temporary socket (chapter 02's DaemonFixture), plus a
// `run` that answers what `docker run busybox ...` would print.

#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "api_fixture.hpp"

namespace gorae::testing {

#define REQUIRE_ROOT()                                                     \
  do {                                                                     \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: namespaces, mounts"; \
  } while (0)

struct RunResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
  std::string both; ///< stdout and stderr in the order they came
};

class IsolationFixture : public DaemonFixture {
 protected:
  void SetUp() override {
    REQUIRE_ROOT();
    DaemonFixture::SetUp();
  }

  /// Creates, starts and waits for a busybox container running `command`
  /// (with `host_config` as HostConfig), and returns its output.
  RunResult run(const std::vector<std::string>& command,
                const nlohmann::json& host_config = nlohmann::json::object(),
                nlohmann::json config = nlohmann::json::object()) {
    config["Image"] = "busybox";
    config["Cmd"] = command;
    config["HostConfig"] = host_config;
    RunResult result;
    std::string id = create(config);
    if (id.empty()) return result;
    result.exit_code = run_to_exit(id);
    auto logs = call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1").body;
    if (config.value("Tty", false)) result.out = result.both = logs;  // raw terminal output
    else demux(logs, result);
    return result;
  }

  /// The create and start answers of a container that should not start.
  std::pair<http::ClientResponse, http::ClientResponse> start_failure(const nlohmann::json& config) {
    auto created = call("POST", "/containers/create", config.dump());
    std::string id = json_of(created).value("Id", "");
    if (id.empty()) return {created, created};
    remember(id);
    return {created, call("POST", "/containers/" + id + "/start")};
  }

  void remember(const std::string& id) {
    // TearDown removes what create() made; this one was made by hand.
    create_cleanup_.push_back(id);
  }

  void TearDown() override {
    for (const auto& id : create_cleanup_) call("DELETE", "/containers/" + id + "?force=1");
    DaemonFixture::TearDown();
  }

 public:
  /// Splits an attach/logs stream without Tty into stdout and stderr.
  static void demux(const std::string& stream, RunResult& result) {
    std::size_t at = 0;
    while (at + 8 <= stream.size()) {
      auto kind = static_cast<unsigned char>(stream[at]);
      std::size_t size = (std::size_t{static_cast<unsigned char>(stream[at + 4])} << 24) |
                         (std::size_t{static_cast<unsigned char>(stream[at + 5])} << 16) |
                         (std::size_t{static_cast<unsigned char>(stream[at + 6])} << 8) |
                         std::size_t{static_cast<unsigned char>(stream[at + 7])};
      std::string chunk = stream.substr(at + 8, size);
      (kind == 2 ? result.err : result.out) += chunk;
      result.both += chunk;
      at += 8 + size;
    }
  }

 private:
  std::vector<std::string> create_cleanup_;
};

/// The lines of /proc/self/mountinfo that mention `text`: a container's
/// mounts must never show up in the host's mount table.
inline std::string host_mounts_mentioning(const std::string& text) {
  std::ifstream file("/proc/self/mountinfo");
  std::string line, out;
  while (std::getline(file, line))
    if (line.find(text) != std::string::npos) out += line + "\n";
  return out;
}

}  // namespace gorae::testing
