// gorae: the command line client, with every chapter's commands.
#include "gorae/cli/cli.hpp"
#include "gorae/cli/container_commands.hpp"
#include "gorae/cli/isolation_flags.hpp"

int main(int argc, char** argv) {
  return gorae::cli::main(argc, argv,
                          {gorae::cli::install_system_commands, gorae::cli::install_doctor_command,
                           gorae::cli::container_commands({gorae::cli::isolation_flags})});
}
