// The image store: add, lookup (reference, ID, prefix), tags, persistence,
// and layers shared and counted between images.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gorae/images/image_store.hpp"
#include "gorae/testing/support.hpp"
#include "image_store_support.hpp"

namespace gorae::images {
namespace {

namespace fs = std::filesystem;
using testing::TarBuilder;
using testing::add_image;
using gorae::testing::TempDir;

TEST(ImageStoreTest, AddThenFindByReferenceIdAndPrefix) {
  TempDir tmp;
  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store) << store.error().what();
  auto image = add_image(**store, {TarBuilder().file("bin/sh", "shell")}, "sh");
  ASSERT_TRUE(image) << image.error().what();
  auto config_blob = (*store)->blobs().read(image->id);
  ASSERT_TRUE(config_blob);
  EXPECT_EQ(Digest::of(*config_blob), image->id);  // the ID is the config's digest, as in Docker
  EXPECT_EQ(image->config.config.cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(image->size, 5);
  ASSERT_TRUE(image->created);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*image->created), 1704164645);
  EXPECT_TRUE(image->repo_tags.empty());

  ASSERT_TRUE((*store)->tag(image->id, *Reference::parse("busybox")));
  for (const std::string& name : std::vector<std::string>{"busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox:latest",
                           image->id.str(), image->id.hex(), image->id.hex().substr(0, 6),
                           "sha256:" + image->id.hex().substr(0, 12), image->id.hex().substr(0, 1)}) {
    auto found = (*store)->find(name);
    ASSERT_TRUE(found) << name << ": " << found.error().what();
    EXPECT_EQ(found->id, image->id) << name;
    EXPECT_EQ(found->repo_tags, std::vector<std::string>{"busybox:latest"});
  }
  auto missing = (*store)->find("nosuch");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), Errc::not_found);
  EXPECT_EQ(missing.error().what(), "No such image: nosuch:latest");
  EXPECT_EQ((*store)->find("busybox:1.0").error().what(), "No such image: busybox:1.0");
  EXPECT_EQ((*store)->find("sha256:" + std::string(64, 'f')).error().kind(), Errc::not_found);
  EXPECT_EQ((*store)->find("Busybox").error().kind(), Errc::invalid_argument);
}

TEST(ImageStoreTest, AmbiguousPrefixIsNoSuchImage) {
  TempDir tmp;
  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store);
  std::map<char, int> first_digits;
  char shared = 0;
  // 17 images: two of them must share a first hex digit.
  for (int i = 0; i < 17 && !shared; ++i) {
    auto image = add_image(**store, {}, "cmd" + std::to_string(i));
    ASSERT_TRUE(image) << image.error().what();
    if (++first_digits[image->id.hex()[0]] == 2) shared = image->id.hex()[0];
  }
  ASSERT_NE(shared, 0);
  auto found = (*store)->find(std::string(1, shared));
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind(), Errc::not_found);
}

TEST(ImageStoreTest, AddingTheSameImageTwiceChangesNothing) {
  TempDir tmp;
  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store);
  auto first = add_image(**store, {TarBuilder().file("a", "1")}, "sh");
  auto second = add_image(**store, {TarBuilder().file("a", "1")}, "sh");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ((*store)->list().size(), 1u);
  EXPECT_EQ((*store)->layer_users(first->config.diff_ids[0]), 1u);
}

TEST(ImageStoreTest, TagsMoveOnlyWithForce) {
  TempDir tmp;
  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store);
  auto one = add_image(**store, {}, "one");
  auto two = add_image(**store, {}, "two");
  ASSERT_TRUE(one && two);
  auto app = *Reference::parse("localhost:5000/app:v1");
  ASSERT_TRUE((*store)->tag(one->id, app));
  ASSERT_TRUE((*store)->tag(one->id, *Reference::parse("zeta")));
  EXPECT_EQ((*store)->get(one->id)->repo_tags,
            (std::vector<std::string>{"localhost:5000/app:v1", "zeta:latest"}));

  auto refused = (*store)->tag(two->id, app, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), Errc::conflict);
  EXPECT_EQ(refused.error().what(), "Conflict: Tag localhost:5000/app:v1 is already set to image " +
                                        one->id.str() + ", if you want to replace it, please use the force option");
  ASSERT_TRUE((*store)->tag(two->id, app));  // force, as `docker tag` does
  EXPECT_EQ((*store)->find("localhost:5000/app:v1")->id, two->id);

  EXPECT_EQ((*store)->tag(one->id, *Reference::parse("x@sha256:" + one->id.hex())).error().what(),
            "refusing to create a tag with a digest reference");
  EXPECT_EQ((*store)->tag(one->id, *Reference::parse("sha256:abc")).error().what(),
            "refusing to create an ambiguous tag using digest algorithm as name");
  EXPECT_EQ((*store)->tag(Digest::of("nothing"), app).error().kind(), Errc::not_found);

  auto untagged = (*store)->untag(*Reference::parse("zeta"));
  ASSERT_TRUE(untagged);
  EXPECT_EQ(*untagged, one->id);
  EXPECT_TRUE((*store)->get(one->id)->repo_tags.empty());  // the image stays
  EXPECT_EQ((*store)->untag(*Reference::parse("zeta")).error().what(), "No such image: zeta:latest");
}

TEST(ImageStoreTest, DigestReferences) {
  TempDir tmp;
  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store);
  auto image = add_image(**store, {}, "sh");
  ASSERT_TRUE(image);
  auto by_digest = *Reference::parse("localhost:5000/bb@" + image->manifest.digest.str());
  ASSERT_TRUE((*store)->add_digest_reference(image->id, by_digest));
  EXPECT_EQ((*store)->get(image->id)->repo_digests,
            std::vector<std::string>{"localhost:5000/bb@" + image->manifest.digest.str()});
  EXPECT_EQ((*store)->find(by_digest.str())->id, image->id);
  EXPECT_FALSE((*store)->add_digest_reference(image->id, *Reference::parse("localhost:5000/bb:1")));
}

TEST(ImageStoreTest, RecordsAndTagsSurviveAReopen) {
  TempDir tmp;
  Digest id;
  {
    auto store = Store::open(tmp.path());
    ASSERT_TRUE(store);
    auto image = add_image(**store, {TarBuilder().file("f", "data")}, "sh");
    ASSERT_TRUE(image);
    id = image->id;
    ASSERT_TRUE((*store)->tag(id, *Reference::parse("busybox:local")));
  }
  auto doc = nlohmann::json::parse(std::ifstream(tmp.file("images/repositories.json")));
  EXPECT_EQ(doc["Repositories"]["busybox"]["busybox:local"], id.str());  // dockerd's own layout

  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store) << store.error().what();
  EXPECT_TRUE((*store)->load_warnings().empty());
  auto found = (*store)->find("busybox:local");
  ASSERT_TRUE(found) << found.error().what();
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->size, 4);
  EXPECT_EQ((*store)->layer_users(found->config.diff_ids[0]), 1u);
}

TEST(ImageStoreTest, ARecordWhoseBlobsAreGoneIsSkippedWithAWarning) {
  TempDir tmp;
  Digest id;
  {
    auto store = Store::open(tmp.path());
    ASSERT_TRUE(store);
    auto image = add_image(**store, {}, "sh");
    ASSERT_TRUE(image);
    id = image->id;
    ASSERT_TRUE((*store)->blobs().remove(image->manifest.digest));
  }
  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->load_warnings().size(), 1u);
  EXPECT_EQ((*store)->get(id).error().kind(), Errc::not_found);
}

TEST(ImageStoreTest, AWrongDiffIdKeepsNoLayerAndNoImage) {
  TempDir tmp;
  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store);
  std::string tar = TarBuilder().file("a", "content").tar();
  auto blob = (*store)->blobs().put(tar);
  ASSERT_TRUE(blob);
  ImageConfig config;
  config.diff_ids = {Digest::of("what the config claims")};
  auto image = (*store)->add(serialize_config(config),
                             {{std::string(media_type::kOciLayer), *blob, static_cast<std::int64_t>(tar.size()), {}}});
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().kind(), Errc::invalid_argument);
  EXPECT_TRUE((*store)->list().empty());
  EXPECT_TRUE(fs::is_empty(tmp.file("images/layers")));
  EXPECT_TRUE(fs::is_empty(tmp.file("images/imagedb")));
}

TEST(ImageStoreTest, ManifestAndConfigMustAgree) {
  TempDir tmp;
  auto store = Store::open(tmp.path());
  ASSERT_TRUE(store);
  ImageConfig config;  // no diff_ids, one layer
  std::string tar = TarBuilder().file("a", "b").tar();
  auto blob = (*store)->blobs().put(tar);
  auto image = (*store)->add(serialize_config(config),
                             {{std::string(media_type::kOciLayer), *blob, static_cast<std::int64_t>(tar.size()), {}}});
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().what(), "image manifest lists 1 layers but its config has 0 diff_ids");
  EXPECT_EQ((*store)->add(Digest::of("no such manifest")).error().kind(), Errc::not_found);
}

}  // namespace
}  // namespace gorae::images
