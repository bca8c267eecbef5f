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
//   gorae-bench-spec ROOTFS BUNDLE [ARG...]     (ARG... default: /bin/true)
//
// ROOTFS is written as an absolute path; BUNDLE is created if needed.

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gorae/engine/isolation.hpp"
#include "gorae/runtime/runtime.hpp"

int main(int argc, char** argv) {
  if (argc < 3 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: gorae-bench-spec ROOTFS BUNDLE [ARG...]\n");
    return 2;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  gorae::runtime::BundleSpec base;
  base.root_path = fs::absolute(argv[1], ec).lexically_normal().string();
  base.hostname = "bench";
  for (int i = 3; i < argc; ++i) base.process.args.emplace_back(argv[i]);
  if (base.process.args.empty()) base.process.args = {"/bin/true"};
  base.process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};

  nlohmann::json spec = gorae::runtime::bundle_document(base);
  gorae::engine::Container container;
  container.host_config = "{}";
  for (const auto& contribute : gorae::engine::isolation_contributors()) {
    auto added = contribute(container, spec);
    if (!added) {
      std::fprintf(stderr, "gorae-bench-spec: %s\n", added.error().what().c_str());
      return 1;
    }
  }
  const std::string bundle = argv[2];
  fs::create_directories(bundle, ec);
  if (auto written = gorae::runtime::write_bundle_document(bundle, spec); !written) {
    std::fprintf(stderr, "gorae-bench-spec: %s\n", written.error().what().c_str());
    return 1;
  }
  return 0;
}
