// `docker rmi` semantics: what is untagged, what is deleted, which conflicts
// stop it, and layers shared between images counted and removed with the last.
#include <filesystem>

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
using Kind = DeleteRecord::Kind;

const ImageUsers kNoUsers = [](const Digest&) { return std::vector<ImageUser>{}; };

ImageUsers used_by(std::string container, bool running) {
  return [=](const Digest&) { return std::vector<ImageUser>{{container, running}}; };
}

class ImageDeleteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(tmp_.path());
    ASSERT_TRUE(opened) << opened.error().what();
    store_ = std::move(*opened);
  }
  Image make(const std::string& cmd, std::vector<TarBuilder> layers = {TarBuilder().file("f", "x")}) {
    auto image = add_image(*store_, layers, cmd);
    EXPECT_TRUE(image) << image.error().what();
    return *image;
  }
  void tag(const Image& image, const std::string& name) {
    ASSERT_TRUE(store_->tag(image.id, *Reference::parse(name)));
  }

  TempDir tmp_;
  std::unique_ptr<Store> store_;
};

TEST_F(ImageDeleteTest, ByItsOnlyNameUntagsDeletesAndDropsLayersAndBlobs) {
  Image image = make("sh", {TarBuilder().file("base", "1"), TarBuilder().file("top", "2")});
  tag(image, "busybox:local");
  auto chain = chain_ids(image.config.diff_ids);
  auto records = store_->remove("busybox:local", kNoUsers);
  ASSERT_TRUE(records) << records.error().what();
  EXPECT_EQ(*records, (std::vector<DeleteRecord>{{Kind::untagged, "busybox:local"},
                                                 {Kind::deleted, image.id.str()},
                                                 {Kind::deleted, chain[0].str()},
                                                 {Kind::deleted, chain[1].str()}}));
  EXPECT_EQ(store_->get(image.id).error().kind(), Errc::not_found);
  EXPECT_FALSE(store_->layers().exists(image.config.diff_ids[0]));
  EXPECT_TRUE(fs::is_empty(tmp_.file("images/layers")));
  EXPECT_TRUE(fs::is_empty(tmp_.file("images/blobs/sha256")));
  EXPECT_TRUE(fs::is_empty(tmp_.file("images/imagedb")));
}

TEST_F(ImageDeleteTest, OneOfTwoNamesOnlyUntags) {
  Image image = make("sh");
  tag(image, "busybox:local");
  tag(image, "busybox:tagged");
  auto records = store_->remove("busybox:tagged", kNoUsers);
  ASSERT_TRUE(records) << records.error().what();
  EXPECT_EQ(*records, (std::vector<DeleteRecord>{{Kind::untagged, "busybox:tagged"}}));
  EXPECT_EQ(store_->get(image.id)->repo_tags, std::vector<std::string>{"busybox:local"});
}

TEST_F(ImageDeleteTest, TheLastTagTakesItsRepositorysDigestsAlong) {
  Image image = make("sh");
  tag(image, "localhost:5000/bb:1");
  auto digest_ref = *Reference::parse("localhost:5000/bb@" + image.manifest.digest.str());
  ASSERT_TRUE(store_->add_digest_reference(image.id, digest_ref));
  auto records = store_->remove("localhost:5000/bb:1", kNoUsers);
  ASSERT_TRUE(records) << records.error().what();
  ASSERT_GE(records->size(), 3u);
  EXPECT_EQ((*records)[0], (DeleteRecord{Kind::untagged, "localhost:5000/bb:1"}));
  EXPECT_EQ((*records)[1], (DeleteRecord{Kind::untagged, digest_ref.familiar()}));
  EXPECT_EQ((*records)[2], (DeleteRecord{Kind::deleted, image.id.str()}));
}

TEST_F(ImageDeleteTest, ByIdWithOneRepositoryUntagsEverythingAndDeletes) {
  Image image = make("sh");
  tag(image, "busybox:local");
  auto records = store_->remove(image.id.hex().substr(0, 12), kNoUsers);
  ASSERT_TRUE(records) << records.error().what();
  EXPECT_EQ((*records)[0], (DeleteRecord{Kind::untagged, "busybox:local"}));
  EXPECT_EQ((*records)[1], (DeleteRecord{Kind::deleted, image.id.str()}));
}

TEST_F(ImageDeleteTest, ByIdWithSeveralRepositoriesNeedsForce) {
  Image image = make("sh");
  tag(image, "busybox:local");
  tag(image, "other:local");
  auto refused = store_->remove(image.id.str(), kNoUsers);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), Errc::conflict);
  EXPECT_EQ(refused.error().what(), "conflict: unable to delete " + image.id.short_hex() +
                                        " (must be forced) - image is referenced in multiple repositories");
  auto forced = store_->remove(image.id.str(), kNoUsers, {.force = true});
  ASSERT_TRUE(forced) << forced.error().what();
  EXPECT_EQ(forced->size(), 4u);  // two untags, the image, its one layer
  EXPECT_TRUE(store_->list().empty());
}

TEST_F(ImageDeleteTest, AContainerKeepsItsImage) {
  Image image = make("sh");
  tag(image, "busybox:local");
  auto refused = store_->remove("busybox:local", used_by("07672532ea87aaaa", false));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), Errc::conflict);
  EXPECT_EQ(refused.error().what(),  // API-CHECKLIST §7, dockerd's words
            "conflict: unable to remove repository reference \"busybox:local\" (must force) - container "
            "07672532ea87 is using its referenced image " + image.id.short_hex());

  auto running = store_->remove(image.id.hex(), used_by("abcdef0123456789", true), {.force = true});
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().what(), "conflict: unable to delete " + image.id.short_hex() +
                                        " (cannot be forced) - image is being used by running container abcdef012345");
  auto stopped = store_->remove(image.id.hex(), used_by("abcdef0123456789", false));
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().what(), "conflict: unable to delete " + image.id.short_hex() +
                                        " (must be forced) - image is being used by stopped container abcdef012345");

  // Forced by name: untagged, but the image stays for its container (dangling).
  auto forced = store_->remove("busybox:local", used_by("abcdef0123456789", false), {.force = true});
  ASSERT_TRUE(forced) << forced.error().what();
  EXPECT_EQ(*forced, (std::vector<DeleteRecord>{{Kind::untagged, "busybox:local"}}));
  EXPECT_TRUE(store_->get(image.id));
  EXPECT_TRUE(store_->layers().exists(image.config.diff_ids[0]));
}

TEST_F(ImageDeleteTest, SharedLayersGoWithTheirLastImage) {
  TarBuilder base = TarBuilder().file("bin/sh", "shell");
  Image first = make("one", {base, TarBuilder().file("one", "1")});
  Image second = make("two", {base, TarBuilder().file("two", "2")});
  Digest shared = first.config.diff_ids[0];
  ASSERT_EQ(second.config.diff_ids[0], shared);
  EXPECT_EQ(store_->layer_users(shared), 2u);
  EXPECT_EQ(store_->layer_users(first.config.diff_ids[1]), 1u);

  auto records = store_->remove(first.id.str(), kNoUsers);
  ASSERT_TRUE(records) << records.error().what();
  // Only the layer nobody else uses is reported, by its ChainID.
  EXPECT_EQ(*records, (std::vector<DeleteRecord>{{Kind::deleted, first.id.str()},
                                                 {Kind::deleted, chain_ids(first.config.diff_ids)[1].str()}}));
  EXPECT_TRUE(store_->layers().exists(shared));
  EXPECT_EQ(store_->layer_users(shared), 1u);
  EXPECT_TRUE(store_->blobs().exists(store_->get(second.id)->manifest.digest));

  ASSERT_TRUE(store_->remove(second.id.str(), kNoUsers));
  EXPECT_FALSE(store_->layers().exists(shared));
  EXPECT_EQ(store_->layer_users(shared), 0u);
  EXPECT_TRUE(fs::is_empty(tmp_.file("images/blobs/sha256")));
}

TEST_F(ImageDeleteTest, UnknownNamesAndTheJsonAnswer) {
  EXPECT_EQ(store_->remove("nosuch", kNoUsers).error().what(), "No such image: nosuch:latest");
  nlohmann::json answer = std::vector<DeleteRecord>{{Kind::untagged, "busybox:tagged"}, {Kind::deleted, "sha256:1"}};
  EXPECT_EQ(answer.dump(), R"([{"Untagged":"busybox:tagged"},{"Deleted":"sha256:1"}])");
}

}  // namespace
}  // namespace gorae::images
