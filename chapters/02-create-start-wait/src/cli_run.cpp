// gorae run, create, start and attach. run follows the docker CLI's order:
// create → attach (101, before start) → wait (head read before start) →
// start → stream → wait body → exit with the container's status code.
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "cli_internal.hpp"

namespace gorae::cli::detail {
namespace {

using nlohmann::json;

struct CreateOptions {
  bool detach = false, interactive = false, tty = false, remove = false;
  std::string name, workdir, user, entrypoint, hostname;
  CLI::Option* entrypoint_option = nullptr;
  std::vector<std::string> env;
  std::vector<std::string> words;  // IMAGE [COMMAND [ARG...]]
  std::vector<std::unique_ptr<CreateFlags>> extra;  // later chapters' flags
};

// `-e`, `--name`, ... then everything from the image on belongs to the
// container: `gorae run busybox sh -c 'exit 7'` must not read `-c`.
void add_create_options(CLI::App* command, CreateOptions& options,
                        const std::vector<CreateFlagsFactory>& extra_flags) {
  command->prefix_command();
  command->set_help_flag("--help", "Print usage");  // -h is --hostname, as in docker
  command->add_flag("-i,--interactive", options.interactive, "Keep STDIN open even if not attached");
  command->add_flag("-t,--tty", options.tty, "Allocate a pseudo-TTY");
  command->add_flag("--rm", options.remove, "Remove the container when it exits");
  command->add_option("--name", options.name, "Assign a name to the container");
  command->add_option("-e,--env", options.env, "Set environment variables")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  command->add_option("-w,--workdir", options.workdir, "Working directory inside the container");
  command->add_option("-u,--user", options.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  command->add_option("-h,--hostname", options.hostname, "Container host name");
  options.entrypoint_option =
      command->add_option("--entrypoint", options.entrypoint, "Overwrite the default ENTRYPOINT");
  for (const auto& make : extra_flags) {
    options.extra.push_back(make());
    options.extra.back()->add_to(*command);
  }
}

// `-e NAME` without a value takes NAME from our environment, as docker does.
json environment(const std::vector<std::string>& entries) {
  json env = json::array();
  for (const auto& entry : entries) {
    const char* value = entry.find('=') == std::string::npos ? std::getenv(entry.c_str()) : nullptr;
    env.push_back(value ? entry + "=" + value : entry);
  }
  return env;
}

json create_body(const CreateOptions& options, bool for_run) {
  const std::string& image = options.words.at(0);
  std::vector<std::string> cmd(options.words.begin() + 1, options.words.end());
  bool attach = !(for_run && options.detach);
  json entrypoint = nullptr;
  if (!options.entrypoint.empty()) entrypoint = json::array({options.entrypoint});
  else if (options.entrypoint_option->count() > 0) entrypoint = json::array({""});
  json host = {{"AutoRemove", options.remove}};
  if (options.tty) host["ConsoleSize"] = console_size();
  json body{{"Hostname", options.hostname},
              {"Domainname", ""},
              {"User", options.user},
              {"AttachStdin", attach && options.interactive},
              {"AttachStdout", attach},
              {"AttachStderr", attach},
              {"Tty", options.tty},
              {"OpenStdin", options.interactive},
              // An attached -i hands stdin over once: our EOF closes the container's.
              {"StdinOnce", attach && options.interactive},
              {"Env", environment(options.env)},
              {"Cmd", cmd.empty() ? json(nullptr) : json(cmd)},
              {"Image", image},
              {"WorkingDir", options.workdir},
              {"Entrypoint", entrypoint},
              {"Labels", json::object()},
              {"HostConfig", host}};
  for (const auto& flags : options.extra) flags->apply(body);
  return body;
}

// reference.FamiliarString: the name as docker shows it, with its tag.
std::string familiar_name(std::string image) {
  for (const char* prefix : {"docker.io/library/", "docker.io/"})
    if (image.rfind(prefix, 0) == 0) image.erase(0, std::string(prefix).size());
  auto slash = image.rfind('/');
  auto colon = image.rfind(':');
  bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!tagged && image.find('@') == std::string::npos) image += ":latest";
  return image;
}

// How docker run ends on a daemon error: 127 when the command cannot be
// found, 126 when it cannot be run, 125 for everything else.
Failure run_failure(const std::string& message) {
  int code = 125;
  if (message.find("executable file not found") != std::string::npos ||
      message.find("no such file or directory") != std::string::npos)
    code = 127;
  else if (message.find("permission denied") != std::string::npos ||
           message.find("is a directory") != std::string::npos)
    code = 126;
  return Failure(code, "gorae: " + message + "\n\nRun 'gorae run --help' for more information");
}

std::string create_container(Context& context, const CreateOptions& options, bool for_run) {
  auto fail = [&](const std::string& message) {
    return for_run ? run_failure(message) : Failure(1, message);
  };
  if (options.words.empty())
    throw Failure(for_run ? 125 : 1, std::string("gorae: '") + (for_run ? "run" : "create") +
                                         "' requires at least 1 argument");
  if (options.words[0].rfind('-', 0) == 0) throw fail("unknown flag: " + options.words[0]);
  std::string target = "/containers/create";
  if (!options.name.empty()) target += "?name=" + escape(options.name);
  auto client = context.connect();
  auto response = client.request("POST", target, create_body(options, for_run).dump());
  if (!response) throw fail("error during connect: " + response.error().what());
  // No registry to pull from yet: say what docker says before its pull.
  if (response->status == 404)
    context.err << "Unable to find image '" << familiar_name(options.words[0]) << "' locally\n";
  if (response->status >= 400)
    throw fail("Error response from daemon: " + daemon_message(*response));
  auto body = json::parse(response->body, nullptr, false);
  if (!body.is_object() || !body.contains("Id"))
    throw fail("the daemon's create answer has no Id: " + response->body);
  if (body.contains("Warnings") && body["Warnings"].is_array())
    for (const auto& warning : body["Warnings"])
      if (warning.is_string()) context.err << "WARNING: " << warning.get<std::string>() << "\n";
  return body["Id"].get<std::string>();
}

// POST /attach with Upgrade: tcp. Without stdin we half-close at once, as
// the docker CLI does; the daemon keeps sending.
http::Client::Upgraded attach(Context& context, const std::string& id, bool with_stdin) {
  std::string target = "/containers/" + id + "/attach?stderr=1" +
                       (with_stdin ? "&stdin=1" : "") + "&stdout=1&stream=1";
  auto client = context.connect();
  auto upgraded = client.upgrade("POST", target);
  if (!upgraded) throw Failure(1, "error attaching: " + upgraded.error().what());
  if (!upgraded->connection.valid())
    throw Failure(1, "Error response from daemon: " + daemon_message(upgraded->head));
  if (!with_stdin) ::shutdown(upgraded->connection.get(), SHUT_WR);
  return std::move(*upgraded);
}

// The /wait request goes out, and its head comes back, before /start: the
// daemon then knows we wait for the exit that start is about to cause.
http::Client begin_wait(Context& context, const std::string& id, const std::string& condition) {
  auto client = context.connect();
  std::string target = "/containers/" + id + "/wait";
  if (!condition.empty()) target += "?condition=" + condition;
  auto head = client.request_head("POST", target);
  if (!head) throw Failure(1, "error waiting for container: " + head.error().what());
  if (head->status >= 400) {
    head->body = read_body(client);
    throw Failure(1, "Error response from daemon: " + daemon_message(*head));
  }
  return client;
}

// Start, or the daemon's reason why not.
std::optional<std::string> start_container(Context& context, const std::string& id) {
  auto client = context.connect();
  auto response = client.request("POST", "/containers/" + id + "/start");
  if (!response) return "error during connect: " + response.error().what();
  if (response->status >= 400) return "Error response from daemon: " + daemon_message(*response);
  return std::nullopt;
}

int attached_run(Context& context, http::Client::Upgraded& attached, http::Client& waiter,
                 const StreamSetup& setup) {
  stream_attached(context, attached.connection.get(), std::move(attached.early_output), setup);
  attached.connection.reset();
  return wait_status(read_body(waiter));
}

int run(Context& context, const CreateOptions& options) {
  bool attach_output = !options.detach;
  if (attach_output && options.interactive && options.tty && !::isatty(STDIN_FILENO))
    throw Failure(1, "the input device is not a TTY");
  std::string id = create_container(context, options, /*for_run=*/true);
  // Detached, docker prints the ID before it starts: also when start fails.
  if (!attach_output) context.out << id << std::endl;
  std::optional<http::Client::Upgraded> attached;
  if (attach_output) attached = attach(context, id, options.interactive);
  auto waiter = begin_wait(context, id, options.remove ? "removed" : "next-exit");
  if (auto error = start_container(context, id)) {
    attached.reset();
    // dockerd removes an AutoRemove container whose start failed; make
    // sure of it, so that a failed `run --rm` leaves nothing behind.
    if (options.remove) {
      try {
        context.call("DELETE", "/containers/" + id + "?force=1");
      } catch (const Failure&) {
      }
    }
    throw run_failure(*error);
  }
  if (!attach_output) return 0;
  StreamSetup setup{id, options.tty, options.interactive, options.tty && ::isatty(STDOUT_FILENO)};
  return attached_run(context, *attached, waiter, setup);
}

struct StartOptions {
  bool attach = false, interactive = false;
  std::vector<std::string> containers;
};

int start(Context& context, const StartOptions& options) {
  if (!options.attach && !options.interactive) {
    std::vector<std::string> failed;
    for (const auto& name : options.containers) {
      if (auto error = start_container(context, escape(name))) {
        context.err << *error << "\n";
        failed.push_back(name);
        continue;
      }
      context.out << name << "\n";
    }
    if (failed.empty()) return 0;
    std::string list;
    for (const auto& name : failed) list += (list.empty() ? "" : ", ") + name;
    throw Failure(1, "Error: failed to start containers: " + list);
  }
  if (options.containers.size() > 1)
    throw Failure(1, "Error: you cannot start and attach multiple containers at once");
  auto info = inspect_container(context, options.containers[0]);
  std::string id = info.value("Id", "");
  json config = info.value("Config", json::object());
  bool tty = config.value("Tty", false);
  bool with_stdin = options.interactive && config.value("OpenStdin", false);
  bool auto_remove = info.value("HostConfig", json::object()).value("AutoRemove", false);
  auto attached = attach(context, id, with_stdin);
  auto waiter = begin_wait(context, id, auto_remove ? "removed" : "next-exit");
  if (auto error = start_container(context, id)) throw Failure(1, *error);
  StreamSetup setup{id, tty, with_stdin, tty && ::isatty(STDOUT_FILENO)};
  return attached_run(context, attached, waiter, setup);
}

int attach_command(Context& context, const std::string& name, bool no_stdin) {
  auto info = inspect_container(context, name);
  std::string id = info.value("Id", "");
  if (!info.value("State", json::object()).value("Running", false))
    throw Failure(1, "You cannot attach to a stopped container, start it first");
  json config = info.value("Config", json::object());
  bool tty = config.value("Tty", false);
  bool with_stdin = !no_stdin && config.value("OpenStdin", false);
  auto attached = attach(context, id, with_stdin);
  auto waiter = begin_wait(context, id, "");
  StreamSetup setup{id, tty, with_stdin, tty && ::isatty(STDOUT_FILENO)};
  return attached_run(context, attached, waiter, setup);
}

// A non-zero status ends gorae with that status and no message.
void exit_with(int status) {
  if (status != 0) throw Failure(status, "");
}

}  // namespace

void install_run_commands(CLI::App& app, Context& context,
                          const std::vector<CreateFlagsFactory>& extra_flags) {
  auto run_options = std::make_shared<CreateOptions>();
  auto* run_command = app.add_subcommand("run", "Create and run a new container from an image");
  add_create_options(run_command, *run_options, extra_flags);
  run_command->add_flag("-d,--detach", run_options->detach,
                        "Run container in background and print container ID");
  run_command->callback([&context, run_options, run_command] {
    run_options->words = run_command->remaining();
    exit_with(run(context, *run_options));
  });

  auto create_options = std::make_shared<CreateOptions>();
  auto* create_command = app.add_subcommand("create", "Create a new container");
  add_create_options(create_command, *create_options, extra_flags);
  create_command->callback([&context, create_options, create_command] {
    create_options->words = create_command->remaining();
    context.out << create_container(context, *create_options, /*for_run=*/false) << "\n";
  });

  auto start_options = std::make_shared<StartOptions>();
  auto* start_command = app.add_subcommand("start", "Start one or more stopped containers");
  start_command->add_flag("-a,--attach", start_options->attach,
                          "Attach STDOUT/STDERR and forward signals");
  start_command->add_flag("-i,--interactive", start_options->interactive,
                          "Attach container's STDIN");
  start_command->add_option("CONTAINER", start_options->containers)->required();
  start_command->callback([&context, start_options] { exit_with(start(context, *start_options)); });

  auto attach_name = std::make_shared<std::string>();
  auto no_stdin = std::make_shared<bool>(false);
  auto* attach_sub = app.add_subcommand(
      "attach", "Attach local standard input, output, and error streams to a running container");
  attach_sub->add_flag("--no-stdin", *no_stdin, "Do not attach STDIN");
  attach_sub->add_option("CONTAINER", *attach_name)->required();
  attach_sub->callback([&context, attach_name, no_stdin] {
    exit_with(attach_command(context, *attach_name, *no_stdin));
  });
}

}  // namespace gorae::cli::detail
