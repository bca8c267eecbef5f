// The container record in JSON: the on-disk record (exact round trip) and the
// inspect and list answers in Docker's 1.41 shape. The create request is read
// in create_body.cpp.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "gorae/engine/container.hpp"

namespace gorae::engine {
namespace {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::nanoseconds;

// Go's zero time.Time, which Docker prints for "never happened".
constexpr const char* kGoZeroTime = "0001-01-01T00:00:00Z";

// ---------------------------------------------------------------- times

// RFC 3339 in UTC with up to nine fraction digits, trailing zeros dropped:
// Go's time.RFC3339Nano, so "…16.15450295Z" and "…16Z" as dockerd prints.
std::string format_time(Clock::time_point time) {
  using namespace std::chrono;
  auto midnight = floor<days>(time);
  year_month_day date{midnight};
  hh_mm_ss clock{duration_cast<nanoseconds>(time - midnight)};
  char text[64];
  int length = std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d",
                             static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                             static_cast<unsigned>(date.day()),
                             static_cast<int>(clock.hours().count()),
                             static_cast<int>(clock.minutes().count()),
                             static_cast<int>(clock.seconds().count()));
  std::string out(text, static_cast<std::size_t>(length));
  auto fraction = clock.subseconds().count();
  if (fraction != 0) {
    std::snprintf(text, sizeof text, ".%09lld", static_cast<long long>(fraction));
    std::string digits = text;
    digits.erase(digits.find_last_not_of('0') + 1);
    out += digits;
  }
  return out + "Z";
}

// Reads `count` decimal digits at `pos`; -1 when they are not all digits.
int digits_at(const std::string& text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// The inverse of format_time; also takes "+02:00"-style offsets.
std::optional<Clock::time_point> parse_time(const std::string& text) {
  using namespace std::chrono;
  // 2026-11-23T22:46:16[.fraction](Z|±hh:mm)
  int y = digits_at(text, 0, 4), mo = digits_at(text, 5, 2), d = digits_at(text, 8, 2);
  int h = digits_at(text, 11, 2), mi = digits_at(text, 14, 2), s = digits_at(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':')
    return std::nullopt;
  if (h > 23 || mi > 59 || s > 59) return std::nullopt;
  year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;

  std::size_t pos = 19;
  long long fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    int count = 0;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++count) {
      if (count < 9) fraction = fraction * 10 + (text[pos] - '0');
    }
    if (count == 0) return std::nullopt;
    for (; count < 9; ++count) fraction *= 10;
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = digits_at(text, pos + 1, 2), om = digits_at(text, pos + 4, 2);
    if (oh < 0 || om < 0 || text[pos + 3] != ':') return std::nullopt;
    offset = minutes{oh * 60 + om} * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  auto local = sys_days{date} + hours{h} + minutes{mi} + seconds{s} + nanoseconds{fraction};
  return time_point_cast<Clock::duration>(local - offset);
}

json optional_time_to_json(const std::optional<Clock::time_point>& time) {
  return time ? json(format_time(*time)) : json(nullptr);
}

std::optional<Clock::time_point> optional_time_from_json(const json& value, const char* field) {
  if (value.is_null()) return std::nullopt;
  std::string text = value.get<std::string>();
  if (text == kGoZeroTime) return std::nullopt;
  auto time = parse_time(text);
  if (!time) throw std::invalid_argument(std::string(field) + ": bad time \"" + text + "\"");
  return time;
}

std::string inspect_time(const std::optional<Clock::time_point>& time) {
  return time ? format_time(*time) : kGoZeroTime;
}

// ---------------------------------------------------------------- states

RunStatus status_from_string(const std::string& text) {
  for (RunStatus status : {RunStatus::created, RunStatus::running, RunStatus::paused,
                           RunStatus::restarting, RunStatus::removing, RunStatus::exited,
                           RunStatus::dead}) {
    if (text == to_string(status)) return status;
  }
  throw std::invalid_argument("unknown container status \"" + text + "\"");
}


// HostConfig as stored, parsed again; {} when it is not an object.
json host_config_object(const Container& container) {
  json host = json::parse(container.host_config, nullptr, /*allow_exceptions=*/false);
  if (!host.is_object()) host = json::object();
  return host;
}

std::string network_mode(const json& host) {
  auto it = host.find("NetworkMode");
  if (it == host.end() || !it->is_string() || it->get<std::string>().empty()) return "default";
  return it->get<std::string>();
}

json strings_or_null(const std::vector<std::string>& items) {
  return items.empty() ? json(nullptr) : json(items);
}

// Go's units.HumanDuration, which dockerd uses for every "… ago" and "Up …".
std::string human_duration(Clock::duration elapsed) {
  long long ns = duration_cast<nanoseconds>(elapsed).count();
  long long seconds = ns / 1'000'000'000;  // Go's int() truncates toward zero
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  long long minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  // Hours are rounded (int(d.Hours() + 0.5)); days, weeks and months are
  // counted from the rounded hours, years from the truncated ones.
  constexpr long long kHourNs = 3'600'000'000'000LL;
  long long hours = (ns + kHourNs / 2) / kHourNs;
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(ns / kHourNs / 24 / 365) + " years";
}

}  // namespace

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::created: return "created";
    case RunStatus::running: return "running";
    case RunStatus::paused: return "paused";
    case RunStatus::restarting: return "restarting";
    case RunStatus::removing: return "removing";
    case RunStatus::exited: return "exited";
    case RunStatus::dead: return "dead";
  }
  return "unknown";
}

// ---------------------------------------------------------------- persistence

// Docker's field names where Docker has the field, so the record reads like
// dockerd's config.v2.json. HostConfig is kept as a string: it is the client's
// text, and re-serialising an object could reorder or reformat it.
void to_json(json& out, const Container& container) {
  const ContainerConfig& config = container.config;
  json entrypoint = config.entrypoint ? json(*config.entrypoint) : json(nullptr);
  out = json{
      {"Id", container.id},
      {"Name", container.name},
      {"Created", format_time(container.created)},
      {"Path", container.path},
      {"Args", container.args},
      {"ImageID", container.image_id},
      {"Config",
       {{"Image", config.image},
        {"Cmd", config.cmd},
        {"Entrypoint", entrypoint},
        {"Env", config.env},
        {"WorkingDir", config.working_dir},
        {"User", config.user},
        {"Hostname", config.hostname},
        {"Domainname", config.domainname},
        {"Tty", config.tty},
        {"OpenStdin", config.open_stdin},
        {"StdinOnce", config.stdin_once},
        {"AttachStdin", config.attach_stdin},
        {"AttachStdout", config.attach_stdout},
        {"AttachStderr", config.attach_stderr},
        {"Labels", config.labels},
        {"Volumes", config.volumes}}},
      {"HostConfig", container.host_config},
      {"AutoRemove", container.auto_remove},
      {"State",
       {{"Status", to_string(container.state.status)},
        {"Pid", container.state.pid},
        {"ExitCode", container.state.exit_code},
        {"OOMKilled", container.state.oom_killed},
        {"Error", container.state.error},
        {"StartedAt", optional_time_to_json(container.state.started_at)},
        {"FinishedAt", optional_time_to_json(container.state.finished_at)}}},
      {"RestartCount", container.restart_count},
      {"LogPath", container.log_path},
      {"BundleDir", container.bundle_dir},
  };
}

// Throws (nlohmann::json::exception or std::invalid_argument) on a record
// that is not ours; the store catches it and skips the record.
void from_json(const json& in, Container& container) {
  Container out;
  in.at("Id").get_to(out.id);
  in.at("Name").get_to(out.name);
  auto created = parse_time(in.at("Created").get<std::string>());
  if (!created) throw std::invalid_argument("Created: bad time");
  out.created = *created;
  in.at("Path").get_to(out.path);
  in.at("Args").get_to(out.args);
  in.at("ImageID").get_to(out.image_id);

  const json& config = in.at("Config");
  ContainerConfig& c = out.config;
  config.at("Image").get_to(c.image);
  config.at("Cmd").get_to(c.cmd);
  if (const json& entrypoint = config.at("Entrypoint"); !entrypoint.is_null())
    c.entrypoint = entrypoint.get<std::vector<std::string>>();
  config.at("Env").get_to(c.env);
  config.at("WorkingDir").get_to(c.working_dir);
  config.at("User").get_to(c.user);
  config.at("Hostname").get_to(c.hostname);
  config.at("Domainname").get_to(c.domainname);
  config.at("Tty").get_to(c.tty);
  config.at("OpenStdin").get_to(c.open_stdin);
  config.at("StdinOnce").get_to(c.stdin_once);
  config.at("AttachStdin").get_to(c.attach_stdin);
  config.at("AttachStdout").get_to(c.attach_stdout);
  config.at("AttachStderr").get_to(c.attach_stderr);
  config.at("Labels").get_to(c.labels);
  // Records written before Config.Volumes was kept have none.
  if (auto volumes = config.find("Volumes"); volumes != config.end()) volumes->get_to(c.volumes);

  in.at("HostConfig").get_to(out.host_config);
  in.at("AutoRemove").get_to(out.auto_remove);

  const json& state = in.at("State");
  out.state.status = status_from_string(state.at("Status").get<std::string>());
  out.state.pid = state.at("Pid").get<pid_t>();
  state.at("ExitCode").get_to(out.state.exit_code);
  state.at("OOMKilled").get_to(out.state.oom_killed);
  state.at("Error").get_to(out.state.error);
  out.state.started_at = optional_time_from_json(state.at("StartedAt"), "StartedAt");
  out.state.finished_at = optional_time_from_json(state.at("FinishedAt"), "FinishedAt");

  in.at("RestartCount").get_to(out.restart_count);
  in.at("LogPath").get_to(out.log_path);
  in.at("BundleDir").get_to(out.bundle_dir);
  container = std::move(out);
}

// ---------------------------------------------------------------- API shapes

namespace {
// Go's map[string]struct{}: {"/data": {}}, null when empty.
json volumes_json(const std::vector<std::string>& paths) {
  if (paths.empty()) return nullptr;
  json out = json::object();
  for (const auto& path : paths) out[path] = json::object();
  return out;
}
}  // namespace

nlohmann::json inspect_json(const Container& container) {
  const ContainerConfig& config = container.config;
  const State& state = container.state;

  // What dockerd fills in at create time when the client left it out.
  json host = host_config_object(container);
  json& log_config = host["LogConfig"];
  if (!log_config.is_object()) log_config = json::object();
  if (!log_config["Type"].is_string() || log_config["Type"].get<std::string>().empty())
    log_config["Type"] = "json-file";
  if (!log_config["Config"].is_object()) log_config["Config"] = json::object();
  host["AutoRemove"] = container.auto_remove;
  host["NetworkMode"] = network_mode(host);

  // dockerd sets the hostname to the short ID when the client gives none.
  std::string hostname = config.hostname.empty() ? container.id.substr(0, 12) : config.hostname;
  bool running = state.status == RunStatus::running || state.status == RunStatus::paused ||
                 state.status == RunStatus::restarting;
  return json{
      {"Id", container.id},
      {"Created", format_time(container.created)},
      {"Path", container.path},
      {"Args", container.args},
      {"State",
       {{"Status", to_string(state.status)},
        {"Running", running},
        {"Paused", state.status == RunStatus::paused},
        {"Restarting", state.status == RunStatus::restarting},
        {"OOMKilled", state.oom_killed},
        {"Dead", state.status == RunStatus::dead},
        {"Pid", state.pid},
        {"ExitCode", state.exit_code},
        {"Error", state.error},
        {"StartedAt", inspect_time(state.started_at)},
        {"FinishedAt", inspect_time(state.finished_at)}}},
      {"Image", container.image_id},
      {"ResolvConfPath", ""},
      {"HostnamePath", ""},
      {"HostsPath", ""},
      {"LogPath", container.log_path},
      {"Name", "/" + container.name},
      {"RestartCount", container.restart_count},
      // Chapter 02 copies the image directory for each container, which is
      // what Docker's vfs storage driver does.
      {"Driver", "vfs"},
      {"Platform", "linux"},
      {"MountLabel", ""},
      {"ProcessLabel", ""},
      {"AppArmorProfile", ""},
      {"ExecIDs", nullptr},
      {"HostConfig", host},
      {"GraphDriver", {{"Data", nullptr}, {"Name", "vfs"}}},
      {"Mounts", json::array()},
      {"Config",
       {{"Hostname", hostname},
        {"Domainname", config.domainname},
        {"User", config.user},
        {"AttachStdin", config.attach_stdin},
        {"AttachStdout", config.attach_stdout},
        {"AttachStderr", config.attach_stderr},
        {"Tty", config.tty},
        {"OpenStdin", config.open_stdin},
        {"StdinOnce", config.stdin_once},
        {"Env", strings_or_null(config.env)},
        {"Cmd", strings_or_null(config.cmd)},
        {"Image", config.image},
        {"Volumes", volumes_json(config.volumes)},
        {"WorkingDir", config.working_dir},
        {"Entrypoint", config.entrypoint ? json(*config.entrypoint) : json(nullptr)},
        {"OnBuild", nullptr},
        {"Labels", config.labels.empty() ? json::object() : json(config.labels)}}},
      {"NetworkSettings",
       {{"Bridge", ""},
        {"SandboxID", ""},
        {"HairpinMode", false},
        {"LinkLocalIPv6Address", ""},
        {"LinkLocalIPv6PrefixLen", 0},
        {"Ports", json::object()},
        {"SandboxKey", ""},
        {"SecondaryIPAddresses", nullptr},
        {"SecondaryIPv6Addresses", nullptr},
        {"EndpointID", ""},
        {"Gateway", ""},
        {"GlobalIPv6Address", ""},
        {"GlobalIPv6PrefixLen", 0},
        {"IPAddress", ""},
        {"IPPrefixLen", 0},
        {"IPv6Gateway", ""},
        {"MacAddress", ""},
        {"Networks", json::object()}}},
  };
}

nlohmann::json summary_json(const Container& container, Clock::time_point now) {
  // dockerd's Command: the path, then the arguments, each quoted with '…'
  // when it holds a space (container/view.go).
  std::string command = container.path;
  for (const auto& arg : container.args)
    command += " " + (arg.find(' ') != std::string::npos ? "'" + arg + "'" : arg);
  auto created = std::chrono::floor<std::chrono::seconds>(container.created.time_since_epoch());
  return json{
      {"Id", container.id},
      {"Names", json::array({"/" + container.name})},
      {"Image", container.config.image},
      {"ImageID", container.image_id},
      {"Command", command},
      {"Created", created.count()},
      {"Ports", json::array()},
      {"Labels",
       container.config.labels.empty() ? json::object() : json(container.config.labels)},
      {"State", to_string(container.state.status)},
      {"Status", human_status(container.state, now)},
      {"HostConfig", {{"NetworkMode", network_mode(host_config_object(container))}}},
      {"NetworkSettings", {{"Networks", json::object()}}},
      {"Mounts", json::array()},
  };
}

// dockerd's State.String() (container/state.go), case by case.
std::string human_status(const State& state, Clock::time_point now) {
  auto since = [&](const std::optional<Clock::time_point>& time) {
    return human_duration(time ? now - *time : Clock::duration::zero());
  };
  switch (state.status) {
    case RunStatus::running: return "Up " + since(state.started_at);
    case RunStatus::paused: return "Up " + since(state.started_at) + " (Paused)";
    case RunStatus::restarting:
      return "Restarting (" + std::to_string(state.exit_code) + ") " +
             since(state.finished_at) + " ago";
    case RunStatus::removing: return "Removal In Progress";
    case RunStatus::dead: return "Dead";
    case RunStatus::created:
    case RunStatus::exited: break;
  }
  if (!state.started_at) return "Created";
  if (!state.finished_at) return "";
  return "Exited (" + std::to_string(state.exit_code) + ") " + since(state.finished_at) + " ago";
}

}  // namespace gorae::engine
