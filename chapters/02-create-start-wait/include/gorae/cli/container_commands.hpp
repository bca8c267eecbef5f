#pragma once

#include "gorae/cli/cli.hpp"

namespace gorae::cli {

/// Chapter 02's commands, with the docker CLI's output and exit codes:
/// `run`, `create`, `start`, `attach` (the attach/wait/start dance and the
/// stream plumbing), `ps`, `images`, `inspect`, `logs`, and `stop`, `kill`,
/// `restart`, `rm`, `rename`, `wait`.
///
/// `run` exits with the container's status code, or 125 when the daemon
/// refuses the container (126/127 when the command cannot be executed).
void install_container_commands(CLI::App& app, Context& context);

}  // namespace gorae::cli
