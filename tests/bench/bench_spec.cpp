// gorae-bench-spec: writes the config.json goraed-ch03 would write for
//
//   docker create --hostname bench busybox /bin/true
//
// with no other options: chapter 02's document (root, hostname, process)
// filled in by every chapter 03 spec contributor (namespaces, mounts,
// masked and read-only paths, capabilities, the default seccomp profile,
// rlimits), exactly as chapters/03-namespaces/tests/linux_runtime_priv_test.cpp
// builds its daemon_spec. The same file is run by gorae, runc and crun.
//
//   gorae-bench-spec [--host-config JSON] [--cgroup-parent PARENT [--id ID]]
//                    ROOTFS BUNDLE [ARG...]       (ARG... default: /bin/true)
//
// --host-config JSON is the container's HostConfig, as `docker create`'s
// flags make it (e.g. -m 64m --pids-limit 100 --cpus 0.5 is
// {"Memory":67108864,"PidsLimit":100,"NanoCpus":500000000}); every
// contributor sees it, as in goraed. Default: {}.
// --cgroup-parent PARENT adds chapter 04's contributor, as goraed-ch04 runs
// it with --cgroup-parent PARENT: linux.cgroupsPath PARENT/ID and
// linux.resources from the HostConfig. --id ID is the container ID it
// uses (default: bench). Built without chapter 04 (GORAE_BENCH_CGROUPS 0,
// a chapter 03 lab), --cgroup-parent is refused.
//
// ROOTFS is written as an absolute path; BUNDLE is created if needed.

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gorae/engine/isolation.hpp"
#include "gorae/runtime/runtime.hpp"
#if GORAE_BENCH_CGROUPS
#include "gorae/engine/resources.hpp"
#endif

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: gorae-bench-spec [--host-config JSON] [--cgroup-parent PARENT [--id ID]]\n"
               "                        ROOTFS BUNDLE [ARG...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using nlohmann::json;
  gorae::engine::Container container;
  container.id = "bench";
  container.host_config = "{}";
  std::string cgroup_parent;
  int i = 1;
  for (; i + 1 < argc && std::strncmp(argv[i], "--", 2) == 0; i += 2) {
    std::string option = argv[i];
    if (option == "--host-config") {
      if (!json::parse(argv[i + 1], nullptr, false).is_object()) {
        std::fprintf(stderr, "gorae-bench-spec: --host-config: not a JSON object: %s\n", argv[i + 1]);
        return 2;
      }
      container.host_config = argv[i + 1];
    } else if (option == "--cgroup-parent") {
      cgroup_parent = argv[i + 1];
    } else if (option == "--id") {
      container.id = argv[i + 1];
    } else {
      return usage();
    }
  }
  if (argc - i < 2 || argv[i][0] == '-') return usage();

  std::error_code ec;
  gorae::runtime::BundleSpec base;
  base.root_path = fs::absolute(argv[i], ec).lexically_normal().string();
  base.hostname = "bench";
  for (int arg = i + 2; arg < argc; ++arg) base.process.args.emplace_back(argv[arg]);
  if (base.process.args.empty()) base.process.args = {"/bin/true"};
  base.process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};

  json spec = gorae::runtime::bundle_document(base);
  auto contributors = gorae::engine::isolation_contributors();
  if (!cgroup_parent.empty()) {
#if GORAE_BENCH_CGROUPS
    auto settings = std::make_shared<gorae::engine::CgroupSettings>();
    settings->parent = cgroup_parent;
    contributors.push_back(gorae::engine::resources_contributor(std::move(settings)));
#else
    std::fprintf(stderr, "gorae-bench-spec: --cgroup-parent: built without chapter 04\n");
    return 2;
#endif
  }
  for (const auto& contribute : contributors) {
    auto added = contribute(container, spec);
    if (!added) {
      std::fprintf(stderr, "gorae-bench-spec: %s\n", added.error().what().c_str());
      return 1;
    }
  }
  const std::string bundle = argv[i + 1];
  fs::create_directories(bundle, ec);
  if (auto written = gorae::runtime::write_bundle_document(bundle, spec); !written) {
    std::fprintf(stderr, "gorae-bench-spec: %s\n", written.error().what().c_str());
    return 1;
  }
  return 0;
}
