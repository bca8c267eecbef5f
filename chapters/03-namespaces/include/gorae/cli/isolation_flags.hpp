#pragma once

#include <memory>

#include "gorae/cli/container_commands.hpp"

namespace gorae::cli {

/// Chapter 03's flags on `run` and `create`, as the docker CLI spells them:
/// --cap-add, --cap-drop, --privileged, --security-opt (a seccomp profile
/// file is read here and sent as JSON, as docker does), --read-only,
/// --ulimit NAME=SOFT[:HARD], --pid, --ipc, --uts, --cgroupns, --domainname.
std::unique_ptr<CreateFlags> isolation_flags();

}  // namespace gorae::cli
