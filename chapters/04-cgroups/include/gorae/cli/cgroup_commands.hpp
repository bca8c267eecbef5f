#pragma once

#include "gorae/cli/cli.hpp"

namespace gorae::cli {

/// Chapter 04's commands, with the docker CLI's output and exit codes:
///
/// - `stats [--no-stream] [-a] [--no-trunc] [CONTAINER...]`: docker's table
///   (CONTAINER ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O,
///   PIDS), computed from `GET /containers/ID/stats?stream=0` as the docker
///   CLI computes it. Without names: the running containers (all with -a).
///   Without --no-stream the screen is redrawn about once a second until
///   Ctrl-C. A container that cannot be read ends it with exit status 1.
/// - `update [-m] [--memory-swap] [--memory-reservation] [--cpus] [-c]
///   [--cpu-quota] [--cpu-period] [--cpuset-cpus] [--cpuset-mems]
///   [--pids-limit] CONTAINER...`: `POST /containers/NAME/update` for each,
///   printing each name that worked and then every error (exit status 1);
///   125 for a flag value docker would refuse, 1 when no flag is given.
void install_cgroup_commands(CLI::App& app, Context& context);

}  // namespace gorae::cli
