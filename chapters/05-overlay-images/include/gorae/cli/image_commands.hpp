#pragma once

#include "gorae/cli/cli.hpp"

namespace gorae::cli {

/// Chapter 05's image commands, with the docker CLI's output and exit codes:
/// `load [-i FILE] [-q]` (stdin by default), `save [-o FILE] IMAGE...`,
/// `tag SOURCE TARGET`, `rmi [-f] [--no-prune] IMAGE...`,
/// `history [--no-trunc] [-q] [-H] IMAGE`, and the same under `image`
/// (`image load`, `image save`, `image tag`, `image rm`, `image history`)
/// plus `image prune [-a] [-f] [--filter k=v]`.
void install_image_commands(CLI::App& app, Context& context);

/// Chapter 05's commands on a container's writable layer, as the docker CLI
/// has them: `commit [-a AUTHOR] [-m MESSAGE] [-c INSTRUCTION]... [-p=false]
/// CONTAINER [REPOSITORY[:TAG]]` (prints the new image's ID) and
/// `diff CONTAINER` ("C /etc", "A /etc/x", "D /tmp/y").
void install_commit_commands(CLI::App& app, Context& context);

}  // namespace gorae::cli
