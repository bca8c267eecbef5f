#include "gorae/daemon/daemon.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "gorae/base/build_info.hpp"
#include "gorae/base/log.hpp"
#include "gorae/daemon/state_files.hpp"
#include "gorae/http/host_uri.hpp"
#include "gorae/http/listener.hpp"
#include "gorae/http/socket_activation.hpp"

namespace gorae::daemon {
namespace {

// Removes the socket files of the listeners we created, whatever happens
// after they were opened.
class SocketFiles {
 public:
  void add(const std::string& path) {
    if (!path.empty()) paths_.push_back(path);
  }
  ~SocketFiles() {
    for (const auto& path : paths_) ::unlink(path.c_str());
  }

 private:
  std::vector<std::string> paths_;
};

Result<std::vector<http::Listener>> open_listeners(std::vector<std::string> hosts,
                                                   SocketFiles& files) {
  if (hosts.empty()) hosts.push_back("unix://" + std::string(http::kDefaultSocketPath));
  std::vector<http::Listener> listeners;
  std::optional<std::vector<int>> activated;  // taken once, on the first fd:// host
  for (const auto& text : hosts) {
    GORAE_ASSIGN_OR_RETURN(auto uri, http::parse_host_uri(text));
    if (uri.kind == http::HostUri::Kind::unix_socket) {
      GORAE_ASSIGN_OR_RETURN(auto listener, http::listen_unix(uri.path));
      files.add(listener.socket_path);
      listeners.push_back(std::move(listener));
      continue;
    }
    if (!activated) {
      GORAE_ASSIGN_OR_RETURN(activated, http::take_activated_fds());
    }
    GORAE_ASSIGN_OR_RETURN(auto fds, http::select_activated_fds(*activated, uri.fd));
    for (int fd : fds) {
      GORAE_ASSIGN_OR_RETURN(auto listener, http::adopt_listening_fd(fd));
      listeners.push_back(std::move(listener));
    }
  }
  return listeners;
}

// Creates a root directory and returns its absolute, symlink-free path, as
// dockerd reports DockerRootDir.
Result<std::string> make_root(const std::string& path, std::filesystem::perms perms) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return fail(Errc::system, "create " + path + ": " + ec.message());
  std::filesystem::permissions(path, perms, ec);
  auto canonical = std::filesystem::canonical(path, ec);
  if (ec) return fail(Errc::system, "resolve " + path + ": " + ec.message());
  return canonical.string();
}

// Where large request bodies are written (dockerd's DATA_ROOT/tmp). Their
// files have no name, but a fallback's file may outlive a crash between its
// creation and its unlink: what a previous run left is removed.
Result<std::string> make_spool_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return fail(Errc::system, "clean " + path + ": " + ec.message());
  return make_root(path, std::filesystem::perms::owner_all);
}

// Checks every -H before anything is created on disk.
Status validate_hosts(const std::vector<std::string>& hosts) {
  for (const auto& text : hosts) {
    GORAE_ASSIGN_OR_RETURN(auto uri, http::parse_host_uri(text));
    if (uri.kind == http::HostUri::Kind::tcp)
      return fail(Errc::invalid_argument,
                  text + ": TCP listeners come with mutual TLS in chapter 07 (tls-remote)");
  }
  return {};
}

// SIGINT and SIGTERM are blocked in every thread and taken by sigwait() on
// one thread, so no handler ever runs in the middle of Asio code.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

Status run(const Options& given, const std::vector<Installer>& installers,
           const std::function<void(std::function<void()>)>& on_ready) {
  using std::filesystem::perms;
  GORAE_TRY(validate_hosts(given.hosts));
  Options options = given;
  GORAE_ASSIGN_OR_RETURN(options.data_root,
                         make_root(given.data_root,
                                   perms::owner_all | perms::group_exec | perms::others_exec));
  GORAE_ASSIGN_OR_RETURN(options.exec_root, make_root(given.exec_root, perms::owner_all));
  GORAE_ASSIGN_OR_RETURN(auto pidfile, Pidfile::create(options.pidfile));
  GORAE_ASSIGN_OR_RETURN(auto id, load_or_create_engine_id(options.data_root));
  if (options.server.spool_dir.empty()) {
    GORAE_ASSIGN_OR_RETURN(options.server.spool_dir, make_spool_dir(options.data_root + "/tmp"));
  }

  api::Router router;
  auto system = std::make_shared<api::SystemInfo>(
      api::read_host_facts(),
      api::DaemonFacts{id, options.data_root, log::level() == log::Level::debug});
  api::install_system_routes(router, system);
  Context context{options, router, *system};
  for (const auto& install : installers) GORAE_TRY(install(context));

  SocketFiles files;
  GORAE_ASSIGN_OR_RETURN(auto listeners, open_listeners(options.hosts, files));
  http::Server server(router, options.server);
  for (auto& listener : listeners) {
    GORAE_LOG_INFO("API listen on %s", listener.description.c_str());
    GORAE_TRY(server.add_listener(std::move(listener)));
  }
  on_ready([&server] { server.stop(); });
  server.run();
  return {};
}

int main(int argc, char** argv, std::string_view program,
         const std::vector<Installer>& installers, const std::vector<FlagInstaller>& flags) {
  Options options;
  CLI::App app("The gorae daemon: serves the Docker Engine API on its sockets.",
               std::string(program));
  app.add_option("-H,--host", options.hosts,
                 "Where to listen: unix:///path (several allowed) or fd://[N] for systemd "
                 "socket activation [default: unix:///run/gorae.sock]")
      ->type_name("URI");
  app.add_option("--data-root", options.data_root, "Persistent state")->capture_default_str();
  app.add_option("--exec-root", options.exec_root, "Runtime state")->capture_default_str();
  app.add_option("-p,--pidfile", options.pidfile, "Where to write the daemon's pid")
      ->capture_default_str();
  app.add_option("-l,--log-level", options.log_level, "debug, info, warn or error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "warning", "error", "fatal"}));
  app.add_option("--api-threads", options.server.threads,
                 "Threads serving the API; 0 means one per CPU")
      ->capture_default_str();
  bool show_version = false;
  app.add_flag("-v,--version", show_version, "Print the version and exit");
  for (const FlagInstaller& add_flags : flags) add_flags(app);
  CLI11_PARSE(app, argc, argv);
  if (show_version) {
    std::cout << program << " version " << build_info::kVersion << ", build "
              << build_info::kGitCommit << "\n";
    return 0;
  }
  log::Level level;
  log::parse_level(options.log_level, level);
  log::set_level(level);

  sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::thread waiter;
  std::atomic<bool> signalled{false};
  auto status = run(options, installers, [&](std::function<void()> stop) {
    waiter = std::thread([signals, stop, &signalled] {
      int received = 0;
      sigwait(&signals, &received);
      signalled = true;
      GORAE_LOG_INFO("received %s; finishing in-flight requests", strsignal(received));
      stop();
    });
  });
  if (waiter.joinable()) {
    // Wake the waiter if the server returned for another reason.
    if (!signalled) pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  }
  if (!status) {
    GORAE_LOG_ERROR("%s", status.error().what().c_str());
    return 1;
  }
  GORAE_LOG_INFO("%s stopped", std::string(program).c_str());
  return 0;
}

}  // namespace gorae::daemon
