#pragma once
// Shared by image_routes*.cpp: Docker's JSON shapes for images and the
// ?filters= parameter.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/api/request.hpp"
#include "gorae/images/archive.hpp"
#include "gorae/images/image_store.hpp"

namespace gorae::engine::image_api {

/// ?filters= as a map: both of Docker's forms, {"k":["v"]} and {"k":{"v":true}}.
using Filters = std::map<std::string, std::vector<std::string>>;
/// Throws api::Error 400 "Invalid filter 'x'" for a key not in `allowed`.
Filters parse_filters(const api::Request& request, const std::set<std::string>& allowed);
/// "dangling" as a boolean (absent: `fallback`); 400 for anything but true/false/1/0.
bool dangling_filter(const Filters& filters, bool fallback);
/// Docker's label filter: every "key" or "key=value" holds for `labels`.
bool labels_match(const std::vector<std::string>& wanted, const std::map<std::string, std::string>& labels);

/// GET /images/json: summaries, newest first. Without `all`, an untagged
/// image that others were committed from is left out (Docker's
/// intermediate images).
nlohmann::json list_json(const images::Store& store, const Filters& filters, bool all);
/// GET /images/{name}/json.
nlohmann::json inspect_json(const images::Store& store, const images::Image& image);
/// GET /images/{name}/history: newest step first, each named by the image
/// (and its tags) the parent chain gives it, as dockerd does.
nlohmann::json history_json(const images::Store& store, const images::Image& image);

/// The lines of a /images/load answer, each ending in "\r\n" as dockerd's
/// stream formatter writes them.
std::string stream_line(const std::string& text);
std::string progress_line(const images::LoadEvent& event);
std::string error_line(const std::string& message);

}  // namespace gorae::engine::image_api
