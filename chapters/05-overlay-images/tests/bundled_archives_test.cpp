// The build's image archives (images/pack-image.py): what goraed loads on its
// first start must load into an empty store as a runnable, tagged image, and
// packing the same directory again must give the same bytes (the image ID is
// part of the tutorial's output).
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "gorae/base/unique_fd.hpp"
#include "gorae/images/archive.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::images {
namespace {

using gorae::testing::TempDir;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(BundledArchivesTest, LoadAsTaggedImagesWithTheirCommand) {
  for (auto [name, cmd] : {std::pair{"busybox", "sh"}, std::pair{"hello-world", "/hello"}}) {
    SCOPED_TRACE(name);
    TempDir tmp;
    auto store = Store::open(tmp.path());
    ASSERT_TRUE(store) << store.error().what();
    std::string archive = std::string(GORAE_IMAGE_ARCHIVES) + "/" + name + "/latest.tar";
    base::UniqueFd fd(::open(archive.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid()) << archive << ": " << std::strerror(errno);
    auto loaded = load_archive(**store, fd.get());
    ASSERT_TRUE(loaded) << loaded.error().what();
    EXPECT_EQ(loaded->tags, std::vector<std::string>{std::string(name) + ":latest"});
    auto image = (*store)->find(name);
    ASSERT_TRUE(image) << image.error().what();
    EXPECT_EQ(image->config.config.cmd, std::vector<std::string>{cmd});
    EXPECT_EQ(image->config.diff_ids.size(), 1u);
  }
}

TEST(BundledArchivesTest, PackingAgainGivesTheSameBytes) {
  TempDir tmp;
  std::string again = tmp.path() + "/busybox.tar";
  std::string command = std::string(GORAE_PACK_IMAGE) + " busybox:latest " + GORAE_BUNDLED_IMAGES +
                        "/busybox/latest " + again;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::string built = read_file(std::string(GORAE_IMAGE_ARCHIVES) + "/busybox/latest.tar");
  ASSERT_FALSE(built.empty());
  EXPECT_TRUE(built == read_file(again)) << "the archive changed between two packs of the same directory";
}

}  // namespace
}  // namespace gorae::images
