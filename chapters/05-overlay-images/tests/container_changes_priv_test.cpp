// docker diff's answer computed from hand-made upper and lower trees, in
// the shapes dockerd 20.10 gave for the same operations on overlay2 (a
// busybox container running rm, echo >>, mkdir -p and rm -rf + mkdir; its
// order within a directory varies from call to call, a Go map's).
#include <gtest/gtest.h>

#include "gorae/images/changes.hpp"
#include "gorae/testing/support.hpp"
#include "overlay_tree_support.hpp"

namespace gorae::images {
namespace {

using gorae::testing::TempDir;
using testing::Tree;
using K = Change::Kind;

std::string text(const std::vector<Change>& changes) {
  std::string out;
  for (const auto& change : changes) out += std::string(to_string(change.kind)) + " " + change.path + "\n";
  return out;
}

std::string diff(const Tree& upper, const std::vector<const Tree*>& lower_lowest_first) {
  std::vector<std::string> lower;
  for (const Tree* tree : lower_lowest_first) lower.push_back(tree->root());
  auto changes = container_changes(upper.root(), lower);
  EXPECT_TRUE(changes) << changes.error().what();
  return changes ? text(*changes) : "";
}

TEST(ContainerChangesPrivTest, WhiteoutIsADeletionUnderAModifiedParent) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree image(tmp.file("image")), upper(tmp.file("upper"));
  image.file("bin/ls", "ls").file("bin/sh", "sh");
  upper.dir("bin").whiteout("bin/ls").whiteout("bin/never-there");
  EXPECT_EQ(diff(upper, {&image}), "C /bin\nD /bin/ls\n");
}

TEST(ContainerChangesPrivTest, NewTreesAreAddedAndChangedFilesModified) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree image(tmp.file("image")), upper(tmp.file("upper"));
  image.file("etc/passwd", "root\n").file("etc/group", "root\n");
  upper.file("etc/passwd", "root\nme\n").file("etc/added", "x").file("a/b/c/f", "");
  EXPECT_EQ(diff(upper, {&image}),
            "A /a\nA /a/b\nA /a/b/c\nA /a/b/c/f\nC /etc\nA /etc/added\nC /etc/passwd\n");
}

TEST(ContainerChangesPrivTest, OpaqueDirectoryDeletesEveryLowerNameItLacks) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree image(tmp.file("image")), upper(tmp.file("upper"));
  image.file("usr/bin/env", "e").file("usr/sbin/init", "i").file("usr/keep", "k").file("usr/share/x", "x");
  // rm -rf /usr; mkdir /usr; recreate keep as it was, share with less in it.
  upper.opaque("usr").file("usr/keep", "k").file("usr/new", "").dir("usr/share");
  EXPECT_EQ(diff(upper, {&image}), "C /usr\nA /usr/new\nC /usr/share\nD /usr/share/x\nD /usr/bin\nD /usr/sbin\n");
}

TEST(ContainerChangesPrivTest, CopiedUpButUnchangedIsNoChange) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree image(tmp.file("image")), upper(tmp.file("upper"));
  image.file("etc/hosts", "127.0.0.1 localhost\n");
  upper.file("etc/hosts", "127.0.0.1 localhost\n");  // same size, mode, owner and mtime
  EXPECT_EQ(diff(upper, {&image}), "");
}

TEST(ContainerChangesPrivTest, MetadataAndTypeChangesAreModifications) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree image(tmp.file("image")), upper(tmp.file("upper"));
  image.dir("srv").file("f", "file").symlink("link", "/a").file("touched", "t", 1000000000);
  upper.dir("srv", 0700).dir("f").file("f/inside", "").symlink("link", "/b").file("touched", "t", 1000000001);
  EXPECT_EQ(diff(upper, {&image}), "C /f\nA /f/inside\nC /link\nC /srv\nC /touched\n");
}

TEST(ContainerChangesPrivTest, LowerLayersWhiteoutsAndOpaqueDirectoriesAreHonoured) {
  GORAE_REQUIRE_ROOT();
  TempDir tmp;
  Tree base(tmp.file("base")), top(tmp.file("top")), upper(tmp.file("upper"));
  base.file("gone", "g").file("d/old", "o").file("d/kept", "k");
  top.whiteout("gone").opaque("d").file("d/kept", "k2");
  // The image shows d/kept (top's) only: d/old is hidden and gone deleted.
  upper.file("gone", "back").dir("d").whiteout("d/old").whiteout("d/kept");
  EXPECT_EQ(diff(upper, {&base, &top}), "C /d\nD /d/kept\nA /gone\n");
}

TEST(ContainerChangesPrivTest, NoUpperDirectoryIsAnError) {
  TempDir tmp;
  auto changes = container_changes(tmp.file("missing"), {tmp.path()});
  ASSERT_FALSE(changes);
  EXPECT_NE(changes.error().what().find(tmp.file("missing")), std::string::npos) << changes.error().what();
}

}  // namespace
}  // namespace gorae::images
