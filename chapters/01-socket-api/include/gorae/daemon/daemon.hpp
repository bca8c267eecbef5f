#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/api/router.hpp"
#include "gorae/api/system.hpp"
#include "gorae/base/error.hpp"
#include "gorae/http/server.hpp"

namespace CLI {
class App;
}

namespace gorae::daemon {

struct Options {
  std::vector<std::string> hosts;  ///< -H; empty means unix:///run/gorae.sock
  std::string data_root = "/var/lib/gorae";
  std::string exec_root = "/run/gorae";
  std::string pidfile = "/run/goraed.pid";
  std::string log_level = "info";
  http::ServerOptions server;
};

/// What each chapter's installer may extend before the daemon starts serving.
struct Context {
  const Options& options;
  api::Router& router;
  api::SystemInfo& system;
};

/// A chapter's contribution to the daemon: its routes, its /info fields.
/// The list of installers a chapter's main() passes is the story of the book.
using Installer = std::function<Status(Context&)>;

/// A later chapter's daemon flags (`--cgroup-parent`, ...): added to the
/// command line before it is parsed; the values land where that chapter's
/// installer reads them when it runs.
using FlagInstaller = std::function<void(CLI::App& app)>;

/// Parses the daemon's command line (-H, --data-root, --exec-root,
/// --pidfile, --log-level, and `flags`), runs until SIGINT or SIGTERM and
/// returns the process exit status.
int main(int argc, char** argv, std::string_view program,
         const std::vector<Installer>& installers, const std::vector<FlagInstaller>& flags = {});

/// Prepares the roots and the pidfile, runs the installers, listens on every
/// host and serves until `stop` (called with a function that stops the
/// server) decides to. Socket files and the pidfile are removed on return.
Status run(const Options& options, const std::vector<Installer>& installers,
           const std::function<void(std::function<void()> stop)>& on_ready);

}  // namespace gorae::daemon
