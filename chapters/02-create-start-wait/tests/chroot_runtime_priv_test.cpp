// The chroot runtime against a real kernel (root tier): a busybox rootfs in a
// temporary directory, a bundle written with write_bundle, and the process
// started, signalled and reaped as the engine will do it.

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gorae/runtime/runtime.hpp"
#include "gorae/testing/support.hpp"

namespace gorae::runtime {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kBusybox = "/bin/busybox";  // Debian's busybox-static

#define REQUIRE_ROOT_AND_BUSYBOX()                                                  \
  do {                                                                              \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (chroot, setuid)";            \
    if (::access(kBusybox, X_OK) != 0)                                              \
      GTEST_SKIP() << kBusybox << " missing: apt-get install busybox-static";       \
  } while (0)

int count_open_fds() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

// Declared first in each test, checked last: every descriptor the test opened
// is closed again and no child (running or zombie) is left behind.
class NoLeaks {
 public:
  NoLeaks() : fds_(count_open_fds()) {}
  ~NoLeaks() {
    EXPECT_EQ(count_open_fds(), fds_) << "file descriptors leaked";
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child process is left";
    EXPECT_EQ(errno, ECHILD);
  }

 private:
  int fds_;
};

// A bundle: DIR/config.json and DIR/rootfs with busybox and a few applets.
class Bundle {
 public:
  Bundle() {
    rootfs_ = dir_.file("rootfs");
    for (const char* sub : {"bin", "dev/pts", "tmp", "work"}) fs::create_directories(rootfs_ + "/" + sub);
    // busybox sh needs /dev/null for background jobs (chapter 03 mounts /dev).
    EXPECT_EQ(::mknod((rootfs_ + "/dev/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    fs::copy_file(kBusybox, rootfs_ + "/bin/busybox");
    fs::permissions(rootfs_ + "/bin/busybox", fs::perms(0755));
    for (const char* applet : {"sh", "echo", "cat", "id", "pwd", "sleep", "hostname", "ls",
                               "stty", "tty", "test"})
      fs::create_symlink("busybox", rootfs_ + "/bin/" + applet);
  }
  const std::string& dir() const { return dir_.path(); }
  const std::string& rootfs() const { return rootfs_; }

  BundleSpec spec(std::vector<std::string> args) const {
    BundleSpec spec;
    spec.root_path = "rootfs";  // relative to the bundle, as runc allows
    spec.hostname = "box";
    spec.process.args = std::move(args);
    // The first entry does not exist in the rootfs: the lookup must go on.
    spec.process.env = {"PATH=/usr/local/bin:/bin", "TERM=xterm"};
    return spec;
  }

  Result<Started> start(const BundleSpec& spec, bool open_stdin = false) {
    EXPECT_TRUE(write_bundle(dir(), spec).has_value());
    return runtime_->start("test", dir(), open_stdin);
  }
  Runtime& runtime() { return *runtime_; }

  // Reaps and checks that the pid is really gone afterwards.
  ExitStatus reap(pid_t pid) {
    auto status = runtime_->reap(pid);
    EXPECT_TRUE(status.has_value()) << status.error().what();
    errno = 0;
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_EQ(errno, ESRCH) << "pid " << pid << " still exists after reap";
    return status.value_or(ExitStatus{-1, false});
  }

 private:
  testing::TempDir dir_;
  std::string rootfs_;
  std::unique_ptr<Runtime> runtime_ = make_chroot_runtime();
};

// Reads until EOF (a pty master gives EIO once the last slave is closed), or
// until `until` appears, or the timeout.
std::string read_from(int fd, const std::string& until = "", std::chrono::seconds timeout = 10s) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (until.empty() || out.find(until) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ADD_FAILURE() << "timed out reading; got so far: " << out;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

void write_to(int fd, const std::string& text) {
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

// The state letter of /proc/PID/stat ('S', 'R', 'Z', ...), or 0 when gone.
char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

std::string fd_target(pid_t pid, int fd) {
  std::error_code ec;
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd), ec).string();
}

// ---------------------------------------------------------------- the bundle

TEST(BundleTest, WritesAnOciConfigThatLoadsBack) {
  testing::TempDir dir;
  BundleSpec spec;
  spec.root_path = "rootfs";
  spec.hostname = "box";
  spec.process = {{"sh", "-c", "echo hi"}, {"PATH=/bin", "A=b=c"}, "/work", 1000, 1001, {5, 6}, true};
  ASSERT_TRUE(write_bundle(dir.path(), spec).has_value());

  // The field names of the OCI runtime spec, so runc and chapter 03 read it.
  std::ifstream in(dir.file("config.json"));
  nlohmann::json config = nlohmann::json::parse(in);
  EXPECT_EQ(config["ociVersion"], "1.0.2");
  EXPECT_EQ(config["process"]["terminal"], true);
  EXPECT_EQ(config["process"]["user"]["uid"], 1000);
  EXPECT_EQ(config["process"]["user"]["gid"], 1001);
  EXPECT_EQ(config["process"]["user"]["additionalGids"], nlohmann::json({5, 6}));
  EXPECT_EQ(config["process"]["args"], nlohmann::json({"sh", "-c", "echo hi"}));
  EXPECT_EQ(config["process"]["env"], nlohmann::json({"PATH=/bin", "A=b=c"}));
  EXPECT_EQ(config["process"]["cwd"], "/work");
  EXPECT_EQ(config["root"], nlohmann::json({{"path", "rootfs"}, {"readonly", false}}));
  EXPECT_EQ(config["hostname"], "box");

  auto loaded = load_bundle(dir.path());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().what();
  EXPECT_EQ(loaded->root_path, "rootfs");
  EXPECT_EQ(loaded->hostname, "box");
  EXPECT_EQ(loaded->process.args, spec.process.args);
  EXPECT_EQ(loaded->process.env, spec.process.env);
  EXPECT_EQ(loaded->process.cwd, "/work");
  EXPECT_EQ(loaded->process.uid, 1000u);
  EXPECT_EQ(loaded->process.gid, 1001u);
  EXPECT_EQ(loaded->process.additional_gids, (std::vector<gid_t>{5, 6}));
  EXPECT_TRUE(loaded->process.terminal);
}

TEST(BundleTest, LoadNamesTheBadField) {
  testing::TempDir dir;
  auto load_with = [&](const std::string& text) {
    std::ofstream(dir.file("config.json")) << text;
    auto loaded = load_bundle(dir.path());
    EXPECT_FALSE(loaded.has_value()) << text;
    if (loaded) return std::string();
    EXPECT_EQ(loaded.error().kind(), Errc::invalid_argument) << loaded.error().what();
    return loaded.error().what();
  };
  const std::string user = R"("user": {"uid": 0, "gid": 0})";
  const std::string root = R"("root": {"path": "rootfs"})";
  EXPECT_NE(load_with("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(load_with(R"({"process": {"args": ["sh"], "cwd": "/", )" + user + "}, " + root + "}")
                .find("ociVersion: missing"), std::string::npos);
  EXPECT_NE(load_with(R"({"ociVersion": "1.0.2", "process": {"args": ["sh"], )" + user + "}, " +
                      root + "}")
                .find("process.cwd: missing"), std::string::npos);
  EXPECT_NE(load_with(R"({"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "rel", )" +
                      user + "}, " + root + "}")
                .find("process.cwd"), std::string::npos);
  EXPECT_NE(load_with(R"({"ociVersion": "1.0.2", "process": {"args": [], "cwd": "/", )" + user +
                      "}, " + root + "}")
                .find("process.args"), std::string::npos);
  EXPECT_NE(load_with(R"({"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/", )"
                      R"("user": {"uid": -1, "gid": 0}}, )" + root + "}")
                .find("process.user.uid"), std::string::npos);
  EXPECT_NE(load_with(R"({"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/", )" +
                      user + "}}")
                .find("root: missing"), std::string::npos);

  ::unlink(dir.file("config.json").c_str());
  auto missing = load_bundle(dir.path());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind(), Errc::not_found);
}

// ---------------------------------------------------------------- processes

TEST(ChrootRuntimeTest, PipesCarryStdoutAndStderrApartAndTheExitCode) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  auto started = bundle.start(bundle.spec({"sh", "-c", "echo out; echo err >&2; exit 3"}));
  ASSERT_TRUE(started.has_value()) << started.error().what();
  EXPECT_GT(started->pid, 1);
  EXPECT_TRUE(started->pidfd.valid());
  EXPECT_FALSE(started->stdio.terminal);
  EXPECT_FALSE(started->stdio.stdin_fd.valid());
  EXPECT_EQ(read_from(started->stdio.stdout_fd.get()), "out\n");
  EXPECT_EQ(read_from(started->stdio.stderr_fd.get()), "err\n");

  pollfd p{started->pidfd.get(), POLLIN, 0};  // the engine waits like this
  EXPECT_EQ(::poll(&p, 1, 10000), 1);
  ExitStatus status = bundle.reap(started->pid);
  EXPECT_EQ(status.code, 3);
  EXPECT_FALSE(status.signaled);
}

TEST(ChrootRuntimeTest, KillReportsTheSignalAs128PlusIt) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  auto started = bundle.start(bundle.spec({"sleep", "100"}));
  ASSERT_TRUE(started.has_value()) << started.error().what();
  EXPECT_EQ(::kill(started->pid, 0), 0) << "should still be running";
  ASSERT_TRUE(bundle.runtime().kill(started->pid, SIGKILL).has_value());
  ExitStatus status = bundle.reap(started->pid);
  EXPECT_EQ(status.code, 137);
  EXPECT_TRUE(status.signaled);
}

TEST(ChrootRuntimeTest, StdinIsDevNullUnlessOpenStdin) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  // The test's own stdin becomes a pipe meanwhile: inheriting it would show.
  int saved_stdin = ::dup(0);
  int decoy[2];
  ASSERT_EQ(::pipe(decoy), 0);
  ::dup2(decoy[0], 0);
  auto closed = bundle.start(bundle.spec({"sleep", "100"}), /*open_stdin=*/false);
  ::dup2(saved_stdin, 0);
  for (int fd : {saved_stdin, decoy[0], decoy[1]}) ::close(fd);
  ASSERT_TRUE(closed.has_value()) << closed.error().what();
  EXPECT_FALSE(closed->stdio.stdin_fd.valid());
  EXPECT_EQ(fd_target(closed->pid, 0), "/dev/null");
  ASSERT_TRUE(bundle.runtime().kill(closed->pid, SIGKILL).has_value());
  bundle.reap(closed->pid);

  auto open = bundle.start(bundle.spec({"cat"}), /*open_stdin=*/true);
  ASSERT_TRUE(open.has_value()) << open.error().what();
  ASSERT_TRUE(open->stdio.stdin_fd.valid());
  EXPECT_EQ(fd_target(open->pid, 0).rfind("pipe:", 0), 0u) << fd_target(open->pid, 0);
  write_to(open->stdio.stdin_fd.get(), "hello\n");
  open->stdio.stdin_fd.reset();  // EOF for cat
  EXPECT_EQ(read_from(open->stdio.stdout_fd.get()), "hello\n");
  EXPECT_EQ(bundle.reap(open->pid).code, 0);
}

TEST(ChrootRuntimeTest, TerminalGivesThePtySlaveAsStdio) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  BundleSpec spec = bundle.spec({"sh", "-c", "[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; sleep 100"});
  spec.process.terminal = true;
  auto started = bundle.start(spec);
  ASSERT_TRUE(started.has_value()) << started.error().what();
  EXPECT_TRUE(started->stdio.terminal);
  EXPECT_FALSE(started->stdio.stderr_fd.valid());
  EXPECT_FALSE(started->stdio.stdin_fd.valid());  // no open_stdin

  // onlcr turns "\n" into "\r\n": the output really went through a tty.
  EXPECT_NE(read_from(started->stdio.stdout_fd.get(), "all-tty\r\n").find("all-tty\r\n"),
            std::string::npos);
  char name[64];
  ASSERT_EQ(::ptsname_r(started->stdio.stdout_fd.get(), name, sizeof name), 0);
  for (int fd = 0; fd < 3; ++fd) EXPECT_EQ(fd_target(started->pid, fd), name) << "fd " << fd;
  // It is the controlling terminal of the container's session (field 7, tty_nr).
  std::ifstream stat("/proc/" + std::to_string(started->pid) + "/stat");
  std::string stat_line((std::istreambuf_iterator<char>(stat)), {});
  std::string after_comm = stat_line.substr(stat_line.rfind(')') + 2);
  std::istringstream fields(after_comm);
  std::string state, ppid, pgrp, session, tty_nr;
  fields >> state >> ppid >> pgrp >> session >> tty_nr;
  struct stat slave {};
  ASSERT_EQ(::stat(name, &slave), 0);
  EXPECT_EQ(std::stoul(tty_nr), slave.st_rdev);
  EXPECT_EQ(std::stoi(session), started->pid) << "leads its own session";
  EXPECT_EQ(std::stoi(pgrp), started->pid) << "leads its own process group";

  ASSERT_TRUE(bundle.runtime().kill(started->pid, SIGKILL).has_value());
  EXPECT_EQ(bundle.reap(started->pid).code, 137);
}

TEST(ChrootRuntimeTest, TerminalInputReachesTheShellAndResizeIsSeen) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  // busybox's stty cannot print a 0x0 size: set one before each query.
  BundleSpec spec = bundle.spec(
      {"sh", "-c", "read first; stty size; read line; echo \"got:$line\"; stty size"});
  spec.process.terminal = true;
  auto started = bundle.start(spec, /*open_stdin=*/true);
  ASSERT_TRUE(started.has_value()) << started.error().what();
  ASSERT_TRUE(started->stdio.stdin_fd.valid());
  int master = started->stdio.stdout_fd.get();

  ASSERT_TRUE(bundle.runtime().resize(master, 40, 100).has_value());
  write_to(started->stdio.stdin_fd.get(), "\n");
  EXPECT_NE(read_from(master, "40 100\r\n").find("40 100\r\n"), std::string::npos);

  ASSERT_TRUE(bundle.runtime().resize(master, 50, 120).has_value());
  write_to(started->stdio.stdin_fd.get(), "hello\n");
  std::string out = read_from(master);  // to EOF: the shell exits
  // The typed "hello" is echoed by the tty; "got:hello" can only come from sh.
  EXPECT_NE(out.find("got:hello\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("50 120\r\n"), std::string::npos) << out;
  EXPECT_EQ(bundle.reap(started->pid).code, 0);
}

// The `tty` applet names its terminal only if the pty is visible in the
// rootfs: chapter 03 mounts devpts; here a test child with its own mount
// namespace bind-mounts the host's /dev/pts for the occasion.
TEST(ChrootRuntimeTest, TtyAppletNamesThePty) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  BundleSpec spec = bundle.spec({"tty"});
  spec.process.terminal = true;
  ASSERT_TRUE(write_bundle(bundle.dir(), spec).has_value());
  int report[2];
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {  // no gtest assertions here: report through the pipe
    std::string result = "SKIP: no private mount namespace with /dev/pts bound in";
    if (::unshare(CLONE_NEWNS) == 0 &&
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
        ::mount("/dev/pts", (bundle.rootfs() + "/dev/pts").c_str(), nullptr, MS_BIND, nullptr) == 0) {
      auto runtime = make_chroot_runtime();
      auto started = runtime->start("tty", bundle.dir(), false);
      if (started) {
        char name[64] = "?";
        ::ptsname_r(started->stdio.stdout_fd.get(), name, sizeof name);
        result = std::string(name) + "|" + read_from(started->stdio.stdout_fd.get());
        runtime->reap(started->pid);
      } else {
        result = started.error().what();
      }
    }
    [[maybe_unused]] ssize_t n = ::write(report[1], result.data(), result.size());
    ::_exit(0);
  }
  ::close(report[1]);
  std::string result = read_from(report[0]);
  ::close(report[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(helper, &status, 0), helper);
  if (result.rfind("SKIP: ", 0) == 0) GTEST_SKIP() << result.substr(6);
  auto bar = result.find('|');
  ASSERT_NE(bar, std::string::npos) << result;
  EXPECT_TRUE(std::regex_match(result.substr(0, bar), std::regex("/dev/pts/[0-9]+"))) << result;
  EXPECT_EQ(result.substr(bar + 1), result.substr(0, bar) + "\r\n");
}

TEST(ChrootRuntimeTest, CwdEnvUserAndGroups) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  ::setenv("GORAE_TEST_LEAK", "from-the-daemon", 1);
  BundleSpec spec = bundle.spec({"sh", "-c", "pwd; echo $FOO; id -u; id -g; id -G; echo ${GORAE_TEST_LEAK-unset}"});
  spec.process.cwd = "/work";
  spec.process.env.push_back("FOO=bar baz");
  spec.process.uid = 65534;
  spec.process.gid = 65533;
  spec.process.additional_gids = {1234};
  auto started = bundle.start(spec);
  ::unsetenv("GORAE_TEST_LEAK");
  ASSERT_TRUE(started.has_value()) << started.error().what();
  EXPECT_EQ(read_from(started->stdio.stdout_fd.get()), "/work\nbar baz\n65534\n65533\n65533 1234\nunset\n");
  EXPECT_EQ(read_from(started->stdio.stderr_fd.get()), "");
  EXPECT_EQ(bundle.reap(started->pid).code, 0);
}

TEST(ChrootRuntimeTest, TheProcessIsChrooted) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  ASSERT_EQ(::access("/etc/hostname", F_OK), 0) << "the host needs /etc/hostname for this test";
  auto started = bundle.start(bundle.spec(
      {"sh", "-c", "ls /; test -e /etc/hostname && echo host-visible || echo no-etc-hostname"}));
  ASSERT_TRUE(started.has_value()) << started.error().what();
  EXPECT_EQ(read_from(started->stdio.stdout_fd.get()), "bin\ndev\ntmp\nwork\nno-etc-hostname\n");
  EXPECT_EQ(bundle.reap(started->pid).code, 0);
}

TEST(ChrootRuntimeTest, MissingExecutableIsFoundInTheRootfsOrNotAtAll) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  // Absolute symlinks resolve inside the rootfs: /in-root-only exists only
  // there (busybox picks the applet by argv[0], so the link keeps its name)...
  fs::create_directories(bundle.rootfs() + "/in-root-only");
  fs::rename(bundle.rootfs() + "/bin/busybox", bundle.rootfs() + "/in-root-only/busybox");
  fs::remove(bundle.rootfs() + "/bin/echo");
  fs::create_symlink("/in-root-only/busybox", bundle.rootfs() + "/bin/echo");
  // ...and /usr/bin/env exists on the host only.
  ASSERT_EQ(::access("/usr/bin/env", X_OK), 0);
  fs::create_symlink("/usr/bin/env", bundle.rootfs() + "/bin/host-env");

  for (const char* name : {"nonexistent", "true" /* on the host's PATH only */, "host-env"}) {
    auto started = bundle.start(bundle.spec({name}));
    ASSERT_FALSE(started.has_value()) << name;
    EXPECT_EQ(started.error().what(),
              "exec: \"" + std::string(name) + "\": executable file not found in $PATH");
    EXPECT_EQ(started.error().kind(), Errc::invalid_argument);
  }
  auto absolute = bundle.start(bundle.spec({"/bin/nope"}));
  ASSERT_FALSE(absolute.has_value());
  EXPECT_EQ(absolute.error().code(), std::errc::no_such_file_or_directory);
  EXPECT_NE(absolute.error().what().find("exec: \"/bin/nope\": stat /bin/nope"), std::string::npos);

  auto ok = bundle.start(bundle.spec({"echo", "fine"}));
  ASSERT_TRUE(ok.has_value()) << ok.error().what();
  EXPECT_EQ(read_from(ok->stdio.stdout_fd.get()), "fine\n");
  EXPECT_EQ(bundle.reap(ok->pid).code, 0);
}

TEST(ChrootRuntimeTest, BadCwdAndExecFailuresComeFromTheChild) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  BundleSpec spec = bundle.spec({"pwd"});
  spec.process.cwd = "/nope";
  auto started = bundle.start(spec);
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(started.error().what(),
            "chdir to cwd (\"/nope\") set in config.json failed: no such file or directory");

  // Executable bits but no ELF and no #!: the lookup passes, execve says no.
  std::ofstream(bundle.rootfs() + "/bin/garbage") << "not a program\n";
  fs::permissions(bundle.rootfs() + "/bin/garbage", fs::perms(0755));
  auto bad_exec = bundle.start(bundle.spec({"garbage"}));
  ASSERT_FALSE(bad_exec.has_value());
  EXPECT_EQ(bad_exec.error().code(), std::errc::executable_format_error);
  EXPECT_NE(bad_exec.error().what().find("exec /bin/garbage"), std::string::npos)
      << bad_exec.error().what();
}

TEST(ChrootRuntimeTest, KillTakesDownTheWholeProcessGroup) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  auto started = bundle.start(bundle.spec({"sh", "-c", "sleep 100 & echo $!; wait"}));
  ASSERT_TRUE(started.has_value()) << started.error().what();
  std::string line = read_from(started->stdio.stdout_fd.get(), "\n");
  pid_t background = std::stoi(line);
  ASSERT_GT(background, 1);
  char state = process_state(background);
  EXPECT_TRUE(state == 'S' || state == 'R') << "the background sleep should run: " << state;

  ASSERT_TRUE(bundle.runtime().kill(started->pid, SIGKILL).has_value());
  EXPECT_EQ(bundle.reap(started->pid).code, 137);
  // The orphaned sleep is reaped by init (or lingers as a zombie if the test
  // runs under a pid 1 that does not reap): either way it must not run.
  auto dead = [&] { return process_state(background) == 0 || process_state(background) == 'Z'; };
  for (int i = 0; i < 100 && !dead(); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(dead()) << "background sleep " << background << " survived the kill";
  if (!dead()) ::kill(background, SIGKILL);
}

// The daemon blocks and ignores signals of its own, and holds descriptors
// that other threads opened without O_CLOEXEC: none of it may reach the
// container, or `docker stop` could not stop it.
TEST(ChrootRuntimeTest, StartsWithCleanSignalsAndOnlyStdio) {
  REQUIRE_ROOT_AND_BUSYBOX();
  NoLeaks no_leaks;
  Bundle bundle;
  sigset_t term, old_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &old_mask), 0);
  auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
  int stray = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, on purpose
  auto started = bundle.start(bundle.spec({"sleep", "100"}));
  ::close(stray);
  ::signal(SIGPIPE, old_pipe);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_TRUE(started.has_value()) << started.error().what();

  std::ifstream status("/proc/" + std::to_string(started->pid) + "/status");
  std::string line, blocked, ignored;
  while (std::getline(status, line)) {
    if (line.rfind("SigBlk:", 0) == 0) blocked = line.substr(line.find_first_not_of(" \t", 7));
    if (line.rfind("SigIgn:", 0) == 0) ignored = line.substr(line.find_first_not_of(" \t", 7));
  }
  EXPECT_EQ(blocked, "0000000000000000");
  EXPECT_EQ(ignored, "0000000000000000");
  std::vector<std::string> fds;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(started->pid) + "/fd"))
    fds.push_back(entry.path().filename().string());
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2"}));

  ASSERT_TRUE(bundle.runtime().kill(started->pid, SIGTERM).has_value());
  pollfd p{started->pidfd.get(), POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) {
    ADD_FAILURE() << "SIGTERM did not end the container";
    ::kill(started->pid, SIGKILL);
  }
  ExitStatus exit = bundle.reap(started->pid);
  EXPECT_EQ(exit.code, 128 + SIGTERM);
  EXPECT_TRUE(exit.signaled);
}

TEST(ChrootRuntimeTest, KillRefusesPidsThatMeanEveryone) {
  auto runtime = make_chroot_runtime();
  // Signal 0 only probes, so a broken guard would not hurt anyone here.
  for (pid_t pid : {0, 1, -1, -42}) {
    auto status = runtime->kill(pid, 0);
    ASSERT_FALSE(status.has_value()) << pid;
    EXPECT_EQ(status.error().kind(), Errc::invalid_argument);
  }
}

}  // namespace
}  // namespace gorae::runtime
