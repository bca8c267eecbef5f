#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gorae/base/error.hpp"
#include "gorae/images/digest.hpp"

namespace gorae::images {

/// How to run a container from the image: the config's "config" object
/// (OCI image-spec config.md "Execution parameters"; Docker's container.Config).
struct RunConfig {
  std::string user;
  std::vector<std::string> exposed_ports;  ///< "80/tcp", sorted
  std::vector<std::string> env;            ///< "PATH=/usr/bin", in order
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;
  std::vector<std::string> volumes;  ///< "/data", sorted
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;

  bool operator==(const RunConfig&) const = default;
};

/// One step of how the image was built ("history").
struct HistoryEntry {
  std::string created;  ///< RFC 3339, as written
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;  ///< true: the step changed no files, so has no layer

  bool operator==(const HistoryEntry&) const = default;
};

/// An image config (OCI image-spec config.md, Docker's image JSON). Its
/// digest is the image ID. The blob's own bytes are what counts; this struct
/// is a reading of them, and serialize_config() writes new ones.
struct ImageConfig {
  std::string architecture = "amd64";
  std::string os = "linux";
  std::string variant;
  std::string created;  ///< RFC 3339, as written; "" when absent
  std::string author;
  RunConfig config;
  std::vector<Digest> diff_ids;  ///< rootfs.diff_ids: sha256 of each uncompressed layer, lowest first
  std::vector<HistoryEntry> history;

  bool operator==(const ImageConfig&) const = default;
};

/// Parses an image config. Unknown fields are ignored; rootfs.type must be
/// "layers" and every diff_id a sha256 digest.
/// @return Errc::invalid_argument "invalid image config: <why>".
Result<ImageConfig> parse_config(std::string_view json);

/// Canonical JSON with Docker's field names ("Cmd", "Env", ...), keys sorted.
std::string serialize_config(const ImageConfig& config);

/// "2023-05-18T22:34:17.601497346Z" (or with an offset) → a time point.
/// @return nullopt when `rfc3339` is empty or not RFC 3339.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view rfc3339);

}  // namespace gorae::images
