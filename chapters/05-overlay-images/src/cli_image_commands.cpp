// gorae tag, rmi, history and image prune, printed as the docker CLI prints
// them; install_image_commands puts them (and load and save) at the top and
// under `gorae image`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli_image_internal.hpp"
#include "gorae/cli/container_commands.hpp"
#include "gorae/cli/image_commands.hpp"
#include "gorae/cli/table.hpp"
#include "gorae/images/reference.hpp"

namespace gorae::cli {
namespace image_detail {
namespace {

using nlohmann::json;

struct Options {
  std::vector<std::string> images;
  std::string source, target;
  bool force = false, no_prune = false, all = false;
  bool no_trunc = false, quiet = false, human = true;
  std::vector<std::string> filters;
};

// The client checks names before asking, with docker's message.
images::Reference parse_or_fail(const std::string& text) {
  auto reference = images::Reference::parse(text);
  if (!reference)
    throw Failure(1, "Error parsing reference: \"" + text + "\" is not a valid repository/tag: " +
                         reference.error().what());
  return *reference;
}

void tag(Context& context, const Options& options) {
  parse_or_fail(options.source);
  auto target = parse_or_fail(options.target);
  if (target.digest) throw Failure(1, "refusing to create a tag with a digest reference");
  std::string tag = target.tag.empty() ? "latest" : target.tag;
  context.call("POST", "/images/" + escape(options.source) + "/tag?repo=" + escape(target.name()) +
                           "&tag=" + escape(tag));
}

// Every image is tried; the failures are reported together at the end. As
// in docker, -f makes a missing image no failure: it is only mentioned.
void rmi(Context& context, const Options& options) {
  std::string errors;
  bool fatal = false;
  std::string query = options.force ? "?force=1" : "";
  if (options.no_prune) query += (query.empty() ? "?" : "&") + std::string("noprune=1");
  for (const auto& image : options.images) {
    try {
      json records = json::parse(context.call("DELETE", "/images/" + escape(image) + query).body, nullptr, false);
      for (const auto& record : records.is_array() ? records : json::array()) {
        if (record.contains("Untagged")) context.out << "Untagged: " << record.value("Untagged", "") << "\n";
        if (record.contains("Deleted")) context.out << "Deleted: " << record.value("Deleted", "") << "\n";
      }
    } catch (const Failure& failure) {
      std::string message = failure.what();
      fatal = fatal || !options.force || message.rfind("Error response from daemon: No such image", 0) != 0;
      errors += (errors.empty() ? "" : "\n") + message;
    }
  }
  context.out.flush();
  if (fatal) throw Failure(1, errors);
  if (!errors.empty()) context.err << errors << "\n";
}

void history(Context& context, const Options& options) {
  json steps = json::parse(context.call("GET", "/images/" + escape(options.images.at(0)) + "/history").body,
                           nullptr, false);
  if (!steps.is_array()) throw Failure(1, "the daemon's history is not a JSON list");
  bool trunc = !options.no_trunc;
  std::vector<std::vector<std::string>> rows = {{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}};
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& step : steps) {
    std::string id = step.value("Id", "");
    if (trunc && id != "<missing>") id = short_id(id);
    if (options.quiet) {
      context.out << id << "\n";
      continue;
    }
    double created = step.value("Created", 0.0);
    std::string when = options.human ? human_duration(now - created) + " ago" : std::to_string(static_cast<long long>(created));
    std::string by = step.value("CreatedBy", "");
    for (auto& c : by) c = c == '\t' ? ' ' : c;
    double size = step.value("Size", 0.0);
    rows.push_back({id, when, trunc ? ellipsis(by, 45) : by,
                    options.human ? human_size(size) : std::to_string(static_cast<long long>(size)),
                    step.value("Comment", "")});
  }
  if (!options.quiet) print_table(context.out, rows);
  context.out.flush();
}

bool confirmed(Context& context, const std::string& warning) {
  context.out << warning << "\nAre you sure you want to continue? [y/N] ";
  context.out.flush();
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y";
}

void prune(Context& context, const Options& options) {
  if (!options.force &&
      !confirmed(context, options.all ? "WARNING! This will remove all images without at least one container associated to them."
                                      : "WARNING! This will remove all dangling images."))
    return;
  json filters = {{"dangling", {{options.all ? "false" : "true", true}}}};
  for (const auto& filter : options.filters) {
    auto equals = filter.find('=');
    if (equals == std::string::npos) throw Failure(1, "invalid argument \"" + filter + "\" for \"-f, --filter\" flag: bad format of filter (expected name=value)");
    filters[filter.substr(0, equals)][filter.substr(equals + 1)] = true;
  }
  json report = json::parse(context.call("POST", "/images/prune?filters=" + escape(filters.dump())).body, nullptr, false);
  const json& deleted = report.value("ImagesDeleted", json());
  if (deleted.is_array() && !deleted.empty()) {
    context.out << "Deleted Images:\n";
    for (const auto& record : deleted) {
      if (record.contains("Untagged")) context.out << "untagged: " << record.value("Untagged", "") << "\n";
      if (record.contains("Deleted")) context.out << "deleted: " << record.value("Deleted", "") << "\n";
    }
    context.out << "\n";
  }
  context.out << "Total reclaimed space: " << human_size_4(report.value("SpaceReclaimed", 0.0)) << "\n";
  context.out.flush();
}

void add_tag(CLI::App& parent, Context& context) {
  auto options = std::make_shared<Options>();
  auto* command = parent.add_subcommand("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
  command->add_option("SOURCE_IMAGE", options->source)->required();
  command->add_option("TARGET_IMAGE", options->target)->required();
  command->callback([&context, options] { tag(context, *options); });
}

void add_rmi(CLI::App& parent, Context& context, const char* name) {
  auto options = std::make_shared<Options>();
  auto* command = parent.add_subcommand(name, "Remove one or more images");
  command->add_flag("-f,--force", options->force, "Force removal of the image");
  command->add_flag("--no-prune", options->no_prune, "Do not delete untagged parents");
  command->add_option("IMAGE", options->images)->required();
  command->callback([&context, options] { rmi(context, *options); });
}

void add_history(CLI::App& parent, Context& context) {
  auto options = std::make_shared<Options>();
  auto* command = parent.add_subcommand("history", "Show the history of an image");
  command->add_flag("--no-trunc", options->no_trunc, "Don't truncate output");
  command->add_flag("-q,--quiet", options->quiet, "Only show image IDs");
  command->add_flag("-H,--human,!--no-human", options->human, "Print sizes and dates in human readable format");
  command->add_option("IMAGE", options->images)->required()->expected(1);
  command->callback([&context, options] { history(context, *options); });
}

void add_inspect(CLI::App& parent, Context& context) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* command = parent.add_subcommand("inspect", "Display detailed information on one or more images");
  command->add_option("IMAGE", *names)->required();
  command->callback([&context, names] { print_inspected(context, *names, "/images/", ""); });
}

void add_prune(CLI::App& parent, Context& context) {
  auto options = std::make_shared<Options>();
  auto* command = parent.add_subcommand("prune", "Remove unused images");
  command->add_flag("-a,--all", options->all, "Remove all unused images, not just dangling ones");
  command->add_flag("-f,--force", options->force, "Do not prompt for confirmation");
  command->add_option("--filter", options->filters, "Provide filter values (e.g. \"until=<timestamp>\")");
  command->callback([&context, options] { prune(context, *options); });
}

}  // namespace

std::string human_size_4(double bytes) {
  static const char* const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  std::size_t unit = 0;
  while (bytes >= 1000 && unit + 1 < std::size(units)) {
    bytes /= 1000;
    ++unit;
  }
  char text[48];
  std::snprintf(text, sizeof text, "%.4g%s", bytes, units[unit]);
  return text;
}

}  // namespace image_detail

void install_image_commands(CLI::App& app, Context& context) {
  using namespace image_detail;
  add_load(app, context);
  add_save(app, context);
  add_tag(app, context);
  add_rmi(app, context, "rmi");
  add_history(app, context);
  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  add_load(*image, context);
  add_save(*image, context);
  add_tag(*image, context);
  add_rmi(*image, context, "rm");
  add_history(*image, context);
  add_inspect(*image, context);
  add_prune(*image, context);
}

}  // namespace gorae::cli
