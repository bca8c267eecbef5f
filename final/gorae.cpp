// gorae: the command line client, with every chapter's commands.
#include "gorae/cli/cgroup_commands.hpp"
#include "gorae/cli/cli.hpp"
#include "gorae/cli/container_commands.hpp"
#include "gorae/cli/isolation_flags.hpp"
#include "gorae/cli/resource_flags.hpp"

int main(int argc, char** argv) {
  return gorae::cli::main(
      argc, argv,
      {gorae::cli::install_system_commands, gorae::cli::install_doctor_command,
       // run/create take chapter 03's isolation flags and chapter 04's limits
       gorae::cli::container_commands({gorae::cli::isolation_flags, gorae::cli::resource_flags}),
       gorae::cli::install_cgroup_commands});
}
