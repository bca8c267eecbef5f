#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gorae/base/error.hpp"
#include "gorae/images/digest.hpp"

namespace gorae::images {

/// An image reference, normalised as Docker does (distribution/reference's
/// ParseNormalizedNamed): `busybox` is docker.io/library/busybox,
/// `localhost:5000/x/y:tag` keeps its registry. Tag and digest are both optional.
struct Reference {
  std::string domain;            ///< "docker.io", "localhost:5000"
  std::string path;              ///< "library/busybox", "x/y"
  std::string tag;               ///< "" when none was given
  std::optional<Digest> digest;  ///< from "name@sha256:<hex>"

  /// Parses what a user types: `busybox`, `busybox:1.36`, `library/busybox`,
  /// `docker.io/library/busybox:latest`, `localhost:5000/x/y:tag`,
  /// `name@sha256:<64 hex>`, `name:tag@sha256:<64 hex>`.
  /// @return Errc::invalid_argument with Docker's message: "invalid reference
  ///   format", "invalid reference format: repository name (library/Busybox)
  ///   must be lowercase", "invalid repository name (<64 hex>), cannot specify
  ///   64-byte hexadecimal strings", "repository name must not be more than 255
  ///   characters", or a digest error ("invalid checksum digest length", ...).
  static Result<Reference> parse(std::string_view text);

  /// "docker.io/library/busybox"
  std::string name() const { return domain + "/" + path; }
  /// "busybox", "localhost:5000/x/y", "someone/app": how Docker shows it.
  std::string familiar_name() const;

  /// The full form: "docker.io/library/busybox:latest", "...@sha256:...".
  std::string str() const;
  /// The form Docker prints: "busybox:latest", "busybox@sha256:...".
  std::string familiar() const;

  bool name_only() const { return tag.empty() && !digest; }
  /// Docker's TagNameOnly: a bare name gets the tag "latest".
  Reference with_default_tag() const;
  /// The key the store files a reference under: with a digest, the tag is
  /// dropped (the digest wins, as in Docker's reference store); otherwise the
  /// tag, "latest" by default.
  Reference store_key() const;

  bool operator==(const Reference&) const = default;
};

/// Checks a tag on its own (`POST /images/{name}/tag?tag=`): [\w][\w.-]{0,127}.
/// @return Errc::invalid_argument "invalid tag format".
Status validate_tag(std::string_view tag);

/// Docker's ParseAnyReference split: a full image ID ("sha256:<64 hex>" or
/// just the 64 hex digits) is not a name.
std::optional<Digest> parse_image_id(std::string_view text);

}  // namespace gorae::images
