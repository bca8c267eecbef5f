// gorae commit and gorae diff, printed as the docker CLI prints them
// (cli/command/container/commit.go and diff.go); the name is parsed here
// first, as the docker client does, so a bad one never reaches the daemon.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gorae/cli/image_commands.hpp"
#include "gorae/cli/table.hpp"
#include "gorae/images/reference.hpp"

namespace gorae::cli {
namespace {

using nlohmann::json;

struct CommitOptions {
  std::string container, reference, author, message;
  std::vector<std::string> changes;
  bool pause = true;
};

// The docker client sends the full name and the tag apart: repo=docker.io/library/x&tag=latest.
std::string reference_query(const std::string& text) {
  if (text.empty()) return "&repo=&tag=";
  auto reference = images::Reference::parse(text);
  if (!reference) throw Failure(1, reference.error().what());
  if (reference->digest) throw Failure(1, "refusing to create a tag with a digest reference");
  auto tagged = reference->with_default_tag();
  return "&repo=" + escape(tagged.name()) + "&tag=" + escape(tagged.tag);
}

void commit(Context& context, const CommitOptions& options) {
  std::string query = "/commit?container=" + escape(options.container) + reference_query(options.reference) +
                      "&comment=" + escape(options.message) + "&author=" + escape(options.author);
  for (const auto& change : options.changes) query += "&changes=" + escape(change);
  if (!options.pause) query += "&pause=0";
  json answer = json::parse(context.call("POST", query).body, nullptr, false);
  context.out << (answer.is_object() ? answer.value("Id", "") : "") << "\n";
  context.out.flush();
}

void diff(Context& context, const std::string& container) {
  json changes = json::parse(context.call("GET", "/containers/" + escape(container) + "/changes").body, nullptr, false);
  for (const auto& change : changes.is_array() ? changes : json::array()) {
    int kind = change.value("Kind", -1);
    context.out << (kind == 0 ? "C" : kind == 1 ? "A" : kind == 2 ? "D" : "?") << " " << change.value("Path", "")
                << "\n";
  }
  context.out.flush();
}

}  // namespace

void install_commit_commands(CLI::App& app, Context& context) {
  auto options = std::make_shared<CommitOptions>();
  auto* commit_command = app.add_subcommand("commit", "Create a new image from a container's changes");
  commit_command->add_option("-a,--author", options->author,
                             "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
  commit_command->add_option("-c,--change", options->changes, "Apply Dockerfile instruction to the created image")
      ->allow_extra_args(false);
  commit_command->add_option("-m,--message", options->message, "Commit message");
  commit_command->add_flag("-p,--pause", options->pause, "Pause container during commit (default true)");
  commit_command->add_option("CONTAINER", options->container)->required();
  commit_command->add_option("REPOSITORY[:TAG]", options->reference);
  commit_command->callback([&context, options] { commit(context, *options); });

  auto container = std::make_shared<std::string>();
  auto* diff_command = app.add_subcommand("diff", "Inspect changes to files or directories on a container's filesystem");
  diff_command->add_option("CONTAINER", *container)->required();
  diff_command->callback([&context, container] { diff(context, *container); });
}

}  // namespace gorae::cli
