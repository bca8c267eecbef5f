// gorae volume create, ls, inspect, rm and prune, printed as the docker CLI
// prints them (cli/command/volume).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli_image_internal.hpp"
#include "gorae/cli/table.hpp"
#include "gorae/cli/volume_commands.hpp"

namespace gorae::cli {
namespace {

using nlohmann::json;

struct Options {
  std::string name, driver = "local";
  std::vector<std::string> names, labels, driver_options, filters;
  bool quiet = false, force = false, all = false;
};

// KEY=VALUE flags into a JSON map; a bare KEY is KEY="" (docker's ListOpts).
json pairs(const std::vector<std::string>& values) {
  json map = json::object();
  for (const auto& value : values) {
    auto equals = value.find('=');
    map[value.substr(0, equals)] = equals == std::string::npos ? "" : value.substr(equals + 1);
  }
  return map;
}

// --filter name=value, in the API's {"name":{"value":true}} form.
std::string filters_query(const std::vector<std::string>& filters, json extra = json::object()) {
  for (const auto& filter : filters) {
    auto equals = filter.find('=');
    if (equals == std::string::npos)
      throw Failure(1, "invalid argument \"" + filter + "\" for \"-f, --filter\" flag: bad format of filter (expected name=value)");
    extra[filter.substr(0, equals)][filter.substr(equals + 1)] = true;
  }
  return extra.empty() ? "" : "?filters=" + escape(extra.dump());
}

void create(Context& context, const Options& options) {
  json body = {{"Name", options.name}, {"Driver", options.driver}, {"DriverOpts", pairs(options.driver_options)},
               {"Labels", pairs(options.labels)}};
  json volume = json::parse(context.call("POST", "/volumes/create", body.dump()).body, nullptr, false);
  context.out << volume.value("Name", "") << "\n";
}

void list(Context& context, const Options& options) {
  json answer = json::parse(context.call("GET", "/volumes" + filters_query(options.filters)).body, nullptr, false);
  std::vector<std::pair<std::string, std::string>> volumes;  // name, driver
  for (const auto& volume : answer.value("Volumes", json::array()))
    volumes.emplace_back(volume.value("Name", ""), volume.value("Driver", ""));
  std::sort(volumes.begin(), volumes.end());
  if (options.quiet) {
    for (const auto& [name, driver] : volumes) context.out << name << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"DRIVER", "VOLUME NAME"}};
  for (const auto& [name, driver] : volumes) rows.push_back({driver, name});
  print_table(context.out, rows);
}

void inspect(Context& context, const Options& options) {
  json found = json::array();
  std::string errors;
  for (const auto& name : options.names) {
    try {
      found.push_back(json::parse(context.call("GET", "/volumes/" + escape(name)).body));
    } catch (const Failure& failure) {
      errors += (errors.empty() ? "" : "\n") + std::string(failure.what());
    }
  }
  context.out << found.dump(4) << "\n";
  if (!errors.empty()) throw Failure(1, errors);
}

// Every volume is tried; the failures are reported together, as docker does.
void remove(Context& context, const Options& options) {
  std::string errors;
  for (const auto& name : options.names) {
    try {
      context.call("DELETE", "/volumes/" + escape(name) + (options.force ? "?force=1" : ""));
      context.out << name << "\n";
    } catch (const Failure& failure) {
      errors += (errors.empty() ? "" : "\n") + std::string(failure.what());
    }
  }
  context.out.flush();
  if (!errors.empty()) throw Failure(1, errors);
}

void prune(Context& context, const Options& options) {
  // gorae speaks API 1.41, where a prune takes every unused volume (the
  // docker CLI warns the same way against such a daemon).
  if (!options.force) {
    context.out << "WARNING! This will remove all local volumes not used by at least one container.\n"
                   "Are you sure you want to continue? [y/N] ";
    context.out.flush();
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y") return;
  }
  json extra = options.all ? json{{"all", {{"true", true}}}} : json::object();
  json report = json::parse(context.call("POST", "/volumes/prune" + filters_query(options.filters, extra)).body,
                            nullptr, false);
  const json& deleted = report.value("VolumesDeleted", json());
  if (deleted.is_array() && !deleted.empty()) {
    context.out << "Deleted Volumes:\n";
    for (const auto& name : deleted) context.out << name.get<std::string>() << "\n";
    context.out << "\n";
  }
  context.out << "Total reclaimed space: " << image_detail::human_size_4(report.value("SpaceReclaimed", 0.0)) << "\n";
}

template <class Run>
CLI::App* command(CLI::App& parent, Context& context, const char* name, const char* help,
                  const std::shared_ptr<Options>& options, Run run) {
  auto* sub = parent.add_subcommand(name, help);
  sub->callback([&context, options, run] { run(context, *options); });
  return sub;
}

}  // namespace

void install_volume_commands(CLI::App& app, Context& context) {
  auto* volume = app.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);

  auto options = std::make_shared<Options>();
  auto* sub = command(*volume, context, "create", "Create a volume", options, create);
  sub->add_option("VOLUME", options->name);
  sub->add_option("-d,--driver", options->driver, "Specify volume driver name");
  sub->add_option("--label", options->labels, "Set metadata for a volume")->allow_extra_args(false);
  sub->add_option("-o,--opt", options->driver_options, "Set driver specific options")->allow_extra_args(false);

  options = std::make_shared<Options>();
  sub = command(*volume, context, "ls", "List volumes", options, list);
  sub->alias("list");
  sub->add_flag("-q,--quiet", options->quiet, "Only display volume names");
  sub->add_option("-f,--filter", options->filters, "Provide filter values (e.g. \"dangling=true\")")
      ->allow_extra_args(false);

  options = std::make_shared<Options>();
  sub = command(*volume, context, "inspect", "Display detailed information on one or more volumes", options, inspect);
  sub->add_option("VOLUME", options->names)->required();

  options = std::make_shared<Options>();
  sub = command(*volume, context, "rm", "Remove one or more volumes", options, remove);
  sub->alias("remove");
  sub->add_flag("-f,--force", options->force, "Force the removal of one or more volumes");
  sub->add_option("VOLUME", options->names)->required();

  options = std::make_shared<Options>();
  sub = command(*volume, context, "prune", "Remove unused local volumes", options, prune);
  sub->add_flag("-a,--all", options->all, "Remove all unused volumes, not just anonymous ones");
  sub->add_flag("-f,--force", options->force, "Do not prompt for confirmation");
  sub->add_option("--filter", options->filters, "Provide filter values (e.g. \"label=<label>\")")->allow_extra_args(false);
}

}  // namespace gorae::cli
