#pragma once

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "gorae/cli/container_commands.hpp"

namespace gorae::cli {

/// `gorae volume create|ls|inspect|rm|prune`, printed as the docker CLI
/// prints them (`DRIVER    VOLUME NAME`, -q, --filter, the prune prompt).
void install_volume_commands(CLI::App& app, Context& context);

/// -v/--volume, --mount and --tmpfs on `run` and `create`, sent as the
/// docker CLI sends them: `-v /path` into Config.Volumes, `-v SRC:DST[:MODE]`
/// into HostConfig.Binds (a host path starting with "." made absolute),
/// --mount into HostConfig.Mounts, --tmpfs into HostConfig.Tmpfs.
std::unique_ptr<CreateFlags> volume_flags();

/// One --mount value (docker's CSV: type=bind,src=/a,dst=/b,readonly, ...)
/// as a mount.Mount object. Throws Failure(125) with docker's message
/// ("target is required", "cannot mix 'volume-*' options with mount type 'bind'", ...).
nlohmann::json parse_mount_flag(const std::string& value);

}  // namespace gorae::cli
