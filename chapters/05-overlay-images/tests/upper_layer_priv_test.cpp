// The container's upper directory as a layer tar: whiteouts and opaque
// directories in the OCI form, read back by libarchive and by our own
// extractor, which must rebuild the same upper directory.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <fstream>

#include <gtest/gtest.h>

#include "gorae/base/unique_fd.hpp"
#include "gorae/images/changes.hpp"
#include "gorae/images/layer_store.hpp"
#include "gorae/images/upper_layer.hpp"
#include "gorae/testing/support.hpp"
#include "overlay_tree_support.hpp"

namespace gorae::images {
namespace {

using gorae::testing::TempDir;
using testing::Tree;

// "name type mode size [-> target]" per entry, as `tar tv` would show them.
std::string listing(const std::string& tar) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(reader.get());
  EXPECT_EQ(archive_read_open_memory(reader.get(), tar.data(), tar.size()), ARCHIVE_OK);
  std::string out;
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
    char line[512];
    const char* kind = archive_entry_hardlink(entry) ? "link"
                       : archive_entry_filetype(entry) == AE_IFDIR ? "dir"
                       : archive_entry_filetype(entry) == AE_IFLNK ? "symlink"
                       : archive_entry_filetype(entry) == AE_IFREG ? "file" : "other";
    const char* target = archive_entry_hardlink(entry) ? archive_entry_hardlink(entry)
                         : archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
    std::snprintf(line, sizeof line, "%s %s %o %lld%s%s\n", archive_entry_pathname(entry), kind,
                  archive_entry_perm(entry), static_cast<long long>(archive_entry_size(entry)),
                  *target ? " -> " : "", target);
    out += line;
  }
  return out;
}

std::string layer_of(const Tree& upper, std::size_t* entries = nullptr) {
  std::string tar;
  auto written = write_upper_layer(upper.root(), [&](std::string_view bytes) -> Status {
    tar.append(bytes);
    return {};
  });
  EXPECT_TRUE(written) << written.error().what();
  if (entries && written) *entries = *written;
  return tar;
}

TEST(UpperLayerPrivTest, WhiteoutsAndOpaqueDirectoriesBecomeOciEntries) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree upper(tmp.file("upper"));
  upper.dir("bin").whiteout("bin/ls").opaque("usr").file("usr/new", "n").file("etc/added", "x\n");
  ::chmod(upper.at("usr").c_str(), 0750);
  upper.symlink("etc/link", "/etc/added");
  ASSERT_EQ(::link(upper.at("etc/added").c_str(), upper.at("etc/hard").c_str()), 0);
  std::size_t entries = 0;
  std::string tar = layer_of(upper, &entries);
  EXPECT_EQ(listing(tar),
            "bin/ dir 755 0\n"
            "bin/.wh.ls file 600 0\n"
            "etc/ dir 755 0\n"
            "etc/added file 644 2\n"
            "etc/hard link 644 0 -> etc/added\n"
            "etc/link symlink 777 0 -> /etc/added\n"
            "usr/ dir 750 0\n"
            "usr/.wh..wh..opq file 750 0\n"
            "usr/new file 644 1\n");
  EXPECT_EQ(entries, 9u);
  EXPECT_EQ(tar.size() % 512, 0u);
}

TEST(UpperLayerPrivTest, ExtractedAgainItIsTheSameUpperDirectory) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree image(tmp.file("image")), upper(tmp.file("upper"));
  image.file("bin/ls", "ls").file("usr/bin/env", "e").file("etc/passwd", "root\n");
  upper.dir("bin").whiteout("bin/ls").opaque("usr").file("usr/new", "").file("etc/passwd", "root\nme\n");
  std::string tar = layer_of(upper);
  { std::ofstream(tmp.file("layer.tar"), std::ios::binary) << tar; }
  base::UniqueFd fd(::open(tmp.file("layer.tar").c_str(), O_RDONLY | O_CLOEXEC));
  Tree again(tmp.file("again"));
  auto extracted = extract_layer(fd.get(), again.root());
  ASSERT_TRUE(extracted) << extracted.error().what();
  auto before = container_changes(upper.root(), {image.root()});
  auto after = container_changes(again.root(), {image.root()});
  ASSERT_TRUE(before && after);
  EXPECT_EQ(*after, *before);
  EXPECT_EQ(before->size(), 7u);  // C /bin, D /bin/ls, C /etc, C /etc/passwd, C /usr, A /usr/new, D /usr/bin
}

TEST(UpperLayerPrivTest, AnUntouchedContainerMakesAnEmptyLayer) {
  TempDir tmp;
  Tree upper(tmp.file("upper"));
  std::size_t entries = 99;
  std::string tar = layer_of(upper, &entries);
  EXPECT_EQ(entries, 0u);
  EXPECT_EQ(tar, std::string(1024, '\0'));  // Docker's empty layer, sha256:5f70bf18...
}

TEST(UpperLayerPrivTest, SinkFailureIsReported) {
  TempDir tmp;
  Tree upper(tmp.file("upper"));
  upper.file("big", std::string(200000, 'x'));
  auto written = write_upper_layer(upper.root(), [](std::string_view) -> Status {
    return fail(Errc::unavailable, "the disk is full");
  });
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().what(), "the disk is full");
}

}  // namespace
}  // namespace gorae::images
