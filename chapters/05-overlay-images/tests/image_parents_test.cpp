// Images made by commit remember their parent, with dockerd's consequences
// for rmi (daemon/images/image_delete.go) and listing.
#include <gtest/gtest.h>

#include "gorae/images/image_store.hpp"
#include "gorae/testing/support.hpp"
#include "image_store_support.hpp"

namespace gorae::images {
namespace {

using gorae::testing::TempDir;
using testing::TarBuilder;
using testing::add_image;
using Kind = DeleteRecord::Kind;

const ImageUsers kNoUsers = [](const Digest&) { return std::vector<ImageUser>{}; };

class ImageParentsTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    store_.reset();
    auto opened = Store::open(tmp_.path());
    ASSERT_TRUE(opened) << opened.error().what();
    store_ = std::move(*opened);
  }
  Image make(const std::string& cmd, const std::vector<TarBuilder>& layers) {
    auto image = add_image(*store_, layers, cmd);
    EXPECT_TRUE(image) << image.error().what();
    return *image;
  }
  // base (tagged base:1) and a child committed from it with one more layer.
  void family() {
    base_ = make("base", {base_layer_});
    child_ = make("child", {base_layer_, TarBuilder().file("added", "x")});
    ASSERT_TRUE(store_->tag(base_.id, *Reference::parse("base:1")));
    ASSERT_TRUE(store_->tag(child_.id, *Reference::parse("child:1")));
    ASSERT_TRUE(store_->set_parent(child_.id, base_.id));
  }

  TempDir tmp_;
  std::unique_ptr<Store> store_;
  TarBuilder base_layer_ = TarBuilder().file("bin/sh", "sh");
  Image base_, child_;
};

TEST_F(ImageParentsTest, TheParentIsKeptOnDisk) {
  family();
  reopen();
  auto child = store_->get(child_.id);
  ASSERT_TRUE(child);
  EXPECT_EQ(child->parent, base_.id);
  EXPECT_FALSE(store_->get(base_.id)->parent);
  EXPECT_EQ(store_->children(base_.id), std::vector<Digest>{child_.id});
  EXPECT_EQ(store_->set_parent(child_.id, Digest::of("nothing")).error().kind(), Errc::not_found);
}

TEST_F(ImageParentsTest, AParentCannotBeDeletedByIdEvenWithForce) {
  family();
  for (bool force : {false, true}) {
    auto refused = store_->remove(base_.id.str(), kNoUsers, {.force = force});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind(), Errc::conflict);
    EXPECT_EQ(refused.error().what(), "conflict: unable to delete " + base_.id.short_hex() +
                                          " (cannot be forced) - image has dependent child images");
  }
}

TEST_F(ImageParentsTest, ItsLastNameGoesButTheParentStays) {
  family();
  auto records = store_->remove("base:1", kNoUsers);
  ASSERT_TRUE(records) << records.error().what();
  EXPECT_EQ(*records, (std::vector<DeleteRecord>{{Kind::untagged, "base:1"}}));
  EXPECT_TRUE(store_->get(base_.id));
}

TEST_F(ImageParentsTest, DeletingTheChildTakesTheNamelessParentAlong) {
  family();
  ASSERT_TRUE(store_->remove("base:1", kNoUsers));
  auto records = store_->remove("child:1", kNoUsers);
  ASSERT_TRUE(records) << records.error().what();
  auto child_chain = chain_ids(child_.config.diff_ids);
  EXPECT_EQ(*records, (std::vector<DeleteRecord>{{Kind::untagged, "child:1"},
                                                 {Kind::deleted, child_.id.str()},
                                                 {Kind::deleted, child_chain[1].str()},
                                                 {Kind::deleted, base_.id.str()},
                                                 {Kind::deleted, child_chain[0].str()}}));
  EXPECT_TRUE(store_->list().empty());
}

TEST_F(ImageParentsTest, NoPruneNamedParentOrUsedParentStays) {
  family();
  ASSERT_TRUE(store_->remove("child:1", kNoUsers));  // base:1 still has its name
  EXPECT_TRUE(store_->get(base_.id));

  Image second = make("second", {base_layer_, TarBuilder().file("more", "y")});
  ASSERT_TRUE(store_->set_parent(second.id, base_.id));
  ASSERT_TRUE(store_->remove("base:1", kNoUsers));
  auto used = [&](const Digest& id) {
    return id == base_.id ? std::vector<ImageUser>{{"c0ffee", false}} : std::vector<ImageUser>{};
  };
  ASSERT_TRUE(store_->remove(second.id.str(), used));
  EXPECT_TRUE(store_->get(base_.id)) << "a container still uses the parent";

  Image third = make("third", {base_layer_, TarBuilder().file("more", "z")});
  ASSERT_TRUE(store_->set_parent(third.id, base_.id));
  ASSERT_TRUE(store_->remove(third.id.str(), kNoUsers, {.prune = false}));
  EXPECT_TRUE(store_->get(base_.id)) << "noprune keeps it";
}

}  // namespace
}  // namespace gorae::images
