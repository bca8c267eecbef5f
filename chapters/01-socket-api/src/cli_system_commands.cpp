#include <sys/utsname.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gorae/api/system.hpp"
#include "gorae/api/version.hpp"
#include "gorae/base/build_info.hpp"
#include "gorae/cli/cli.hpp"

namespace gorae::cli {
namespace {

using nlohmann::json;

std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void line(std::ostream& out, int indent, const std::string& label, const std::string& value) {
  std::string padded = std::string(static_cast<std::size_t>(indent), ' ') + label + ":";
  if (padded.size() < 20) padded.resize(20, ' ');
  else padded += " ";
  out << padded << value << "\n";
}

int run_version(Context& context) {
  utsname names{};
  ::uname(&names);
  auto& out = context.out;
  out << "Client:\n";
  line(out, 1, "Version", build_info::kVersion);
  line(out, 1, "API version", api::kCurrentApiVersion.text());
  line(out, 1, "Git commit", build_info::kGitCommit);
  line(out, 1, "Built", build_info::kBuildTime);
  line(out, 1, "OS/Arch", "linux/" + api::go_arch_name(names.machine));
  out << "\n";
  out.flush();
  auto body = json::parse(context.call("GET", "/version").body, nullptr, false);
  if (!body.is_object()) throw Failure(1, "the daemon's /version answer is not JSON");
  out << "Server: " << text_of(body.value("Platform", json::object()), "Name") << "\n";
  out << " Engine:\n";
  line(out, 2, "Version", text_of(body, "Version"));
  line(out, 2, "API version",
       text_of(body, "ApiVersion") + " (minimum version " + text_of(body, "MinAPIVersion") + ")");
  line(out, 2, "Git commit", text_of(body, "GitCommit"));
  line(out, 2, "Built", text_of(body, "BuildTime"));
  line(out, 2, "OS/Arch", text_of(body, "Os") + "/" + text_of(body, "Arch"));
  line(out, 2, "Kernel Version", text_of(body, "KernelVersion"));
  return 0;
}

int run_info(Context& context) {
  auto info = json::parse(context.call("GET", "/info").body, nullptr, false);
  if (!info.is_object()) throw Failure(1, "the daemon's /info answer is not JSON");
  auto& out = context.out;
  auto field = [&](int indent, const std::string& label, const char* key) {
    out << std::string(static_cast<std::size_t>(indent), ' ') << label << ": "
        << text_of(info, key) << "\n";
  };
  out << "Server:\n";
  field(1, "Containers", "Containers");
  field(2, "Running", "ContainersRunning");
  field(2, "Paused", "ContainersPaused");
  field(2, "Stopped", "ContainersStopped");
  field(1, "Images", "Images");
  field(1, "Server Version", "ServerVersion");
  field(1, "Storage Driver", "Driver");
  field(1, "Logging Driver", "LoggingDriver");
  field(1, "Cgroup Driver", "CgroupDriver");
  field(1, "Cgroup Version", "CgroupVersion");
  field(1, "Kernel Version", "KernelVersion");
  field(1, "Operating System", "OperatingSystem");
  field(1, "OSType", "OSType");
  field(1, "Architecture", "Architecture");
  field(1, "CPUs", "NCPU");
  out << " Total Memory: " << bytes_size(info.value("MemTotal", 0.0)) << "\n";
  field(1, "Name", "Name");
  field(1, "ID", "ID");
  field(1, "Docker Root Dir", "DockerRootDir");
  field(1, "Debug Mode", "Debug");
  return 0;
}

}  // namespace

namespace {

// go-units' size formatting: divide by `base` while it fits, print with
// `precision` significant digits.
std::string scaled_size(double value, double base, const char* const* units, std::size_t count,
                        int precision) {
  std::size_t unit = 0;
  while (value >= base && unit + 1 < count) {
    value /= base;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.*g%s", precision, value, units[unit]);
  return text;
}

}  // namespace

std::string bytes_size(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  return scaled_size(bytes, 1024, units, std::size(units), 4);
}

std::string human_size(double bytes) {
  static const char* const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  return scaled_size(bytes, 1000, units, std::size(units), 3);
}

void install_system_commands(CLI::App& app, Context& context) {
  app.add_subcommand("version", "Show the client and daemon versions")
      ->callback([&context] { run_version(context); });
  app.add_subcommand("info", "Show what the daemon knows about itself and the host")
      ->callback([&context] { run_info(context); });
}

}  // namespace gorae::cli
