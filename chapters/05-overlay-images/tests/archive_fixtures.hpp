#pragma once
// Image archives for the archive tests, written here entry by entry: the
// layouts `docker save` (before and after Docker 25), skopeo and umoci
// produce, and broken or hostile variations of them.

#include <archive.h>
#include <archive_entry.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gorae/images/archive.hpp"
#include "gorae/images/image_store.hpp"
#include "gorae/testing/support.hpp"
#include "layer_tar_support.hpp"

namespace gorae::images::testing {

using nlohmann::json;

inline std::string hex_of(const std::string& bytes) { return Digest::of(bytes).hex(); }
inline std::string digest_of(const std::string& bytes) { return Digest::of(bytes).str(); }

/// A layer: its plain tar (whose digest is the diff_id) and a file it holds.
inline std::string layer_tar(const std::string& file, const std::string& content) {
  return TarBuilder().dir("bin").file("bin/" + file, content, 0755).tar();
}

/// An image config over plain layer tars, lowest first.
inline std::string config_for(const std::vector<std::string>& layers, const std::string& cmd = "sh") {
  json diff_ids = json::array();
  json history = json::array();
  for (const auto& layer : layers) {
    diff_ids.push_back(digest_of(layer));
    history.push_back({{"created", "2024-05-01T10:00:00Z"}, {"created_by", "ADD layer"}});
  }
  history.push_back({{"created", "2024-05-01T10:00:01Z"}, {"created_by", "CMD " + cmd}, {"empty_layer", true}});
  return json{{"architecture", "amd64"},
              {"os", "linux"},
              {"created", "2024-05-01T10:00:01Z"},
              {"config", {{"Cmd", {cmd}}, {"Env", {"PATH=/bin"}}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
              {"history", history}}
      .dump();
}

/// `docker save` up to Docker 24: <id>.json, <v1 id>/{VERSION,json,layer.tar},
/// then manifest.json and repositories last, as dockerd 20.10 writes them.
inline TarBuilder docker_save_legacy(const std::vector<std::string>& layers, const std::string& config,
                                     const json& repo_tags) {
  TarBuilder tar;
  tar.file(hex_of(config) + ".json", config);
  json layer_paths = json::array();
  for (const auto& layer : layers) {
    std::string v1 = hex_of("v1" + layer);
    tar.dir(v1).file(v1 + "/VERSION", "1.0").file(v1 + "/json", "{}").file(v1 + "/layer.tar", layer);
    layer_paths.push_back(v1 + "/layer.tar");
  }
  json manifest = json::array({{{"Config", hex_of(config) + ".json"}, {"RepoTags", repo_tags}, {"Layers", layer_paths}}});
  tar.file("manifest.json", manifest.dump());
  return tar;
}

/// An OCI image layout: blobs/sha256/..., index.json with one manifest per
/// ref name (an empty name: no annotation), oci-layout.
struct OciImage {
  std::string config;
  std::vector<std::string> layer_blobs;  ///< as stored: plain, gzip or zstd
  std::vector<std::string> media_types;
};
inline std::string oci_manifest(const OciImage& image) {
  json layers = json::array();
  for (std::size_t i = 0; i < image.layer_blobs.size(); ++i)
    layers.push_back({{"mediaType", image.media_types[i]},
                      {"digest", digest_of(image.layer_blobs[i])},
                      {"size", image.layer_blobs[i].size()}});
  return json{{"schemaVersion", 2},
              {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
              {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                          {"digest", digest_of(image.config)},
                          {"size", image.config.size()}}},
              {"layers", layers}}
      .dump();
}
inline TarBuilder oci_layout(const OciImage& image, const std::vector<std::string>& ref_names) {
  std::string manifest = oci_manifest(image);
  TarBuilder tar;
  tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})").dir("blobs").dir("blobs/sha256");
  for (const auto& blob : image.layer_blobs) tar.file("blobs/sha256/" + hex_of(blob), blob);
  tar.file("blobs/sha256/" + hex_of(image.config), image.config);
  tar.file("blobs/sha256/" + hex_of(manifest), manifest);
  json manifests = json::array();
  for (const auto& name : ref_names) {
    json entry = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                  {"digest", digest_of(manifest)},
                  {"size", manifest.size()}};
    if (!name.empty()) entry["annotations"] = {{"org.opencontainers.image.ref.name", name}};
    manifests.push_back(entry);
  }
  tar.file("index.json", json{{"schemaVersion", 2}, {"manifests", manifests}}.dump());
  return tar;
}

/// An archive handed over a few bytes at a time, as a chunked body arrives.
inline ArchiveSource trickle(const std::string& bytes, std::size_t piece = 7) {
  auto offset = std::make_shared<std::size_t>(0);
  return [&bytes, piece, offset](char* buffer, std::size_t size) -> Result<std::size_t> {
    std::size_t n = std::min({piece, size, bytes.size() - *offset});
    std::copy_n(bytes.data() + *offset, n, buffer);
    *offset += n;
    return n;
  };
}

/// The regular files of a tar, by name.
inline std::map<std::string, std::string> read_tar(const std::string& bytes) {
  std::map<std::string, std::string> files;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_open_memory(a, bytes.data(), bytes.size());
  struct archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string content(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
    archive_read_data(a, content.data(), content.size());
    files[archive_entry_pathname(entry)] = content;
  }
  archive_read_free(a);
  return files;
}

/// A store in a temporary directory, with what the load reported.
class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(dir_.path());
    ASSERT_TRUE(opened) << opened.error().what();
    store_ = std::move(*opened);
  }
  Result<LoadResult> load(const std::string& bytes) {
    messages_.clear();
    return load_archive(*store_, trickle(bytes, 4096), [this](const LoadEvent& event) {
      if (event.kind == LoadEvent::Kind::message) messages_ += event.text;
      else progress_.push_back(event);
    });
  }
  std::size_t blob_count() const { return store_->blobs().list()->size(); }
  std::size_t layer_count() const { return store_->layers().list()->size(); }

  gorae::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::string messages_;
  std::vector<LoadEvent> progress_;
};

}  // namespace gorae::images::testing
