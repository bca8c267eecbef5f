// The content-addressed blob store and sha256 digests.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "gorae/images/blob_store.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::images {
namespace {

namespace fs = std::filesystem;
using gorae::testing::TempDir;

// sha256("") and sha256("hello\n"), as `sha256sum` prints them.
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kHello = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(DigestTest, Sha256OfKnownInputs) {
  EXPECT_EQ(Digest::of("").hex(), kEmpty);
  EXPECT_EQ(Digest::of("hello\n").str(), "sha256:" + kHello);
  EXPECT_EQ(Digest::of("hello\n").short_hex(), kHello.substr(0, 12));
  Sha256 hasher;
  hasher.update("hel");
  hasher.update("lo\n");
  EXPECT_EQ(hasher.finish(), Digest::of("hello\n"));
  EXPECT_EQ(hasher.finish(), Digest::of(""));  // finish() starts over
}

TEST(DigestTest, ParseChecksLikeGoDigest) {
  EXPECT_EQ(Digest::parse("sha256:" + kHello)->hex(), kHello);
  EXPECT_EQ(Digest::parse(kHello).error().what(), "invalid checksum digest format");
  EXPECT_EQ(Digest::parse("sha256:abc").error().what(), "invalid checksum digest length");
  EXPECT_EQ(Digest::parse("md5:" + kHello).error().what(), "unsupported digest algorithm");
  EXPECT_EQ(Digest::parse("sha256:" + std::string(64, 'G')).error().what(), "invalid checksum digest format");
  EXPECT_TRUE(Digest().empty());
}

TEST(BlobStoreTest, PutGetSizeExistsRemove) {
  TempDir tmp;
  auto store = BlobStore::create(tmp.file("blobs"));
  ASSERT_TRUE(store) << store.error().what();
  auto digest = store->put("hello\n");
  ASSERT_TRUE(digest) << digest.error().what();
  EXPECT_EQ(digest->hex(), kHello);
  EXPECT_TRUE(fs::is_regular_file(tmp.file("blobs/sha256/" + kHello)));
  EXPECT_TRUE(store->exists(*digest));
  EXPECT_EQ(*store->size(*digest), 6);
  EXPECT_EQ(*store->read(*digest), "hello\n");
  auto fd = store->open_blob(*digest);
  ASSERT_TRUE(fd);
  char buffer[16] = {};
  EXPECT_EQ(::read(fd->get(), buffer, sizeof buffer), 6);
  struct stat st {};
  ASSERT_EQ(::stat(store->path(*digest).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);  // a blob never changes once named
  EXPECT_EQ(store->list()->size(), 1u);

  ASSERT_TRUE(store->remove(*digest));
  EXPECT_FALSE(store->exists(*digest));
  EXPECT_EQ(store->remove(*digest).error().kind(), Errc::not_found);
  EXPECT_EQ(store->read(*digest).error().kind(), Errc::not_found);
  EXPECT_EQ(store->size(*digest).error().kind(), Errc::not_found);
}

TEST(BlobStoreTest, ExpectedDigestMismatchStoresNothing) {
  TempDir tmp;
  auto store = BlobStore::create(tmp.file("blobs"));
  ASSERT_TRUE(store);
  auto expected = *Digest::parse("sha256:" + kEmpty);
  auto put = store->put("not empty", expected);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind(), Errc::invalid_argument);
  EXPECT_EQ(put.error().what(),
            "digest mismatch: expected sha256:" + kEmpty + ", got " + Digest::of("not empty").str());
  EXPECT_EQ(files_in(tmp.file("blobs/sha256")), 0u);
  EXPECT_EQ(files_in(tmp.file("blobs/tmp")), 0u);
  EXPECT_TRUE(store->put("", expected));  // the right content under the same digest is fine
}

TEST(BlobStoreTest, WriterStreamsAndLeavesNothingWhenDropped) {
  TempDir tmp;
  auto store = BlobStore::create(tmp.file("blobs"));
  ASSERT_TRUE(store);
  {
    auto writer = store->writer();
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->write("half a blob"));
    EXPECT_EQ(files_in(tmp.file("blobs/tmp")), 1u);
  }  // never committed
  EXPECT_EQ(files_in(tmp.file("blobs/tmp")), 0u);
  EXPECT_EQ(files_in(tmp.file("blobs/sha256")), 0u);

  auto writer = store->writer();
  ASSERT_TRUE(writer);
  std::string big(1 << 20, 'x');
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->write(big));
  EXPECT_EQ(writer->written(), 4 << 20);
  auto digest = writer->commit();
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, Digest::of(big + big + big + big));
  EXPECT_FALSE(writer->write("more"));  // finished
}

TEST(BlobStoreTest, PutFromDescriptorReadsToTheEnd) {
  TempDir tmp;
  auto store = BlobStore::create(tmp.file("blobs"));
  ASSERT_TRUE(store);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_EQ(::write(pipe_fds[1], "hello\n", 6), 6);
  ::close(pipe_fds[1]);
  auto digest = store->put_from(pipe_fds[0], *Digest::parse("sha256:" + kHello));
  ::close(pipe_fds[0]);
  ASSERT_TRUE(digest) << digest.error().what();
  EXPECT_EQ(*store->read(*digest), "hello\n");
}

TEST(BlobStoreTest, CreateRemovesLeftoverTemporaryFiles) {
  TempDir tmp;
  ASSERT_TRUE(BlobStore::create(tmp.file("blobs")));
  { std::FILE* f = std::fopen(tmp.file("blobs/tmp/partial").c_str(), "w"); std::fclose(f); }
  ASSERT_TRUE(BlobStore::create(tmp.file("blobs")));
  EXPECT_EQ(files_in(tmp.file("blobs/tmp")), 0u);
}

}  // namespace
}  // namespace gorae::images
