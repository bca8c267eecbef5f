#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/images/digest.hpp"

namespace gorae::images {

/// The media types an image is made of: the OCI image spec's and Docker's
/// older schema 2 names for the same things.
namespace media_type {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media_type

/// True for the layer media types this store can unpack (tar, gzip, zstd;
/// OCI or Docker names).
bool is_layer_media_type(std::string_view type);

/// A pointer to a blob: what it is, its digest and its size.
struct Descriptor {
  std::string media_type;
  Digest digest;
  std::int64_t size = 0;
  std::map<std::string, std::string> annotations;

  bool operator==(const Descriptor&) const = default;
};

/// An image manifest (OCI image-spec manifest.md; Docker schema 2 has the
/// same shape): one config blob and the layer blobs, lowest layer first.
struct Manifest {
  int schema_version = 2;
  std::string media_type = std::string(media_type::kOciManifest);
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

/// Parses and checks a manifest: schemaVersion 2, a config descriptor, layer
/// descriptors with media types this store can unpack.
/// @return Errc::invalid_argument naming what is wrong; an index or manifest
///         list is refused ("... is a multi-platform index: pick one manifest").
Result<Manifest> parse_manifest(std::string_view json);

/// Canonical JSON (keys sorted, no spaces): the same manifest always has the
/// same bytes, so the same digest.
std::string serialize_manifest(const Manifest& manifest);

}  // namespace gorae::images
