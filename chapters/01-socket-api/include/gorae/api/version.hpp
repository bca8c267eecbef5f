#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gorae::api {

/// An Engine API version such as 1.41, compared numerically (1.9 < 1.10).
struct ApiVersion {
  int major = 1;
  int minor = 41;

  auto operator<=>(const ApiVersion&) const = default;
  std::string text() const;
  /// Parses "1.41"; nullopt for anything that is not two decimal numbers.
  static std::optional<ApiVersion> parse(std::string_view text);
};

/// The version gorae reports. 1.41 is the newest that Debian's docker 20.10
/// client speaks; docker 28 negotiates down to it through `HEAD /_ping`.
inline constexpr ApiVersion kCurrentApiVersion{1, 41};
/// Below 1.30 `docker run` switches to an events-based protocol (see the
/// API checklist), and 1.24 is the oldest the Docker docs still describe.
inline constexpr ApiVersion kMinimumApiVersion{1, 24};

/// A request path split into its optional "/v1.NN" prefix and the rest.
struct VersionedPath {
  std::optional<std::string> version;  ///< "1.41" from "/v1.41/...", as written
  std::string path;                    ///< the rest, always starting with '/'
};

/// Splits "/v1.41/containers/json" into {"1.41", "/containers/json"}. Like
/// dockerd's router, a first segment "v" + digits and dots is a version
/// ("/v1/..." and "/v1.41.0/..." included); anything else is part of the path.
VersionedPath split_version_prefix(std::string_view path);

/// Compares dotted versions part by part as numbers, a missing part being 0
/// (Go's versions.Compare): "1.9" < "1.10", "1.41.0" == "1.41".
/// @return negative, zero or positive.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace gorae::api
