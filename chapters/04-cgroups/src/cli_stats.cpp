// gorae stats and gorae update, and the client's half of stats_json.hpp:
// how docker/cli (stats_helpers.go, formatter_stats.go, update.go) reads a
// stats document and prints it.

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <future>
#include <memory>
#include <ostream>

#include "gorae/cli/cgroup_commands.hpp"
#include "gorae/cli/table.hpp"
#include "gorae/cli/resource_flags.hpp"
#include "stats_json.hpp"

namespace gorae::engine::stats {
namespace {

using nlohmann::json;

// A number at `path`, 0 where Go's decoder would leave the zero value.
double number_at(const json& document, std::initializer_list<const char*> path) {
  const json* at = &document;
  for (const char* key : path) {
    if (!at->is_object()) return 0;
    auto it = at->find(key);
    if (it == at->end()) return 0;
    at = &*it;
  }
  return at->is_number() ? at->get<double>() : 0;
}

double memory_without_cache(const json& memory) {
  double usage = number_at(memory, {"usage"});
  // v1 names the page cache's cold half total_inactive_file, v2 inactive_file.
  const json& counters = memory.is_object() && memory.contains("stats") ? memory["stats"] : json();
  if (counters.is_object() && counters.contains("total_inactive_file")) {
    double cold = number_at(counters, {"total_inactive_file"});
    if (cold < usage) return usage - cold;
  }
  double cold = number_at(counters, {"inactive_file"});
  return cold < usage ? usage - cold : usage;
}

}  // namespace

Entry entry(const json& document) {
  Entry out;
  out.name = "--";
  if (!document.is_object()) return out;
  if (auto id = document.find("id"); id != document.end() && id->is_string()) out.id = *id;
  auto name = document.find("name");
  std::string text = name != document.end() && name->is_string() ? name->get<std::string>() : "";
  if (text.size() > 1) out.name = text.substr(1);
  // LAB(04) cpu-percent: CPU % as the docker CLI computes it from two readings
  // cpu_stats and precpu_stats are two readings a moment apart: the
  // container's cpu_usage.total_usage grew by some ns while the host's
  // system_cpu_usage grew by others (every CPU's time). Their ratio times
  // online_cpus (or, from old daemons, the length of percpu_usage) is the
  // share of one CPU, ×100. 0 unless both grew.
  const json& cpu = document.value("cpu_stats", json::object());
  const json& previous = document.value("precpu_stats", json::object());
  double cpu_delta = number_at(cpu, {"cpu_usage", "total_usage"}) -
                     number_at(previous, {"cpu_usage", "total_usage"});
  double system_delta = number_at(cpu, {"system_cpu_usage"}) - number_at(previous, {"system_cpu_usage"});
  double cpus = number_at(cpu, {"online_cpus"});
  if (cpus == 0 && cpu.contains("cpu_usage") && cpu["cpu_usage"].contains("percpu_usage"))
    cpus = static_cast<double>(cpu["cpu_usage"]["percpu_usage"].size());
  if (system_delta > 0 && cpu_delta > 0) out.cpu_percent = cpu_delta / system_delta * cpus * 100.0;
  // LAB-END

  const json& memory = document.value("memory_stats", json::object());
  out.memory = memory_without_cache(memory);
  out.memory_limit = number_at(memory, {"limit"});
  if (out.memory_limit != 0) out.memory_percent = out.memory / out.memory_limit * 100.0;

  if (auto networks = document.find("networks"); networks != document.end() && networks->is_object())
    for (const auto& [interface, counters] : networks->items()) {
      out.net_rx += number_at(counters, {"rx_bytes"});
      out.net_tx += number_at(counters, {"tx_bytes"});
    }
  const json& blkio = document.value("blkio_stats", json::object());
  if (auto io = blkio.find("io_service_bytes_recursive"); io != blkio.end() && io->is_array())
    for (const auto& item : *io) {
      auto op_field = item.is_object() ? item.find("op") : item.end();
      std::string op = op_field != item.end() && op_field->is_string() ? op_field->get<std::string>() : "";
      char kind = op.empty() ? '\0' : static_cast<char>(std::tolower(static_cast<unsigned char>(op[0])));
      if (kind == 'r') out.block_read += number_at(item, {"value"});
      if (kind == 'w') out.block_write += number_at(item, {"value"});
    }
  out.pids = static_cast<std::uint64_t>(number_at(document, {"pids_stats", "current"}));
  return out;
}

std::string percent(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f%%", value);
  return text;
}

std::vector<std::string> row(const Entry& e, bool truncate) {
  using cli::bytes_size;
  using cli::human_size;
  return {truncate ? e.id.substr(0, 12) : e.id,
          e.name,
          percent(e.cpu_percent),
          bytes_size(e.memory) + " / " + bytes_size(e.memory_limit),
          percent(e.memory_percent),
          human_size(e.net_rx) + " / " + human_size(e.net_tx),
          human_size(e.block_read) + " / " + human_size(e.block_write),
          std::to_string(e.pids)};
}

}  // namespace gorae::engine::stats

namespace gorae::cli {
namespace {

using nlohmann::json;


struct StatsOptions {
  bool all = false, no_stream = false, no_trunc = false;
  std::vector<std::string> containers;
};

std::vector<std::string> listed_ids(Context& context, bool all) {
  auto list = json::parse(context.call("GET", all ? "/containers/json?all=1" : "/containers/json").body,
                          nullptr, false);
  std::vector<std::string> ids;
  if (list.is_array())
    for (const auto& entry : list) ids.push_back(entry.value("Id", "").substr(0, 12));
  return ids;
}

// One table's worth. The requests go out side by side: each takes the
// daemon a second, the two readings it needs for CPU %.
void print_stats(Context& context, const StatsOptions& options) {
  bool named = !options.containers.empty();
  auto names = named ? options.containers : listed_ids(context, options.all);
  std::vector<std::future<json>> pending;
  for (const auto& name : names)
    pending.push_back(std::async(std::launch::async, [&context, name] {
      return json::parse(context.call("GET", "/containers/" + escape(name) + "/stats?stream=0").body,
                         nullptr, false);
    }));
  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"}};
  std::string errors;
  for (auto& reply : pending) {
    try {
      rows.push_back(engine::stats::row(engine::stats::entry(reply.get()), !options.no_trunc));
    } catch (const Failure& failure) {
      // One that went away between the list and its stats is no error.
      if (named) errors += (errors.empty() ? "" : "\n") + std::string(failure.what());
    }
  }
  if (!errors.empty()) throw Failure(1, errors);
  if (!options.no_stream) context.out << "\033[2J\033[H";  // docker's clear screen
  print_table(context.out, rows);
  context.out.flush();
}

struct UpdateOptions {
  std::string memory, memory_swap, memory_reservation, cpus, cpuset_cpus, cpuset_mems;
  std::int64_t cpu_shares = 0, cpu_quota = 0, cpu_period = 0, pids_limit = 0;
  std::vector<std::string> containers;
};

Failure bad_flag(const std::string& value, const std::string& flag, const std::string& why) {
  return Failure(125, "invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + why +
                          "\nSee 'gorae update --help'.");
}

// go-units' RAMInBytes and its two complaints.
std::int64_t size(const std::string& value, const std::string& flag) {
  if (value.empty()) return 0;
  if (auto bytes = ram_in_bytes(value)) return *bytes;
  auto digits = value.find_first_not_of("0123456789.");
  if (digits == 0) throw bad_flag(value, flag, "invalid size: '" + value + "'");
  throw bad_flag(value, flag, "invalid suffix: '" + value.substr(digits) + "'");
}

json update_body(const UpdateOptions& o) {
  double cpus = 0;
  if (!o.cpus.empty()) {
    auto [end, ec] = std::from_chars(o.cpus.data(), o.cpus.data() + o.cpus.size(), cpus);
    if (ec != std::errc() || end != o.cpus.data() + o.cpus.size() || cpus < 0)
      throw bad_flag(o.cpus, "--cpus", "failed to parse " + o.cpus + " as a rational number");
  }
  // The docker CLI's body: every resource field, zero where not given
  // (the daemon keeps those), PidsLimit null unless given.
  return {{"CpuShares", o.cpu_shares},
          {"Memory", size(o.memory, "-m, --memory")},
          {"NanoCpus", std::llround(cpus * 1e9)},
          {"CpuPeriod", o.cpu_period},
          {"CpuQuota", o.cpu_quota},
          {"CpusetCpus", o.cpuset_cpus},
          {"CpusetMems", o.cpuset_mems},
          {"MemoryReservation", size(o.memory_reservation, "--memory-reservation")},
          {"MemorySwap", o.memory_swap == "-1" ? -1 : size(o.memory_swap, "--memory-swap")},
          {"PidsLimit", o.pids_limit != 0 ? json(o.pids_limit) : json(nullptr)},
          {"RestartPolicy", {{"Name", ""}, {"MaximumRetryCount", 0}}}};
}

void update(Context& context, const UpdateOptions& options, std::size_t flags_given) {
  if (flags_given == 0) throw Failure(1, "you must provide one or more flags when using this command");
  std::string body = update_body(options).dump();
  std::string warnings, errors;
  for (const auto& name : options.containers) {
    try {
      auto reply = json::parse(context.call("POST", "/containers/" + escape(name) + "/update", body).body,
                               nullptr, false);
      context.out << name << "\n";
      if (reply.is_object() && reply.contains("Warnings") && reply["Warnings"].is_array())
        for (const auto& warning : reply["Warnings"])
          if (warning.is_string()) warnings += warning.get<std::string>() + "\n";
    } catch (const Failure& failure) {
      errors += (errors.empty() ? "" : "\n") + std::string(failure.what());
    }
  }
  context.out << warnings;
  context.out.flush();
  if (!errors.empty()) throw Failure(1, errors);
}

void add_update(CLI::App& app, Context& context) {
  auto o = std::make_shared<UpdateOptions>();
  auto* command = app.add_subcommand("update", "Update configuration of one or more containers");
  command->add_option("-m,--memory", o->memory, "Memory limit");
  command->add_option("--memory-swap", o->memory_swap,
                      "Swap limit equal to memory plus swap: -1 to enable unlimited swap");
  command->add_option("--memory-reservation", o->memory_reservation, "Memory soft limit");
  command->add_option("--cpus", o->cpus, "Number of CPUs");
  command->add_option("-c,--cpu-shares", o->cpu_shares, "CPU shares (relative weight)");
  command->add_option("--cpu-quota", o->cpu_quota, "Limit CPU CFS (Completely Fair Scheduler) quota");
  command->add_option("--cpu-period", o->cpu_period, "Limit CPU CFS (Completely Fair Scheduler) period");
  command->add_option("--cpuset-cpus", o->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  command->add_option("--cpuset-mems", o->cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  command->add_option("--pids-limit", o->pids_limit, "Tune container pids limit (set -1 for unlimited)");
  auto* containers = command->add_option("CONTAINER", o->containers)->required();
  command->callback([&context, o, command, containers] {
    std::size_t given = 0;
    for (const CLI::Option* option : command->get_options())
      if (option != containers && option->count() > 0) ++given;
    update(context, *o, given);
  });
}

}  // namespace

void install_cgroup_commands(CLI::App& app, Context& context) {
  auto options = std::make_shared<StatsOptions>();
  auto* stats =
      app.add_subcommand("stats", "Display a live stream of container(s) resource usage statistics");
  stats->add_flag("-a,--all", options->all, "Show all containers (default shows just running)");
  stats->add_flag("--no-stream", options->no_stream,
                  "Disable streaming stats and only pull the first result");
  stats->add_flag("--no-trunc", options->no_trunc, "Do not truncate output");
  stats->add_option("CONTAINER", options->containers);
  stats->callback([&context, options] {
    do print_stats(context, *options);
    while (!options->no_stream);
  });
  add_update(app, context);
}

}  // namespace gorae::cli
