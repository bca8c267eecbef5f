// gorae stop, kill, restart, rm, rename and wait. Like docker: each acts on
// every container named, prints the name it was given when it worked, and
// reports the failures together at the end (exit status 1).
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <ostream>

#include "cli_internal.hpp"

namespace gorae::cli::detail {
namespace {

struct Options {
  std::vector<std::string> containers;
  std::optional<int> timeout;
  std::string signal;
  bool force = false, volumes = false;
};

bool is_not_found(const std::string& message) {
  return message.rfind("Error response from daemon: No such container", 0) == 0;
}

// Runs `act` on each container; prints it, or keeps the error for the end.
// With `ignore_missing` (rm -f) a missing container is only mentioned.
void for_each_container(Context& context, const std::vector<std::string>& containers,
                        const std::function<std::string(const std::string&)>& act,
                        bool ignore_missing = false) {
  std::string errors;
  for (const auto& name : containers) {
    try {
      std::string printed = act(name);
      if (!printed.empty()) context.out << printed << "\n";
    } catch (const Failure& failure) {
      std::string message = failure.what();
      if (ignore_missing && is_not_found(message)) {
        context.err << message << "\n";
        continue;
      }
      errors += (errors.empty() ? "" : "\n") + message;
    }
  }
  context.out.flush();
  if (!errors.empty()) throw Failure(1, errors);
}

std::string timeout_query(const Options& options) {
  return options.timeout ? "?t=" + std::to_string(*options.timeout) : "";
}

// A command that acts on each CONTAINER given: `target` is the request's
// path after /containers/NAME, `ignore_missing` is rm -f's leniency.
using Target = std::function<std::string(const Options&)>;
CLI::App* add_each(CLI::App& app, Context& context, const char* name, const char* help,
                   const std::string& method, Target target,
                   const std::shared_ptr<Options>& options) {
  auto* command = app.add_subcommand(name, help);
  command->add_option("CONTAINER", options->containers)->required();
  command->callback([&context, options, method, target] {
    std::string suffix = target(*options);
    for_each_container(
        context, options->containers,
        [&](const std::string& container) {
          context.call(method, "/containers/" + escape(container) + suffix);
          return container;
        },
        /*ignore_missing=*/method == "DELETE" && options->force);
  });
  return command;
}

void add_wait(CLI::App& app, Context& context) {
  auto options = std::make_shared<Options>();
  auto* wait = app.add_subcommand("wait", "Block until containers stop, then print their exit codes");
  wait->add_option("CONTAINER", options->containers)->required();
  wait->callback([&context, options] {
    for_each_container(context, options->containers, [&](const std::string& name) {
      try {
        return std::to_string(
            wait_status(context.call("POST", "/containers/" + escape(name) + "/wait").body));
      } catch (const Failure& failure) {
        throw Failure(1, failure.what());  // docker wait ends with 1, whatever the cause
      }
    });
  });
}

void add_rename(CLI::App& app, Context& context) {
  auto names = std::make_shared<std::pair<std::string, std::string>>();
  auto* rename = app.add_subcommand("rename", "Rename a container");
  rename->add_option("CONTAINER", names->first)->required();
  rename->add_option("NEW_NAME", names->second)->required();
  rename->callback([&context, names] {
    const auto& [old_name, new_name] = *names;
    if (old_name.empty() || new_name.empty())
      throw Failure(1, "Error: neither old nor new names may be empty");
    try {
      context.call("POST", "/containers/" + escape(old_name) + "/rename?name=" + escape(new_name));
    } catch (const Failure& failure) {
      context.err << failure.what() << "\n";
      throw Failure(1, "Error: failed to rename container named " + old_name);
    }
  });
}

}  // namespace

void install_lifecycle_commands(CLI::App& app, Context& context) {
  const char* timeout_help = "Seconds to wait before killing the container";
  auto stop = std::make_shared<Options>();
  add_each(app, context, "stop", "Stop one or more running containers", "POST",
           [](const Options& o) { return "/stop" + timeout_query(o); }, stop)
      ->add_option("-t,--timeout,--time", stop->timeout, timeout_help);

  auto restart = std::make_shared<Options>();
  add_each(app, context, "restart", "Restart one or more containers", "POST",
           [](const Options& o) { return "/restart" + timeout_query(o); }, restart)
      ->add_option("-t,--timeout,--time", restart->timeout, timeout_help);

  auto kill = std::make_shared<Options>();
  add_each(app, context, "kill", "Kill one or more running containers", "POST",
           [](const Options& o) {
             return "/kill" + (o.signal.empty() ? "" : "?signal=" + escape(o.signal));
           },
           kill)
      ->add_option("-s,--signal", kill->signal, "Signal to send to the container");

  auto rm = std::make_shared<Options>();
  auto* rm_command = add_each(
      app, context, "rm", "Remove one or more containers", "DELETE",
      [](const Options& o) {
        std::string query = o.force ? "force=1" : "";
        if (o.volumes) query += std::string(query.empty() ? "" : "&") + "v=1";
        return query.empty() ? query : "?" + query;
      },
      rm);
  rm_command->add_flag("-f,--force", rm->force, "Force the removal of a running container");
  rm_command->add_flag("-v,--volumes", rm->volumes, "Remove anonymous volumes");

  add_wait(app, context);
  add_rename(app, context);
}

}  // namespace gorae::cli::detail
