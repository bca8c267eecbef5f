#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace gorae::cli {

/// Percent-encodes a path segment or query value.
std::string escape(std::string_view text);

/// Width on a terminal as tabwriter counts it: code points, not bytes.
std::size_t display_width(std::string_view text);

/// docker's formatter.Ellipsis: at most `width` code points, the last one "…".
std::string ellipsis(const std::string& text, std::size_t width);

/// Go's units.HumanDuration, as docker prints ages: "Less than a second",
/// "About a minute", "3 days", ...
std::string human_duration(double seconds);

/// An ID as docker lists it: without "sha256:", 12 characters (unless not `truncate`).
std::string short_id(std::string id, bool truncate = true);

/// Go's text/tabwriter as the docker CLI sets it up (minwidth 10, padding 3):
/// every column but the last padded to its widest cell, counted in code points.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

}  // namespace gorae::cli
