#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "gorae/cli/container_commands.hpp"

namespace gorae::cli {

/// Docker's units.RAMInBytes: "32m", "1.5g", "512k", "100" (bytes); binary
/// multiples, case-insensitive, an optional "b". nullopt for anything else.
std::optional<std::int64_t> ram_in_bytes(std::string_view text);

/// Chapter 04's flags on `run` and `create`, as the docker CLI spells them:
/// -m/--memory, --memory-swap, --memory-reservation, --pids-limit, --cpus,
/// -c/--cpu-shares, --cpu-quota, --cpu-period, --cpuset-cpus, --cpuset-mems,
/// --cgroup-parent.
std::unique_ptr<CreateFlags> resource_flags();

}  // namespace gorae::cli
