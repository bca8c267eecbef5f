#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/cli/cli.hpp"

namespace gorae::cli {

/// A later chapter's flags for `run` and `create` (`--cap-add`, `--memory`,
/// `-p`...): it registers them on the command and writes what the user gave
/// into the create request's body, usually its HostConfig.
class CreateFlags {
 public:
  virtual ~CreateFlags() = default;
  virtual void add_to(CLI::App& command) = 0;
  /// Throws Failure for a value the daemon must never see (a missing file).
  virtual void apply(nlohmann::json& create_body) const = 0;
};
/// docker's answer to a bad value of a `run`/`create` flag (exit 125):
/// invalid argument "VALUE" for "FLAG" flag: WHY, and where to look.
Failure invalid_run_flag(const std::string& value, const std::string& flag, const std::string& why);

/// One fresh set per command: `run` and `create` each parse their own.
using CreateFlagsFactory = std::function<std::unique_ptr<CreateFlags>()>;

/// `inspect`'s output for any kind of object: GET COLLECTION<name>/json for
/// each name ("/containers/", "/images/"), the answers as one indented JSON
/// array, then the errors and exit status 1. A 404 is "Error: NOT_FOUND: name"
/// (`docker inspect`'s "No such object"), or the daemon's message when
/// `not_found` is empty (`docker image inspect`).
void print_inspected(Context& context, const std::vector<std::string>& names, const std::string& collection,
                     const std::string& not_found);

/// Chapter 02's commands, with the docker CLI's output and exit codes:
/// `run`, `create`, `start`, `attach` (the attach/wait/start dance and the
/// stream plumbing), `ps`, `images`, `inspect`, `logs`, and `stop`, `kill`,
/// `restart`, `rm`, `rename`, `wait`.
///
/// `run` exits with the container's status code, or 125 when the daemon
/// refuses the container (126/127 when the command cannot be executed).
void install_container_commands(CLI::App& app, Context& context);

/// The same commands, with later chapters' flags on `run` and `create`.
CommandInstaller container_commands(std::vector<CreateFlagsFactory> extra_flags);

}  // namespace gorae::cli
