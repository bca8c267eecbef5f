#pragma once

#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/doctor/doctor.hpp"
#include "gorae/http/client.hpp"

namespace CLI {
class App;
}

namespace gorae::cli {

/// Ends a command with a message on stderr and an exit status.
class Failure : public std::runtime_error {
 public:
  Failure(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

/// What every command of one `gorae` invocation shares.
class Context {
 public:
  Context(std::ostream& out_stream, std::ostream& err_stream) : out(out_stream), err(err_stream) {}

  /// The daemon address: -H, else $GORAE_HOST, else $DOCKER_HOST, else
  /// unix:///run/gorae.sock.
  std::string host() const;
  /// Sends one request on a fresh connection. Throws Failure with Docker's
  /// wording when nothing listens, and "Error response from daemon: ..."
  /// for an error status.
  http::ClientResponse call(std::string_view method, std::string_view target,
                            std::string body = {}) const;
  /// A connection of its own, for a streamed body or an attach; throws
  /// Failure as call() does when nothing listens.
  http::Client connect() const;

  std::string host_flag;  ///< the -H/--host option
  /// What `gorae doctor` checks; each chapter's installer may add checks.
  doctor::Registry doctor_checks;
  std::ostream& out;
  std::ostream& err;
};

/// The text of an error answer: its JSON "message", else the body.
std::string daemon_message(const http::ClientResponse& response);

/// A chapter's commands: it adds subcommands to the app.
using CommandInstaller = std::function<void(CLI::App& app, Context& context)>;

/// Parses the command line, runs the chosen command and returns its exit
/// status.
int main(int argc, char** argv, const std::vector<CommandInstaller>& installers);

/// `gorae version` and `gorae info` (chapter 01).
void install_system_commands(CLI::App& app, Context& context);

/// `gorae doctor`: chapter 01's host checks plus whatever later installers
/// add to Context::doctor_checks; needs no daemon.
void install_doctor_command(CLI::App& app, Context& context);

/// Go's units.BytesSize: 25276510208 → "23.54GiB".
std::string bytes_size(double bytes);
/// Go's units.HumanSizeWithPrecision(size, 3), decimal: 4866048 → "4.87MB".
std::string human_size(double bytes);

}  // namespace gorae::cli
