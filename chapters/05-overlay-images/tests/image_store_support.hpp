#pragma once
// Images for store tests: layer tars from TarBuilder, a config naming their
// diff_ids, everything put into the store's blobs and added.

#include <string>
#include <vector>

#include "gorae/images/image_store.hpp"
#include "layer_tar_support.hpp"

namespace gorae::images::testing {

/// One image with `layers` (lowest first); `cmd` makes configs differ.
inline Result<Image> add_image(Store& store, const std::vector<TarBuilder>& layers, const std::string& cmd,
                               bool gzip = false) {
  ImageConfig config;
  config.created = "2024-01-02T03:04:05.123456789Z";
  config.config.cmd = std::vector<std::string>{cmd};
  config.config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::vector<Descriptor> descriptors;
  for (const auto& layer : layers) {
    std::string tar = layer.tar();
    std::string blob = gzip ? layer.gzip() : tar;
    GORAE_ASSIGN_OR_RETURN(auto digest, store.blobs().put(blob));
    config.diff_ids.push_back(Digest::of(tar));
    descriptors.push_back({std::string(gzip ? media_type::kOciLayerGzip : media_type::kOciLayer), digest,
                           static_cast<std::int64_t>(blob.size()), {}});
  }
  return store.add(serialize_config(config), descriptors);
}

}  // namespace gorae::images::testing
