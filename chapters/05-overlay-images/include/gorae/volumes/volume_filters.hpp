#pragma once

#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"
#include "gorae/volumes/volume_store.hpp"

namespace gorae::volumes {

/// A volume as the API shows it: CreatedAt (RFC 3339, seconds), Driver,
/// Labels and Options (null when empty), Mountpoint, Name, Scope "local".
nlohmann::json volume_json(const Volume& volume);

/// Picks volumes; `in_use` says whether a container refers to it.
using VolumeFilter = std::function<bool(const Volume& volume, bool in_use)>;

/// GET /volumes' ?filters= (both JSON forms, {"name":{"x":true}} and
/// {"name":["x"]}): dangling (true/1, false/0), name (as Go's
/// filters.Match: equal or a regular expression found in the name), driver,
/// label (KEY or KEY=VALUE, all must hold). Values of one key are OR'ed, keys AND'ed.
/// @return Errc::invalid_argument "invalid filter 'foo'", "invalid filter 'dangling=[maybe]'".
Result<VolumeFilter> list_filter(const std::string& filters_json);

/// POST /volumes/prune's ?filters=: label, label! and all. Since API 1.42
/// dockerd prunes only anonymous volumes unless all=true; before it (gorae
/// speaks 1.41) every unused volume, as if all=true had been given.
Result<VolumeFilter> prune_filter(const std::string& filters_json, bool before_api_1_42);

}  // namespace gorae::volumes
