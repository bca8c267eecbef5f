#pragma once

// Linux capabilities by name, and the set a container gets. The daemon turns
// HostConfig.CapAdd/CapDrop/Privileged into the list of "CAP_*" names it writes
// into config.json (process.capabilities); the runtime turns that list into a
// 64-bit mask for capset(2) and prctl(PR_CAPBSET_DROP). Rules follow moby's
// oci/caps (NormalizeLegacyCapabilities, TweakCapabilities) and daemon's
// validateCapabilities, including their error texts.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::security {

/// The highest capability number these kernel headers know (CAP_LAST_CAP).
int last_capability() noexcept;

/// "chown", "CAP_CHOWN", "cap_chown" → 0. Case-insensitive, "CAP_" optional.
/// @return nullopt for a name outside 0..last_capability().
std::optional<int> capability_number(std::string_view name);

/// 0 → "CAP_CHOWN". @return an empty view for a number outside 0..last_capability().
std::string_view capability_name(int number) noexcept;

/// Every capability the headers know, "CAP_CHOWN" first, in number order.
std::vector<std::string> all_capabilities();

/// Docker's default set for a non-privileged container: 14 names, in Docker's
/// order (moby oci/caps/defaults.go).
const std::vector<std::string>& default_capabilities();

/// The capabilities in the calling process's bounding set, read with
/// prctl(PR_CAPBSET_READ), in number order. A container can be given nothing
/// outside it: on a host (or in an outer container) whose bounding set lacks,
/// say, CAP_SYS_RESOURCE, "--privileged" means this list and not every name.
std::vector<std::string> held_capabilities();

/// Docker's NormalizeLegacyCapabilities: upper-cases, adds "CAP_", keeps "ALL".
/// @param available the capabilities a container can have (held_capabilities()).
/// @return Errc::invalid_argument `unknown capability: "CAP_FOO"` for a name the
///         kernel headers do not know, or `capability not supported by your kernel
///         or not available in the current environment: "CAP_X"` for a known
///         name outside `available` (moby 24+).
Result<std::vector<std::string>> normalize_capabilities(
    const std::vector<std::string>& names, const std::vector<std::string>& available);

/// The container's capability set from HostConfig.CapAdd/CapDrop/Privileged,
/// as dockerd computes it:
///  - both lists are validated first, CapAdd then CapDrop, and a bad name is
///    `invalid CapAdd: unknown capability: "CAP_FOO"` (or "invalid CapDrop: ...");
///  - privileged → every available capability;
///  - "ALL" in add → every available capability except those in drop;
///  - else "ALL" in drop → exactly the ones in add;
///  - else the defaults, minus drop, plus add (so a name in both lists is kept:
///    add wins, as in Docker).
/// @return "CAP_*" names without duplicates, in capability-number order (Docker
///         keeps the defaults' order and appends; the set is the same).
Result<std::vector<std::string>> merge_capabilities(const std::vector<std::string>& add,
                                                    const std::vector<std::string>& drop,
                                                    bool privileged,
                                                    const std::vector<std::string>& available);

/// merge_capabilities() against this process's bounding set (held_capabilities()).
Result<std::vector<std::string>> merge_capabilities(const std::vector<std::string>& add,
                                                    const std::vector<std::string>& drop,
                                                    bool privileged);

/// The bit mask (1 << number) of a list of names, for capset(2) and the
/// bounding-set drop in the runtime. Names are accepted in any of the forms
/// capability_number() takes.
/// @return Errc::invalid_argument `unknown capability: "CAP_FOO"` for a name
///         these headers do not know.
Result<std::uint64_t> capability_mask(const std::vector<std::string>& names);

}  // namespace gorae::security
