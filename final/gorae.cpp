// gorae: the command line client, with every chapter's commands (up to
// GORAE_LAST_CHAPTER, the newest chapter in the tree; see goraed.cpp).
#include "gorae/cli/cli.hpp"
#if GORAE_LAST_CHAPTER >= 2
#include "gorae/cli/container_commands.hpp"
#endif
#if GORAE_LAST_CHAPTER >= 3
#include "gorae/cli/isolation_flags.hpp"
#endif
#if GORAE_LAST_CHAPTER >= 4
#include "gorae/cli/cgroup_commands.hpp"
#include "gorae/cli/resource_flags.hpp"
#endif
#if GORAE_LAST_CHAPTER >= 5
#include "gorae/cli/image_commands.hpp"
#include "gorae/cli/volume_commands.hpp"
#endif

int main(int argc, char** argv) {
  std::vector<gorae::cli::CommandInstaller> commands = {gorae::cli::install_system_commands,
                                                        gorae::cli::install_doctor_command};
#if GORAE_LAST_CHAPTER >= 2
  // 02 create-start-wait: run, create, start, ps, logs, ...; later chapters
  // add their flags to run and create
  std::vector<gorae::cli::CreateFlagsFactory> create_flags;
#endif
#if GORAE_LAST_CHAPTER >= 3
  create_flags.push_back(gorae::cli::isolation_flags);  // 03: --cap-add, --security-opt, ...
#endif
#if GORAE_LAST_CHAPTER >= 4
  create_flags.push_back(gorae::cli::resource_flags);  // 04: --memory, --pids-limit, ...
#endif
#if GORAE_LAST_CHAPTER >= 5
  create_flags.push_back(gorae::cli::volume_flags);  // 05: -v, --mount, --tmpfs
#endif
#if GORAE_LAST_CHAPTER >= 2
  commands.push_back(gorae::cli::container_commands(create_flags));
#endif
#if GORAE_LAST_CHAPTER >= 4
  commands.push_back(gorae::cli::install_cgroup_commands);  // 04: stats, update
#endif
#if GORAE_LAST_CHAPTER >= 5
  commands.push_back(gorae::cli::install_image_commands);   // 05: load, save, tag, rmi, history
  commands.push_back(gorae::cli::install_commit_commands);  // 05: commit, diff
  commands.push_back(gorae::cli::install_volume_commands);  // 05: volume create, ls, inspect, rm, prune
#endif
  return gorae::cli::main(argc, argv, commands);
}
