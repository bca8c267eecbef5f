// Hostile layers: every way out of the layer directory is refused with the
// entry's name, nothing is written outside, and the store stays usable.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include <gtest/gtest.h>

#include "gorae/images/layer_store.hpp"
#include "gorae/testing/support.hpp"
#include "layer_tar_support.hpp"

namespace gorae::images {
namespace {

namespace fs = std::filesystem;
using gorae::images::testing::TarBuilder;
using gorae::testing::TempDir;

base::UniqueFd as_fd(const TempDir& tmp, const std::string& bytes) {
  std::string path = tmp.file("blob-" + Digest::of(bytes).short_hex());
  std::ofstream(path, std::ios::binary) << bytes;
  return base::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

struct Hostile {
  std::string name;
  std::function<TarBuilder(const std::string& outside)> layer;
  std::string refused_entry;  // the entry the error must name
};

void PrintTo(const Hostile& hostile, std::ostream* out) { *out << hostile.name; }

class LayerHostileTest : public ::testing::TestWithParam<Hostile> {};

// Each layer aims at TMP/outside/, a directory next to the layer store.
TEST_P(LayerHostileTest, IsRefusedAndWritesNothingOutside) {
  TempDir tmp;
  std::string outside = tmp.file("outside");
  fs::create_directory(outside);
  std::ofstream(outside + "/victim") << "original";
  auto store = LayerStore::create(tmp.file("layers"));
  ASSERT_TRUE(store);

  std::string tar = GetParam().layer(outside).tar();
  auto unpacked = store->unpack(as_fd(tmp, tar).get(), Digest::of(tar));
  ASSERT_FALSE(unpacked) << GetParam().name << " was accepted";
  EXPECT_EQ(unpacked.error().kind(), Errc::invalid_argument);
  const std::string& entry = GetParam().refused_entry;  // "" when it holds the temporary path
  EXPECT_NE(unpacked.error().what().find("refusing layer entry \"" + (entry.empty() ? "" : entry + "\"")),
            std::string::npos)
      << unpacked.error().what();

  std::ifstream victim(outside + "/victim");
  std::string content((std::istreambuf_iterator<char>(victim)), {});
  EXPECT_EQ(content, "original");
  EXPECT_EQ(std::distance(fs::directory_iterator(outside), {}), 1) << "something was written outside";
  EXPECT_FALSE(fs::exists(tmp.file("x")));
  EXPECT_TRUE(fs::is_empty(tmp.file("layers"))) << "a partial layer was left";

  // The store is still usable.
  std::string good = TarBuilder().file("ok", "fine").tar();
  auto after = store->unpack(as_fd(tmp, good).get(), Digest::of(good));
  ASSERT_TRUE(after) << after.error().what();
  EXPECT_TRUE(fs::exists(store->diff_dir(Digest::of(good)) + "/ok"));
}

INSTANTIATE_TEST_SUITE_P(
    Escapes, LayerHostileTest,
    ::testing::Values(
        Hostile{"DotDot", [](const std::string&) { return TarBuilder().file("../x", "escaped"); }, "../x"},
        Hostile{"DotDotDeep",
                [](const std::string&) { return TarBuilder().dir("a").file("a/../../../x", "escaped"); },
                "a/../../../x"},
        Hostile{"Absolute",
                [](const std::string& outside) { return TarBuilder().file(outside + "/victim", "overwritten"); },
                ""},
        Hostile{"SymlinkToRootThenThrough",
                [](const std::string& outside) {
                  return TarBuilder().symlink("link", "/").file("link" + outside + "/victim", "overwritten");
                },
                ""},
        Hostile{"SymlinkToOutsideThenThrough",
                [](const std::string& outside) {
                  return TarBuilder().symlink("link", outside).file("link/new", "planted");
                },
                "link/new"},
        Hostile{"DotDotSymlinkChain",
                [](const std::string&) {
                  // layers/.tmp-X/diff/up -> ../../.. is TMP itself.
                  return TarBuilder().symlink("up", "../../..").dir("up/outside/sub");
                },
                "up/outside/sub/"},  // libarchive keeps a directory's trailing slash
        Hostile{"SymlinkedParentDirectory",
                [](const std::string& outside) {
                  return TarBuilder().dir("etc").symlink("etc/conf", outside).file("etc/conf/victim", "x");
                },
                "etc/conf/victim"},
        // The directory of "etc/a" is kept open for the next entry in it;
        // "etc" turning into a symlink in between must not reach that entry.
        Hostile{"DirectoryReplacedBySymlinkBetweenItsFiles",
                [](const std::string& outside) {
                  return TarBuilder().dir("etc").file("etc/a", "1").symlink("etc", outside).file("etc/b", "2");
                },
                "etc/b"},
        Hostile{"HardlinkToEtcPasswd",
                [](const std::string&) { return TarBuilder().hardlink("passwd", "/etc/passwd"); }, "passwd"},
        Hostile{"HardlinkOutsideByDotDot",
                [](const std::string&) { return TarBuilder().hardlink("victim", "../../../outside/victim"); },
                "victim"},
        Hostile{"HardlinkThroughSymlink",
                [](const std::string& outside) {
                  return TarBuilder().symlink("link", outside).hardlink("victim", "link/victim");
                },
                "victim"},
        Hostile{"WhiteoutThroughSymlink",
                [](const std::string& outside) {
                  return TarBuilder().symlink("link", outside).file("link/.wh.victim", "");
                },
                "link/.wh.victim"},
        Hostile{"OpaqueThroughSymlink",
                [](const std::string& outside) {
                  return TarBuilder().symlink("link", outside).file("link/.wh..wh..opq", "");
                },
                "link/.wh..wh..opq"}),
    [](const ::testing::TestParamInfo<Hostile>& param_info) { return param_info.param.name; });

// The absolute cases name an entry that depends on the temporary path.
TEST(LayerHostileNamesTest, AbsoluteEntryIsNamed) {
  TempDir tmp;
  fs::create_directory(tmp.file("root"));
  std::string tar = TarBuilder().file("/etc/passwd", "root::0:0::/:/bin/sh\n").tar();
  auto result = extract_layer(as_fd(tmp, tar).get(), tmp.file("root"));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().what().find("refusing layer entry \"/etc/passwd\": absolute"), std::string::npos)
      << result.error().what();
}

}  // namespace
}  // namespace gorae::images
