// plan_save and write_archive: dockerd's name rules, and an archive that is at
// once a `docker save` archive and an OCI image layout.
#include <gtest/gtest.h>

#include "archive_fixtures.hpp"

namespace gorae::images::testing {
namespace {

class SaveTest : public ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    if (HasFatalFailure()) return;
    base_ = layer_tar("sh", "#!busybox");
    top_ = layer_tar("ls", "#!busybox ls");
    config_ = config_for({base_, top_});
    // Stored compressed, as an OCI layout brings it: save must inflate it.
    OciImage image{config_,
                   {TarBuilder().dir("bin").file("bin/sh", "#!busybox", 0755).gzip(), top_},
                   {"application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar"}};
    auto loaded = load(oci_layout(image, {"busybox:1.36", "busybox:latest"}).tar());
    ASSERT_TRUE(loaded) << loaded.error().what();
  }

  std::string save(const std::vector<std::string>& names) {
    auto plan = plan_save(*store_, names);
    EXPECT_TRUE(plan) << plan.error().what();
    if (!plan) return "";
    std::string out;
    auto written = write_archive(*store_, *plan, [&out](std::string_view bytes) -> Status {
      out.append(bytes);
      return {};
    });
    EXPECT_TRUE(written) << written.error().what();
    return out;
  }

  std::string base_, top_, config_;
};

TEST_F(SaveTest, WritesDocker25LayoutWithPlainLayers) {
  auto files = read_tar(save({"busybox:1.36"}));
  std::string id = hex_of(config_);
  ASSERT_TRUE(files.count("manifest.json"));
  json manifest = json::parse(files["manifest.json"]);
  EXPECT_EQ(manifest, json::parse(R"([{"Config":"blobs/sha256/)" + id + R"(","RepoTags":["busybox:1.36"],"Layers":["blobs/sha256/)" +
                                  hex_of(base_) + R"(","blobs/sha256/)" + hex_of(top_) + R"("]}])"));
  EXPECT_EQ(files["blobs/sha256/" + id], config_);
  EXPECT_EQ(files["blobs/sha256/" + hex_of(base_)], base_) << "the gzip layer is saved inflated";
  EXPECT_EQ(files["blobs/sha256/" + hex_of(top_)], top_);
  EXPECT_EQ(json::parse(files["repositories"]), json::parse(R"({"busybox":{"1.36":")" + hex_of(top_) + R"("}})"));
  EXPECT_EQ(json::parse(files["oci-layout"]), json::parse(R"({"imageLayoutVersion":"1.0.0"})"));

  json index = json::parse(files["index.json"]);
  ASSERT_EQ(index["manifests"].size(), 1u);
  const json& entry = index["manifests"][0];
  EXPECT_EQ(entry["annotations"]["io.containerd.image.name"], "docker.io/library/busybox:1.36");
  EXPECT_EQ(entry["annotations"]["org.opencontainers.image.ref.name"], "1.36");
  std::string oci = files["blobs/sha256/" + entry["digest"].get<std::string>().substr(7)];
  ASSERT_FALSE(oci.empty()) << "the index's manifest is in blobs/";
  EXPECT_EQ(Digest::of(oci).str(), entry["digest"]);
  auto parsed = parse_manifest(oci);
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->config.digest, Digest::of(config_));
  ASSERT_EQ(parsed->layers.size(), 2u);
  EXPECT_EQ(parsed->layers[0].digest, Digest::of(base_));
  EXPECT_EQ(parsed->layers[0].media_type, "application/vnd.oci.image.layer.v1.tar");
  EXPECT_EQ(parsed->layers[0].size, static_cast<std::int64_t>(base_.size()));
}

TEST_F(SaveTest, TheSameImagesGiveTheSameBytes) { EXPECT_EQ(save({"busybox:1.36"}), save({"busybox:1.36"})); }

TEST_F(SaveTest, SavedArchiveLoadsIntoAnotherStore) {
  std::string archive = save({"busybox"});
  gorae::testing::TempDir other_dir;
  auto other = Store::open(other_dir.path());
  ASSERT_TRUE(other);
  auto loaded = load_archive(**other, trickle(archive, 1000));
  ASSERT_TRUE(loaded) << loaded.error().what();
  EXPECT_EQ(loaded->images, std::vector<Digest>{Digest::of(config_)});
  EXPECT_EQ(loaded->tags, (std::vector<std::string>{"busybox:1.36", "busybox:latest"}));
}

TEST_F(SaveTest, NamesMeanWhatTheyMeanToDockerd) {
  auto by_repo = plan_save(*store_, {"busybox"});  // every tag of the repository
  ASSERT_TRUE(by_repo);
  ASSERT_EQ(by_repo->items.size(), 1u);
  EXPECT_EQ(by_repo->items[0].tags.size(), 2u);

  auto by_id = plan_save(*store_, {Digest::of(config_).hex().substr(0, 12), "busybox:latest"});
  ASSERT_TRUE(by_id) << by_id.error().what();
  ASSERT_EQ(by_id->items.size(), 1u) << "one image named twice is saved once";
  ASSERT_EQ(by_id->items[0].tags.size(), 1u);
  EXPECT_EQ(by_id->items[0].tags[0].familiar(), "busybox:latest");

  auto untagged = plan_save(*store_, {Digest::of(config_).str()});
  ASSERT_TRUE(untagged);
  EXPECT_TRUE(untagged->items[0].tags.empty());
  auto files = read_tar(save({Digest::of(config_).str()}));
  EXPECT_EQ(json::parse(files["manifest.json"])[0]["RepoTags"], nullptr);
  EXPECT_FALSE(files.count("repositories"));
  EXPECT_EQ(json::parse(files["index.json"])["manifests"].size(), 1u);

  auto missing = plan_save(*store_, {"busybox:latest", "nosuch"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), Errc::not_found);
  EXPECT_EQ(missing.error().what(), "No such image: nosuch");
  auto missing_tag = plan_save(*store_, {"busybox:9"});
  ASSERT_FALSE(missing_tag);
  EXPECT_EQ(missing_tag.error().kind(), Errc::not_found);
  EXPECT_FALSE(plan_save(*store_, {}));
}

TEST_F(SaveTest, ASinkThatFailsStopsTheArchive) {
  auto plan = plan_save(*store_, {"busybox:1.36"});
  ASSERT_TRUE(plan);
  int calls = 0;
  auto written = write_archive(*store_, *plan, [&calls](std::string_view) -> Status {
    ++calls;
    return fail(Errc::unavailable, "the client went away");
  });
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().what(), "the client went away");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace gorae::images::testing
