// The chapter-02 image store: seeding from the bundled images, every way of
// naming an image, sizes, stable IDs, and the container's own copy of rootfs.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "gorae/engine/images.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::engine {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void write(const std::string& path, const std::string& content, mode_t mode = 0644) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << content;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

std::string config_json(const std::string& cmd, const std::string& created) {
  return R"({"Cmd":)" + cmd + R"(,"Entrypoint":null,"Env":["PATH=/usr/bin:/bin"],)" +
         R"("WorkingDir":"/srv","User":"nobody","Created":")" + created + R"("})";
}

constexpr std::int64_t kAlphaSize = 23 + 5 + 3;  // bin/app + etc/conf + ro/file

/// Two images in the layout CMake builds: alpha:latest, a small tree with a
/// symlink, a sticky directory and a read-only one, and a nested name.
void make_bundled(const std::string& dir) {
  std::string alpha = dir + "/alpha/latest";
  write(alpha + "/config.json", config_json(R"(["/bin/app"])", "2024-01-02T03:04:05Z"));
  write(alpha + "/rootfs/bin/app", "#!/bin/sh\necho alpha!!\n", 0755);
  write(alpha + "/rootfs/etc/conf", "x=1\n\n", 0640);
  ASSERT_EQ(::symlink("/bin/app", (alpha + "/rootfs/bin/sh").c_str()), 0);
  fs::create_directories(alpha + "/rootfs/tmp");
  ASSERT_EQ(::chmod((alpha + "/rootfs/tmp").c_str(), 01777), 0);
  write(alpha + "/rootfs/ro/file", "ro\n", 0444);
  ASSERT_EQ(::chmod((alpha + "/rootfs/ro").c_str(), 0555), 0);

  std::string beta = dir + "/localhost:5000/team/beta/v1";
  write(beta + "/config.json", config_json(R"(["sh"])", "2024-05-06T07:08:09.123456789Z"));
  write(beta + "/rootfs/data", std::string(1000, 'b'));
}

/// Read-only directories would stop TempDir's cleanup when not root.
void make_writable(const std::string& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
}

class DirectoryImagesTest : public ::testing::Test {
 protected:
  void SetUp() override { make_bundled(bundled_.path()); }
  void TearDown() override {
    make_writable(bundled_.path());
    make_writable(root_.path());
  }
  std::unique_ptr<ImageStore> open_store(const std::string& images) {
    auto store = open_directory_images(images, bundled_.path());
    EXPECT_TRUE(store) << (store ? "" : store.error().what());
    return store ? std::move(*store) : nullptr;
  }
  std::string images() const { return root_.file("images"); }

  TempDir bundled_, root_;
};

TEST_F(DirectoryImagesTest, SeedsTheBundledImagesOnFirstOpen) {
  auto store = open_store(images());
  ASSERT_TRUE(store);
  EXPECT_EQ(slurp(images() + "/alpha/latest/rootfs/bin/app"), "#!/bin/sh\necho alpha!!\n");
  EXPECT_TRUE(fs::is_symlink(images() + "/alpha/latest/rootfs/bin/sh"));
  EXPECT_EQ(mode_of(images() + "/alpha/latest/rootfs/ro") & 07777, 0555u);
  EXPECT_TRUE(fs::exists(images() + "/localhost:5000/team/beta/v1/rootfs/data"));
  EXPECT_FALSE(fs::exists(bundled_.path() + "/alpha/latest/id")) << "bundled dir is read-only";
}

TEST_F(DirectoryImagesTest, DoesNotReseedAnImageThatIsThere) {
  ASSERT_TRUE(open_store(images()));
  write(images() + "/alpha/latest/rootfs/etc/local", "mine\n");
  fs::remove_all(images() + "/localhost:5000");
  auto store = open_store(images());
  ASSERT_TRUE(store);
  EXPECT_EQ(slurp(images() + "/alpha/latest/rootfs/etc/local"), "mine\n");
  EXPECT_TRUE(fs::exists(images() + "/localhost:5000/team/beta/v1/rootfs/data")) << "re-seeded";
}

TEST_F(DirectoryImagesTest, FindsByEveryFormOfReference) {
  auto store = open_store(images());
  ASSERT_TRUE(store);
  auto alpha = store->find("alpha");
  ASSERT_TRUE(alpha) << alpha.error().what();
  ASSERT_EQ(alpha->id.size(), 71u);
  ASSERT_EQ(alpha->id.rfind("sha256:", 0), 0u);
  std::string hex = alpha->id.substr(7);
  for (std::string ref : {"alpha:latest", "docker.io/library/alpha:latest", "library/alpha",
                          "docker.io/alpha", "index.docker.io/library/alpha"}) {
    auto found = store->find(ref);
    ASSERT_TRUE(found) << ref << ": " << found.error().what();
    EXPECT_EQ(found->id, alpha->id) << ref;
  }
  for (const std::string& ref :
       {alpha->id, hex, hex.substr(0, 12), "sha256:" + hex.substr(0, 12)}) {
    auto found = store->find(ref);
    ASSERT_TRUE(found) << ref << ": " << found.error().what();
    EXPECT_EQ(found->id, alpha->id) << ref;
  }
  auto beta = store->find("localhost:5000/team/beta:v1");
  ASSERT_TRUE(beta) << beta.error().what();
  EXPECT_NE(beta->id, alpha->id);
  EXPECT_EQ(beta->repo_tags, std::vector<std::string>{"localhost:5000/team/beta:v1"});

  // The shortest prefix that tells the two apart finds each; one shorter does not.
  std::string other = beta->id.substr(7);
  size_t common = 0;
  while (hex[common] == other[common]) ++common;
  EXPECT_EQ(store->find(hex.substr(0, common + 1))->id, alpha->id);
  EXPECT_EQ(store->find(other.substr(0, common + 1))->id, beta->id);
}

TEST_F(DirectoryImagesTest, UnknownReferencesSayNoSuchImageLikeDockerd) {
  auto store = open_store(images());
  ASSERT_TRUE(store);
  for (auto [ref, message] : std::vector<std::pair<std::string, std::string>>{
           {"nope", "No such image: nope:latest"},
           {"docker.io/library/nope:1.0", "No such image: nope:1.0"},
           {"localhost:5000/team/beta", "No such image: localhost:5000/team/beta:latest"},
           {"alpha:other", "No such image: alpha:other"},
           {std::string(64, 'f'), "No such image: sha256:" + std::string(64, 'f')},
           {"0123456789abcdef0", "No such image: 0123456789abcdef0:latest"}}) {
    auto found = store->find(ref);
    ASSERT_FALSE(found) << ref;
    EXPECT_EQ(found.error().kind(), Errc::not_found) << ref;
    EXPECT_EQ(found.error().what(), message) << ref;
  }
}

TEST_F(DirectoryImagesTest, AnAmbiguousPrefixFindsNothing) {
  // Seventeen images: by pigeonhole two IDs share their first hex digit.
  TempDir bundled;
  for (int i = 0; i < 17; ++i) {
    std::string dir = bundled.file("img" + std::to_string(i) + "/latest");
    write(dir + "/config.json",
          config_json("[\"/x" + std::to_string(i) + "\"]", "2024-01-01T00:00:00Z"));
    write(dir + "/rootfs/x", std::to_string(i));
  }
  auto store = open_directory_images(images(), bundled.path());
  ASSERT_TRUE(store) << store.error().what();
  std::map<char, std::vector<std::string>> by_digit;
  for (const auto& image : (*store)->list()) by_digit[image.id[7]].push_back(image.id);
  ASSERT_EQ((*store)->list().size(), 17u);
  for (const auto& [digit, ids] : by_digit) {
    auto found = (*store)->find(std::string(1, digit));
    if (ids.size() == 1) {
      ASSERT_TRUE(found) << digit;
      EXPECT_EQ(found->id, ids[0]);
    } else {
      ASSERT_FALSE(found) << digit << " matches " << ids.size() << " images";
      EXPECT_EQ(found.error().kind(), Errc::not_found);
      EXPECT_EQ(found.error().what(), std::string("No such image: ") + digit + ":latest");
    }
  }
}

TEST_F(DirectoryImagesTest, ListsTagsSizesCreatedAndConfig) {
  auto store = open_store(images());
  ASSERT_TRUE(store);
  auto images = store->list();
  ASSERT_EQ(images.size(), 2u);
  std::map<std::string, Image> by_tag;
  for (const auto& image : images) {
    ASSERT_EQ(image.repo_tags.size(), 1u);
    by_tag[image.repo_tags[0]] = image;
  }
  const Image& alpha = by_tag.at("alpha:latest");
  const Image& beta = by_tag.at("localhost:5000/team/beta:v1");
  EXPECT_EQ(alpha.size, kAlphaSize);
  EXPECT_EQ(beta.size, 1000);
  std::tm tm{};
  ::strptime("2024-01-02 03:04:05", "%Y-%m-%d %H:%M:%S", &tm);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(alpha.created), ::timegm(&tm));
  EXPECT_EQ(std::chrono::system_clock::to_time_t(beta.created) % 60, 9);
  EXPECT_EQ(alpha.config.cmd, std::vector<std::string>{"/bin/app"});
  EXPECT_FALSE(alpha.config.entrypoint.has_value());
  EXPECT_EQ(alpha.config.env, std::vector<std::string>{"PATH=/usr/bin:/bin"});
  EXPECT_EQ(alpha.config.working_dir, "/srv");
  EXPECT_EQ(alpha.config.user, "nobody");
}

TEST_F(DirectoryImagesTest, IdsAreStableAcrossReopenAndDependOnContent) {
  std::string id;
  {
    auto store = open_store(images());
    ASSERT_TRUE(store);
    id = store->find("alpha")->id;
  }
  EXPECT_EQ(slurp(images() + "/alpha/latest/id"), id + "\n");
  EXPECT_EQ(open_store(images())->find("alpha")->id, id) << "from the cache";
  fs::remove(images() + "/alpha/latest/id");
  EXPECT_EQ(open_store(images())->find("alpha")->id, id) << "recomputed";
  EXPECT_EQ(open_store(root_.file("elsewhere"))->find("alpha")->id, id) << "another data root";

  // The same names and sizes with one different byte make another image.
  std::ofstream(bundled_.path() + "/alpha/latest/rootfs/etc/conf") << "x=2\n\n";
  EXPECT_NE(open_store(root_.file("changed"))->find("alpha")->id, id);
}

TEST_F(DirectoryImagesTest, PrepareRootfsCopiesModesAndSymlinks) {
  auto store = open_store(images());
  ASSERT_TRUE(store);
  auto alpha = store->find("alpha");
  ASSERT_TRUE(alpha);
  std::string rootfs = root_.file("container-rootfs");
  auto prepared = store->prepare_rootfs(*alpha, rootfs);
  ASSERT_TRUE(prepared) << prepared.error().what();

  EXPECT_EQ(slurp(rootfs + "/bin/app"), "#!/bin/sh\necho alpha!!\n");
  EXPECT_EQ(mode_of(rootfs + "/bin/app") & 07777, 0755u);
  EXPECT_EQ(mode_of(rootfs + "/etc/conf") & 07777, 0640u);
  EXPECT_EQ(mode_of(rootfs + "/tmp"), S_IFDIR | 01777u);
  EXPECT_EQ(mode_of(rootfs + "/ro") & 07777, 0555u);
  EXPECT_EQ(slurp(rootfs + "/ro/file"), "ro\n");
  ASSERT_TRUE(fs::is_symlink(rootfs + "/bin/sh"));
  EXPECT_EQ(fs::read_symlink(rootfs + "/bin/sh"), "/bin/app");
  struct stat st {};
  ASSERT_EQ(::lstat((rootfs + "/bin/app").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::geteuid());
}

TEST_F(DirectoryImagesTest, AContainerWritingItsCopyLeavesTheImageAlone) {
  auto store = open_store(images());
  ASSERT_TRUE(store);
  auto alpha = store->find("alpha");
  std::string first = root_.file("c1"), second = root_.file("c2");
  ASSERT_TRUE(store->prepare_rootfs(*alpha, first));
  std::ofstream(first + "/bin/app", std::ios::trunc) << "changed";
  std::ofstream(first + "/etc/new") << "new";
  fs::remove(first + "/etc/conf");

  EXPECT_EQ(slurp(images() + "/alpha/latest/rootfs/bin/app"), "#!/bin/sh\necho alpha!!\n");
  EXPECT_TRUE(fs::exists(images() + "/alpha/latest/rootfs/etc/conf"));
  EXPECT_FALSE(fs::exists(images() + "/alpha/latest/rootfs/etc/new"));
  ASSERT_TRUE(store->prepare_rootfs(*alpha, second));
  EXPECT_EQ(slurp(second + "/bin/app"), "#!/bin/sh\necho alpha!!\n");
  EXPECT_EQ(open_store(images())->find("alpha")->size, kAlphaSize);
}

TEST_F(DirectoryImagesTest, PrepareRootfsRefusesAnExistingOrOrphanTarget) {
  auto store = open_store(images());
  ASSERT_TRUE(store);
  auto alpha = store->find("alpha");
  std::string taken = root_.file("taken");
  write(taken + "/keep", "keep");
  auto result = store->prepare_rootfs(*alpha, taken);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), Errc::conflict);
  EXPECT_NE(result.error().what().find(taken), std::string::npos) << result.error().what();
  EXPECT_EQ(slurp(taken + "/keep"), "keep") << "an existing directory is never cleaned up";

  std::string orphan = root_.file("no/such/parent/rootfs");
  result = store->prepare_rootfs(*alpha, orphan);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().what().find(root_.file("no/such/parent")), std::string::npos)
      << result.error().what();

  Image unknown = *alpha;
  unknown.id = "sha256:" + std::string(64, '0');
  EXPECT_EQ(store->prepare_rootfs(unknown, root_.file("x")).error().kind(), Errc::not_found);
}

TEST_F(DirectoryImagesTest, AFailedCopyIsRemoved) {
  // A file size limit makes the copy of a large file fail halfway (EFBIG),
  // for root as for anyone. Done in a child so the limit stays there.
  write(bundled_.path() + "/alpha/latest/rootfs/zz-big", std::string(1 << 20, 'z'));
  auto store = open_store(images());
  ASSERT_TRUE(store);
  auto alpha = store->find("alpha");
  ASSERT_TRUE(alpha);
  std::string rootfs = root_.file("partial");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    auto result = store->prepare_rootfs(*alpha, rootfs);
    if (result) ::_exit(10);
    if (result.error().what().find(rootfs + "/zz-big") == std::string::npos) ::_exit(11);
    ::_exit(fs::exists(rootfs) ? 12 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: copied anyway, 11: error without the path, "
                                       "12: partial copy left behind";
  EXPECT_FALSE(fs::exists(rootfs));
}

TEST_F(DirectoryImagesTest, ReleaseRootfsRemovesTheCopy) {
  auto store = open_store(images());
  ASSERT_TRUE(store);
  std::string rootfs = root_.file("gone");
  ASSERT_TRUE(store->prepare_rootfs(*store->find("alpha"), rootfs));
  auto released = store->release_rootfs(rootfs);
  ASSERT_TRUE(released) << released.error().what();
  EXPECT_FALSE(fs::exists(rootfs));
  EXPECT_TRUE(fs::exists(images() + "/alpha/latest/rootfs/bin/app"));
  EXPECT_TRUE(store->release_rootfs(rootfs)) << "already gone is fine";
  for (std::string bad : {"", "/", "//", "/./"}) {
    auto refused = store->release_rootfs(bad);
    ASSERT_FALSE(refused) << "'" << bad << "'";
    EXPECT_EQ(refused.error().kind(), Errc::invalid_argument);
  }
}

TEST_F(DirectoryImagesTest, NormalizesReferencesAsDocker) {
  EXPECT_EQ(normalize_reference("busybox"), "busybox:latest");
  EXPECT_EQ(normalize_reference("busybox:1.36"), "busybox:1.36");
  EXPECT_EQ(normalize_reference("library/busybox"), "busybox:latest");
  EXPECT_EQ(normalize_reference("docker.io/busybox"), "busybox:latest");
  EXPECT_EQ(normalize_reference("docker.io/library/busybox:latest"), "busybox:latest");
  EXPECT_EQ(normalize_reference("index.docker.io/library/busybox"), "busybox:latest");
  EXPECT_EQ(normalize_reference("someone/app"), "someone/app:latest");
  EXPECT_EQ(normalize_reference("docker.io/someone/app:v2"), "someone/app:v2");
  EXPECT_EQ(normalize_reference("localhost:5000/app"), "localhost:5000/app:latest");
  EXPECT_EQ(normalize_reference("localhost:5000/library/app:v1"), "localhost:5000/library/app:v1");
  EXPECT_EQ(normalize_reference(std::string(64, 'a')), "sha256:" + std::string(64, 'a'));
}

// The real images, as CMake built them.
TEST_F(DirectoryImagesTest, TheBundledImagesAreBusyboxAndHelloWorld) {
  TempDir root;
  auto store = open_directory_images(root.file("images"), GORAE_BUNDLED_IMAGES);
  ASSERT_TRUE(store) << store.error().what();
  auto busybox = (*store)->find("busybox");
  auto hello = (*store)->find("docker.io/library/hello-world:latest");
  ASSERT_TRUE(busybox) << busybox.error().what();
  ASSERT_TRUE(hello) << hello.error().what();
  EXPECT_EQ(busybox->config.cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(hello->config.cmd, std::vector<std::string>{"/hello"});
  EXPECT_GT(busybox->size, 500000);
  EXPECT_GT(hello->size, 0);

  std::string bb = root.file("busybox-rootfs");
  ASSERT_TRUE((*store)->prepare_rootfs(*busybox, bb));
  EXPECT_EQ(fs::read_symlink(bb + "/bin/sh"), "/bin/busybox");
  EXPECT_EQ(fs::read_symlink(bb + "/usr/bin/env"), "/bin/busybox");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(bb + "/bin/busybox")));
  EXPECT_EQ(mode_of(bb + "/tmp"), S_IFDIR | 01777u);
  EXPECT_NE(slurp(bb + "/etc/passwd").find("root:x:0:0:root:/root:/bin/sh\n"), std::string::npos);
  EXPECT_NE(slurp(bb + "/etc/group").find("nogroup:x:65534:\n"), std::string::npos);

  std::string hw = root.file("hello-rootfs");
  ASSERT_TRUE((*store)->prepare_rootfs(*hello, hw));
  ASSERT_EQ(::access((hw + "/hello").c_str(), X_OK), 0);
  FILE* pipe = ::popen((hw + "/hello").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  EXPECT_EQ(::pclose(pipe), 0);
  EXPECT_NE(output.find("Hello from gorae!"), std::string::npos) << output;
  EXPECT_NE(output.find("unix"), std::string::npos) << output;
  EXPECT_NE(output.find(" 5. "), std::string::npos) << output;
  EXPECT_NE(output.find("gorae run -it busybox sh"), std::string::npos) << output;

  // Built from the same sources, the same IDs, wherever the store lives.
  auto again = open_directory_images(root.file("again"), GORAE_BUNDLED_IMAGES);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->find("busybox")->id, busybox->id);
  EXPECT_EQ((*again)->find("hello-world")->id, hello->id);
}

}  // namespace
}  // namespace gorae::engine
