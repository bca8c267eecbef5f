#pragma once
// Shared by the cli_*.cpp files: the pieces every container command needs.

#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/cli/container_commands.hpp"
#include "gorae/cli/table.hpp"

namespace gorae::cli::detail {

// The three groups of commands, one file each.
void install_run_commands(CLI::App& app, Context& context,
                          const std::vector<CreateFlagsFactory>& extra_flags);  // cli_run.cpp
void install_view_commands(CLI::App& app, Context& context);       // cli_ps.cpp
void install_lifecycle_commands(CLI::App& app, Context& context);  // cli_lifecycle.cpp


/// GET /containers/REF/json, parsed. Throws Failure on an error answer.
nlohmann::json inspect_container(Context& context, const std::string& ref);

/// Reads the rest of a body started by Client::request_head.
std::string read_body(http::Client& client);

/// Splits stdcopy frames (8-byte header: stream, 0, 0, 0, big-endian size)
/// to stdout and stderr, or copies raw bytes when the container has a Tty.
class Demuxer {
 public:
  Demuxer(bool raw, std::ostream& out, std::ostream& err) : raw_(raw), out_(out), err_(err) {}
  void feed(std::string_view bytes);

 private:
  bool raw_;
  std::ostream& out_;
  std::ostream& err_;
  std::string pending_;
};

/// What the attached half of run, start -a and attach does once the
/// container runs.
struct StreamSetup {
  std::string id;            ///< full container ID (resize, kill)
  bool tty = false;          ///< raw output, no signal proxy
  bool send_stdin = false;   ///< copy our stdin, half-close at its end
  bool monitor_size = false; ///< POST resize now and on SIGWINCH
};

/// Pumps the upgraded attach connection until the daemon closes it: output
/// to our stdout/stderr, our stdin to it (raw terminal when it is one),
/// signals forwarded as POST kill when there is no Tty. Restores the
/// terminal on every way out.
void stream_attached(Context& context, int connection, std::string early_output,
                     const StreamSetup& setup);

/// POST /containers/ID/resize with the size of our stdout's terminal;
/// false when stdout is no terminal or the daemon refused.
bool resize_to_terminal(Context& context, const std::string& id);

/// Our stdout's terminal size as [height, width]; {0, 0} if none.
std::vector<unsigned> console_size();

/// Reads a /wait answer: its StatusCode, or Failure(125) with its Error.
int wait_status(const std::string& body);

}  // namespace gorae::cli::detail
