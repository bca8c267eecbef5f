// The /images API and the image commands against a live daemon, with images
// no one here wrote: Debian's busybox-static made into an OCI layout by umoci,
// read back by skopeo, loaded and saved by the real docker CLI. With
// GORAE_TEST_HOST pointing at dockerd, the same tests check Docker itself
// (there, only the docker-save archive skopeo writes is loaded).
#include <gtest/gtest.h>

#if __has_include("docker_cli_fixture.hpp") && defined(GORAE_FIXTURE_DAEMON)

#include <fstream>
#include <memory>

#include "docker_cli_fixture.hpp"

namespace gorae::testing {
namespace {

using nlohmann::json;

const std::string kImage = "gorae-test/busybox:umoci";    // Cmd sh
const std::string kSecond = "gorae-test/busybox:second";  // the same layer, Cmd echo

bool have(const std::string& tool) { return run_command("command -v " + tool + " >/dev/null").exit_code == 0; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Built once: a busybox rootfs, an OCI layout of two images (umoci), the
// layout as a tar and, when skopeo is there, the same images as `docker save`
// would write them.
struct Archives {
  TempDir dir;
  std::string skip;        // why the images could not be made
  std::string oci_tar;     // tags: "base" (a bare name: no repository), kImage, kSecond
  std::string docker_tar;  // kImage only; empty without skopeo
};

void make(Archives& a) {
  if (run_command("ldd /bin/busybox 2>&1 | grep -q 'not a dynamic'").exit_code != 0)
    a.skip = "no static /bin/busybox (apt-get install busybox-static)";
  else if (!have("umoci"))
    a.skip = "umoci not installed (apt-get install umoci)";
  if (!a.skip.empty()) return;
  const std::string d = a.dir.path();
  auto built = run_command(
      "set -e; cd " + d + "; mkdir -p rootfs/bin rootfs/etc rootfs/tmp; cp /bin/busybox rootfs/bin/;"
      " for x in $(rootfs/bin/busybox --list); do [ $x = busybox ] || ln -s busybox rootfs/bin/$x; done;"
      " umoci init --layout oci; umoci new --image oci:base; umoci unpack --image oci:base bundle;"
      " cp -a rootfs/. bundle/rootfs/; umoci repack --image oci:base bundle;"
      " umoci config --image oci:base --config.cmd sh --config.env PATH=/bin;"
      " umoci tag --image oci:base " + kImage + ";"
      " umoci config --image oci:base --config.cmd echo; umoci tag --image oci:base " + kSecond + ";"
      " tar -C oci -cf oci.tar .");
  if (built.exit_code != 0) {
    a.skip = "umoci failed: " + built.output;
    return;
  }
  a.oci_tar = d + "/oci.tar";
  if (have("skopeo") &&
      run_command("skopeo copy oci:" + d + "/oci:" + kImage + " docker-archive:" + d + "/docker.tar:" + kImage +
                  " >/dev/null 2>&1").exit_code == 0)
    a.docker_tar = d + "/docker.tar";
}

Archives& archives() {
  static Archives made;
  static const bool built = (make(made), true);
  (void)built;
  return made;
}

class ImageApiTest : public DaemonFixture {
 protected:
  void SetUp() override {
    if (!archives().skip.empty()) GTEST_SKIP() << archives().skip;
    DaemonFixture::SetUp();
    if (!HasFatalFailure() && archive().empty())
      GTEST_SKIP() << "dockerd loads docker-save archives only: install skopeo";
  }
  // dockerd cannot load an OCI layout; skopeo's docker-save archive it can.
  std::string archive() { return against_gorae() ? archives().oci_tar : archives().docker_tar; }
  http::ClientResponse load(const std::string& path, const std::string& query = "?quiet=1") {
    auto response = connect().request("POST", "/v1.41/images/load" + query, slurp(path), "application/x-tar");
    if (!response) throw std::runtime_error(response.error().what());
    return *response;
  }
  std::string image_id(const std::string& name) { return json_of(call("GET", "/images/" + name + "/json")).value("Id", ""); }
  std::string logs(const std::string& id) { return call("GET", "/containers/" + id + "/logs?stdout=1&stderr=1").body; }
};

TEST_F(ImageApiTest, LoadsAnUmociLayoutAndRunsIt) {
  auto loaded = load(archive());
  EXPECT_EQ(loaded.status, 200);
  EXPECT_NE(loaded.body.find("{\"stream\":\"Loaded image: " + kImage + "\\n\"}\r\n"), std::string::npos) << loaded.body;
  auto id = create({{"Image", kImage}, {"Cmd", {"sh", "-c", "echo hello from umoci; test -x /bin/busybox"}}});
  EXPECT_EQ(run_to_exit(id), 0);
  EXPECT_NE(logs(id).find("hello from umoci"), std::string::npos);
}

TEST_F(ImageApiTest, SavedArchiveIsReadBySkopeoAndUmoci) {
  if (!have("skopeo")) GTEST_SKIP() << "skopeo not installed (apt-get install skopeo)";
  ASSERT_EQ(load(archive()).status, 200);
  auto inspect = json_of(call("GET", "/images/" + kImage + "/json"));
  auto saved = call("GET", "/images/" + kImage + "/get");
  ASSERT_EQ(saved.status, 200);
  TempDir out;
  { std::ofstream(out.file("saved.tar"), std::ios::binary) << saved.body; }
  auto skopeo = run_command("skopeo inspect docker-archive:" + out.file("saved.tar") + " 2>&1");
  ASSERT_EQ(skopeo.exit_code, 0) << skopeo.output;
  EXPECT_EQ(json::parse(skopeo.output, nullptr, false)["Layers"], inspect["RootFS"]["Layers"]) << skopeo.output;
  // Round trip: skopeo makes an OCI layout of it, umoci unpacks that.
  auto copied = run_command("skopeo copy docker-archive:" + out.file("saved.tar") + " oci:" + out.file("rt") +
                            ":rt 2>&1 && umoci unpack --image " + out.file("rt") + ":rt " + out.file("bundle") + " 2>&1");
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  EXPECT_EQ(::access(out.file("bundle/rootfs/bin/busybox").c_str(), X_OK), 0);
  // And the archive loads again as the same image.
  call("DELETE", "/images/" + kImage + "?force=1");
  auto again = load(out.file("saved.tar"));
  EXPECT_NE(again.body.find("Loaded image: " + kImage), std::string::npos) << again.body;
  EXPECT_EQ(image_id(kImage), inspect["Id"]);
}

TEST_F(ImageApiTest, ListsInspectsTagsAndUntags) {
  ASSERT_EQ(load(archive()).status, 200);
  std::string id = image_id(kImage);
  EXPECT_EQ(call("POST", "/images/" + kImage + "/tag?repo=gorae-test%2Fother&tag=t").status, 201);
  auto listed = json_of(call("GET", "/images/json?filters=%7B%22reference%22%3A%5B%22gorae-test%2Fother%22%5D%7D"));
  ASSERT_EQ(listed.size(), 1u) << listed;
  EXPECT_EQ(listed[0]["Id"], id);
  EXPECT_EQ(listed[0]["RepoTags"], json::array({"gorae-test/other:t"})) << "only the tags that match";
  auto inspect = json_of(call("GET", "/images/gorae-test/other:t/json"));
  EXPECT_EQ(inspect["Config"]["Cmd"], json::array({"sh"}));
  EXPECT_EQ(inspect["RootFS"]["Type"], "layers");
  EXPECT_EQ(inspect["Os"], "linux");
  auto history = json_of(call("GET", "/images/" + kImage + "/history"));
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history[0]["Id"], id);
  EXPECT_EQ(history.back()["Id"], "<missing>");
  EXPECT_EQ(call("DELETE", "/images/gorae-test/other:t").body, "[{\"Untagged\":\"gorae-test/other:t\"}]\n");
  auto missing = call("GET", "/images/nosuch/json");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json_of(missing)["message"], "no such image: nosuch: No such image: nosuch:latest");
  auto bad_tag = call("POST", "/images/" + kImage + "/tag?repo=gorae-test%2Fx&tag=bad!");
  EXPECT_GE(bad_tag.status, 400) << "gorae and dockerd 25 say 400, dockerd 20.10 500";
  EXPECT_EQ(json_of(bad_tag)["message"], "invalid tag format");
}

TEST_F(ImageApiTest, ContainersKeepTheirImage) {
  ASSERT_EQ(load(archive()).status, 200);
  std::string id = image_id(kImage);
  std::string stopped = create({{"Image", kImage}, {"Cmd", {"true"}}});
  auto by_name = call("DELETE", "/images/" + kImage);
  EXPECT_EQ(by_name.status, 409);
  EXPECT_EQ(json_of(by_name)["message"], "conflict: unable to remove repository reference \"" + kImage +
                                             "\" (must force) - container " + stopped.substr(0, 12) +
                                             " is using its referenced image " + id.substr(7, 12));
  std::string running = create({{"Image", kImage}, {"Cmd", {"sleep", "30"}}});
  ASSERT_EQ(call("POST", "/containers/" + running + "/start").status, 204);
  auto by_id = call("DELETE", "/images/" + id + "?force=1");
  EXPECT_EQ(by_id.status, 409);
  EXPECT_NE(json_of(by_id)["message"].get<std::string>().find(
                "(cannot be forced) - image is being used by running container " + running.substr(0, 12)),
            std::string::npos)
      << by_id.body;
  EXPECT_EQ(image_id(kImage), id);
}

TEST_F(ImageApiTest, PruneRemovesDanglingImagesOnly) {
  if (!against_gorae()) GTEST_SKIP() << "needs both images of the OCI layout";
  ASSERT_EQ(load(archive()).status, 200);
  std::string first = image_id(kImage);
  std::string second = image_id(kSecond);
  ASSERT_NE(first, second);
  // Moving the tag leaves the first image without a name: dangling.
  EXPECT_EQ(call("POST", "/images/" + kSecond + "/tag?repo=gorae-test%2Fbusybox&tag=umoci").status, 201);
  auto pruned = json_of(call("POST", "/images/prune"));
  EXPECT_EQ(pruned["ImagesDeleted"], json::array({{{"Deleted", first}}})) << pruned;
  EXPECT_EQ(pruned["SpaceReclaimed"], 0) << "the layer stays: the second image uses it";
  EXPECT_EQ(image_id(kSecond), second);
  EXPECT_EQ(json_of(call("POST", "/images/prune"))["ImagesDeleted"], nullptr);
}

TEST_F(ImageApiTest, ABrokenArchiveIsReportedInTheStream) {
  TempDir dir;
  { std::ofstream(dir.file("junk.tar")) << std::string(3000, 'x'); }
  auto loaded = load(dir.file("junk.tar"));
  EXPECT_EQ(loaded.status, 200) << "dockerd answers 200, then the error";
  auto last = json::parse(loaded.body.substr(0, loaded.body.find('\n')), nullptr, false);
  EXPECT_TRUE(last.contains("errorDetail")) << loaded.body;
}

class ImageCliTest : public DockerCliTest {
 protected:
  void SetUp() override {
    if (!archives().skip.empty()) GTEST_SKIP() << archives().skip;
    DockerCliTest::SetUp();
  }
};

TEST_F(ImageCliTest, DockerLoadSaveTagRmiAndPrune) {
  std::string archive = against_gorae() ? archives().oci_tar : archives().docker_tar;
  if (archive.empty()) GTEST_SKIP() << "dockerd loads docker-save archives only: install skopeo";
  EXPECT_NE(docker_ok("load -i " + archive).find("Loaded image: " + kImage), std::string::npos);
  EXPECT_NE(docker_ok("images gorae-test/busybox").find("umoci"), std::string::npos);
  EXPECT_EQ(docker_ok("run --rm " + kImage + " echo hi from docker"), "hi from docker");
  EXPECT_NE(docker_ok("history " + kImage).find("IMAGE          CREATED"), std::string::npos);

  TempDir out;
  docker_ok("save -o " + out.file("saved.tar") + " " + kImage);
  EXPECT_EQ(run_command("tar -tf " + out.file("saved.tar") + " manifest.json").exit_code, 0);

  docker_ok("tag " + kImage + " gorae-test/tagged:x");
  docker_ok("create --name gorae-image-user gorae-test/tagged:x true");
  EXPECT_EQ(docker_ok("rmi gorae-test/tagged:x"), "Untagged: gorae-test/tagged:x");
  auto refused = docker("rmi " + kImage);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Error response from daemon: conflict: unable to remove repository reference"),
            std::string::npos)
      << refused.err;
  docker_ok("rm gorae-image-user");
  auto removed = docker_ok("rmi " + kImage);
  EXPECT_EQ(removed.rfind("Untagged: " + kImage + "\nDeleted: sha256:", 0), 0u) << removed;
  EXPECT_NE(docker_ok("image prune -f").find("Total reclaimed space: "), std::string::npos);
  if (against_gorae()) docker("rmi " + kSecond);  // the OCI layout's other image
}

}  // namespace
}  // namespace gorae::testing

#else
// Compiled before chapter 05's daemon fixture is wired (GORAE_FIXTURE_DAEMON
// and chapter 02's tests/ on the include path): say so instead of failing.
TEST(ImageApiTest, NeedsTheDaemonFixture) {
  GTEST_SKIP() << "ch05_priv_tests lacks GORAE_FIXTURE_DAEMON and chapter 02's api_fixture.hpp";
}
#endif
