// Layer extraction without privileges: files, directories, links, modes,
// times, compression, digests, and the layer store's all-or-nothing unpack.
#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "gorae/images/layer_store.hpp"
#include "gorae/testing/support.hpp"
#include "layer_tar_support.hpp"

namespace gorae::images {
namespace {

namespace fs = std::filesystem;
using gorae::images::testing::TarBuilder;
using gorae::testing::TempDir;

// The bytes as a readable descriptor (a pipe would block on big layers).
base::UniqueFd as_fd(const TempDir& tmp, const std::string& bytes) {
  std::string path = tmp.file("layer-" + std::to_string(bytes.size()) + "-" + Digest::of(bytes).short_hex());
  std::ofstream(path, std::ios::binary) << bytes;
  return base::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

TarBuilder sample_layer() {
  return std::move(TarBuilder()
                       .dir("./", 0755)
                       .dir("./bin/", 0755)
                       .file("./bin/tool", "#!/bin/sh\necho hi\n", 0755)
                       .file("bin/secret", "s", 0600)
                       .dir("etc", 0755)
                       .file("etc/motd", "hello\n")
                       .symlink("etc/motd.link", "motd")
                       .symlink("abs-link", "/etc/passwd")
                       .hardlink("bin/tool-again", "bin/tool")
                       .dir("ro", 0555)
                       .file("ro/inside", "ro")
                       .file("deep/er/file", "parents are made")
                       .mtime(1600000000));
}

TEST(LayerExtractTest, WritesFilesDirectoriesLinksAndModes) {
  TempDir tmp;
  std::string tar = sample_layer().tar();
  fs::create_directory(tmp.file("root"));
  auto result = extract_layer(as_fd(tmp, tar).get(), tmp.file("root"));
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_EQ(result->diff_id, Digest::of(tar));
  EXPECT_FALSE(result->compressed_digest);

  std::string root = tmp.file("root");
  EXPECT_EQ(slurp(root + "/bin/tool"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(lstat_of(root + "/bin/tool").st_mode & 07777, 0755u);
  EXPECT_EQ(lstat_of(root + "/bin/secret").st_mode & 07777, 0600u);
  EXPECT_EQ(lstat_of(root + "/ro").st_mode & 07777, 0555u);
  EXPECT_EQ(slurp(root + "/ro/inside"), "ro");  // filled before its mode was applied
  EXPECT_EQ(slurp(root + "/deep/er/file"), "parents are made");
  EXPECT_EQ(fs::read_symlink(root + "/etc/motd.link"), "motd");
  EXPECT_EQ(fs::read_symlink(root + "/abs-link"), "/etc/passwd");  // made, never followed
  auto tool = lstat_of(root + "/bin/tool"), again = lstat_of(root + "/bin/tool-again");
  EXPECT_EQ(tool.st_ino, again.st_ino);
  EXPECT_EQ(tool.st_nlink, 2u);
  EXPECT_EQ(lstat_of(root + "/etc/motd").st_mtime, 1600000000);
  EXPECT_EQ(lstat_of(root + "/etc").st_mtime, 1600000000);  // set after its children were made
  EXPECT_EQ(lstat_of(root + "/abs-link").st_mtime, 1600000000);
  // Docker's size: file bytes once per inode, plus symlink targets.
  EXPECT_EQ(result->size, 18 + 1 + 6 + 2 + 16 + 4 + 11);
}

TEST(LayerExtractTest, GzipZstdAndPlainGiveTheSameDiffId) {
  TempDir tmp;
  TarBuilder layer = sample_layer();
  std::string tar = layer.tar();
  for (const std::string& blob : {layer.gzip(), layer.zstd()}) {
    ASSERT_NE(blob.substr(0, 4), tar.substr(0, 4));
    std::string dir = tmp.file("root-" + Digest::of(blob).short_hex());
    fs::create_directory(dir);
    auto result = extract_layer(as_fd(tmp, blob).get(), dir, {.compressed_digest = true});
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_EQ(result->diff_id, Digest::of(tar));
    EXPECT_EQ(result->compressed_digest, Digest::of(blob));
    EXPECT_EQ(slurp(dir + "/etc/motd"), "hello\n");
  }
}

TEST(LayerExtractTest, LaterEntriesReplaceEarlierOnes) {
  TempDir tmp;
  std::string tar = TarBuilder()
                        .file("a", "first")
                        .file("a", "second")
                        .file("b", "file")
                        .dir("b")
                        .file("b/x", "now a directory")
                        .dir("c")
                        .file("c/old", "gone")
                        .file("c", "now a file")
                        .symlink("d", "/somewhere")
                        .file("d", "not through the link")
                        .tar();
  fs::create_directory(tmp.file("root"));
  auto result = extract_layer(as_fd(tmp, tar).get(), tmp.file("root"));
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_EQ(slurp(tmp.file("root/a")), "second");
  EXPECT_EQ(slurp(tmp.file("root/b/x")), "now a directory");
  EXPECT_EQ(slurp(tmp.file("root/c")), "now a file");
  EXPECT_TRUE(S_ISREG(lstat_of(tmp.file("root/d")).st_mode));
}

TEST(LayerExtractTest, KeepsUserXattrsButNeverOverlayOnes) {
  TempDir tmp;
  TarBuilder::Entry file = TarBuilder::make("f", AE_IFREG, "x");
  file.xattrs = {{"user.gorae.test", "kept"}, {"user.overlay.redirect", "/elsewhere"}};
  std::string tar = TarBuilder().add(file).tar();
  fs::create_directory(tmp.file("root"));
  ASSERT_TRUE(extract_layer(as_fd(tmp, tar).get(), tmp.file("root")));
  char value[32] = {};
  ssize_t n = ::lgetxattr(tmp.file("root/f").c_str(), "user.gorae.test", value, sizeof value);
  if (n < 0 && errno == ENOTSUP) GTEST_SKIP() << "no user xattrs on " << tmp.path();
  EXPECT_EQ(std::string(value, static_cast<size_t>(n)), "kept");
  EXPECT_LT(::lgetxattr(tmp.file("root/f").c_str(), "user.overlay.redirect", value, sizeof value), 0);
}

TEST(LayerExtractTest, KeepsUtf8Names) {
  TempDir tmp;
  const std::string name = "NetLock_Arany_=Class_Gold=_F\xc5\x91tan\xc3\xba" "s\xc3\xadtv\xc3\xa1ny.pem";
  // Written as Go's archive/tar writes it: a pax "path" record in UTF-8
  // (libarchive's writer does so only in a UTF-8 locale).
  locale_t utf8 = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  ASSERT_NE(utf8, locale_t{});
  locale_t previous = ::uselocale(utf8);
  std::string tar = TarBuilder().file(name, "cert").tar();
  ::uselocale(previous);
  ::freelocale(utf8);
  ASSERT_EQ(tar.find("hdrcharset"), std::string::npos);
  ASSERT_NE(tar.find("path=" + name), std::string::npos);
  fs::create_directory(tmp.file("root"));
  ASSERT_TRUE(extract_layer(as_fd(tmp, tar).get(), tmp.file("root")));
  EXPECT_EQ(slurp(tmp.file("root/" + name)), "cert");
}

TEST(LayerExtractTest, EmptyLayerAndNonTar) {
  TempDir tmp;
  fs::create_directory(tmp.file("root"));
  auto empty = extract_layer(as_fd(tmp, "").get(), tmp.file("root"));
  ASSERT_TRUE(empty) << empty.error().what();
  EXPECT_EQ(empty->diff_id, Digest::of(""));
  auto garbage = extract_layer(as_fd(tmp, std::string(4096, 'z')).get(), tmp.file("root"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind(), Errc::invalid_argument);
}

TEST(LayerExtractTest, ChainIdsFollowTheSpec) {
  Digest a = Digest::of("a"), b = Digest::of("b"), c = Digest::of("c");
  auto chain = chain_ids({a, b, c});
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0], a);
  EXPECT_EQ(chain[1], Digest::of(a.str() + " " + b.str()));
  EXPECT_EQ(chain[2], Digest::of(chain[1].str() + " " + c.str()));
}

TEST(LayerStoreTest, UnpacksOnceByDiffId) {
  TempDir tmp;
  auto store = LayerStore::create(tmp.file("layers"));
  ASSERT_TRUE(store);
  std::string tar = sample_layer().tar();
  Digest diff_id = Digest::of(tar);
  auto size = store->unpack(as_fd(tmp, sample_layer().gzip()).get(), diff_id);
  ASSERT_TRUE(size) << size.error().what();
  EXPECT_TRUE(store->exists(diff_id));
  EXPECT_EQ(store->diff_dir(diff_id), tmp.file("layers/" + diff_id.hex() + "/diff"));
  EXPECT_EQ(slurp(store->diff_dir(diff_id) + "/etc/motd"), "hello\n");
  EXPECT_EQ(*store->size(diff_id), *size);
  EXPECT_EQ(*store->list(), std::vector<Digest>{diff_id});

  // Already there: the descriptor is not even read.
  EXPECT_EQ(*store->unpack(as_fd(tmp, "not a tar at all").get(), diff_id), *size);
  ASSERT_TRUE(store->remove(diff_id));
  EXPECT_FALSE(store->exists(diff_id));
  EXPECT_TRUE(store->remove(diff_id));  // missing is fine
  EXPECT_EQ(store->size(diff_id).error().kind(), Errc::not_found);
}

TEST(LayerStoreTest, DigestMismatchKeepsNothing) {
  TempDir tmp;
  auto store = LayerStore::create(tmp.file("layers"));
  ASSERT_TRUE(store);
  Digest claimed = Digest::of("some other layer");
  auto size = store->unpack(as_fd(tmp, sample_layer().tar()).get(), claimed);
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().kind(), Errc::invalid_argument);
  EXPECT_NE(size.error().what().find("content has diff_id " + Digest::of(sample_layer().tar()).str()),
            std::string::npos)
      << size.error().what();
  EXPECT_TRUE(fs::is_empty(tmp.file("layers")));  // no layer, no temporary directory
}

TEST(LayerStoreTest, CreateRemovesLeftoverTemporaryDirectories) {
  TempDir tmp;
  fs::create_directories(tmp.file("layers/.tmp-0123/diff/x"));
  ASSERT_TRUE(LayerStore::create(tmp.file("layers")));
  EXPECT_TRUE(fs::is_empty(tmp.file("layers")));
}

}  // namespace
}  // namespace gorae::images
