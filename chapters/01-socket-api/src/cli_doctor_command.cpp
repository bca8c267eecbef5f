#include <CLI/CLI.hpp>

#include "gorae/cli/cli.hpp"

namespace gorae::cli {

void install_doctor_command(CLI::App& app, Context& context) {
  doctor::add_host_checks(context.doctor_checks);
  app.add_subcommand("doctor", "Check that this host can run the engine (no daemon needed)")
      ->callback([&context] {
        int status = doctor::run(context.doctor_checks, doctor::Host{}, context.out);
        if (status != 0) throw Failure(status, "");  // the report already says why
      });
}

}  // namespace gorae::cli
