// gorae ps, images, inspect and logs: what the daemon knows, printed the way
// the docker CLI prints it (Go's tabwriter, HumanDuration, json.Indent).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "cli_internal.hpp"

namespace gorae::cli::detail {
namespace {

using nlohmann::json;


std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string since(const json& object) {
  auto created = object.value("Created", json(0));
  double seconds = created.is_number() ? created.get<double>() : 0;
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  return human_duration(now.count() - seconds) + " ago";
}

// Go's strconv.Quote for the COMMAND column.
std::string quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string ports_text(const json& ports) {
  std::string out;
  if (!ports.is_array()) return out;
  for (const auto& port : ports) {
    std::string item;
    std::string ip = text_of(port, "IP");
    if (port.contains("PublicPort") && port["PublicPort"].is_number()) {
      item = (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" +
             std::to_string(port["PublicPort"].get<int>()) + "->";
    }
    item += std::to_string(port.value("PrivatePort", 0)) + "/" + text_of(port, "Type");
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

struct PsOptions {
  bool all = false, quiet = false, no_trunc = false;
};

void ps(Context& context, const PsOptions& options) {
  auto list = json::parse(context.call("GET", options.all ? "/containers/json?all=1"
                                                          : "/containers/json")
                              .body,
                          nullptr, false);
  if (!list.is_array()) throw Failure(1, "the daemon's container list is not a JSON array");
  bool trunc = !options.no_trunc;
  if (options.quiet) {
    for (const auto& entry : list) context.out << short_id(text_of(entry, "Id"), trunc) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
  for (const auto& entry : list) {
    std::string names;
    for (const auto& name : entry.value("Names", json::array())) {
      std::string text = name.is_string() ? name.get<std::string>() : "";
      if (!text.empty() && text[0] == '/') text.erase(0, 1);
      if (text.find('/') != std::string::npos) continue;  // a link's name, as docker hides
      names += (names.empty() ? "" : ",") + text;
    }
    std::string image = text_of(entry, "Image");
    if (image.rfind("sha256:", 0) == 0) image = short_id(image, trunc);
    std::string command = text_of(entry, "Command");
    rows.push_back({short_id(text_of(entry, "Id"), trunc), image,
                    quote(trunc ? ellipsis(command, 20) : command), since(entry),
                    text_of(entry, "Status"), ports_text(entry.value("Ports", json::array())),
                    names});
  }
  print_table(context.out, rows);
}


void images(Context& context, const PsOptions& options) {
  auto list = json::parse(context.call("GET", "/images/json").body, nullptr, false);
  if (!list.is_array()) throw Failure(1, "the daemon's image list is not a JSON array");
  bool trunc = !options.no_trunc;
  std::vector<std::vector<std::string>> rows = {
      {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"}};
  std::set<std::string> printed;
  for (const auto& image : list) {
    std::string id = short_id(text_of(image, "Id"), trunc);
    if (options.quiet) {
      if (printed.insert(id).second) context.out << id << "\n";
      continue;
    }
    std::vector<std::string> tags;
    for (const auto& tag : image.value("RepoTags", json::array()))
      if (tag.is_string()) tags.push_back(tag.get<std::string>());
    if (tags.empty()) tags.push_back("<none>:<none>");
    for (const auto& tag : tags) {
      auto slash = tag.rfind('/');
      auto colon = tag.rfind(':');
      bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
      rows.push_back({tagged ? tag.substr(0, colon) : tag, tagged ? tag.substr(colon + 1) : "<none>",
                      id, since(image), human_size(image.value("Size", 0.0))});
    }
  }
  if (!options.quiet) print_table(context.out, rows);
}

// Go's json.Indent(dst, src, "", "    "): whitespace dropped, one member per
// line, empty {} and [] kept together, the daemon's own escapes untouched.
std::string indent_json(const std::string& text) {
  std::string out;
  int depth = 0;
  bool in_string = false, escaped = false, just_opened = false;
  auto newline = [&] { out += "\n" + std::string(static_cast<std::size_t>(depth) * 4, ' '); };
  for (char c : text) {
    if (in_string) {
      out += c;
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (just_opened && c != '}' && c != ']') {
      ++depth;
      newline();
    }
    if ((c == '}' || c == ']') && !just_opened) {
      --depth;
      newline();
    }
    just_opened = false;
    out += c;
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') just_opened = true;
    if (c == ',') newline();
    if (c == ':') out += ' ';
  }
  return out;
}

}  // namespace
}  // namespace gorae::cli::detail

namespace gorae::cli {

void print_inspected(Context& context, const std::vector<std::string>& names, const std::string& collection,
                     const std::string& not_found) {
  std::string joined;
  std::vector<std::string> errors;
  for (const auto& name : names) {
    auto client = context.connect();
    auto response = client.request("GET", collection + escape(name) + "/json");
    if (!response) throw Failure(1, "error during connect: " + response.error().what());
    if (response->status == 404 && !not_found.empty()) errors.push_back("Error: " + not_found + ": " + name);
    else if (response->status >= 400)
      errors.push_back("Error response from daemon: " + daemon_message(*response));
    else joined += (joined.empty() ? "" : ",") + response->body;
  }
  context.out << (joined.empty() ? "[]" : detail::indent_json("[" + joined + "]")) << "\n";
  if (errors.empty()) return;
  std::string message;
  for (const auto& error : errors) message += (message.empty() ? "" : "\n") + error;
  throw Failure(1, message);
}

}  // namespace gorae::cli

namespace gorae::cli::detail {
namespace {

struct LogsOptions {
  bool follow = false, timestamps = false;
  std::string tail = "all";
  std::string container;
};

void logs(Context& context, const LogsOptions& options) {
  auto info = inspect_container(context, options.container);
  bool tty = info.value("Config", json::object()).value("Tty", false);
  std::string target = "/containers/" + info.value("Id", "") +
                       "/logs?stderr=1&stdout=1&tail=" + escape(options.tail);
  if (options.follow) target += "&follow=1";
  if (options.timestamps) target += "&timestamps=1";
  auto client = context.connect();
  auto head = client.request_head("GET", target);
  if (!head) throw Failure(1, "error during connect: " + head.error().what());
  if (head->status >= 400) {
    head->body = read_body(client);
    throw Failure(1, "Error response from daemon: " + daemon_message(*head));
  }
  Demuxer output(tty, context.out, context.err);
  while (true) {
    auto piece = client.read_some();
    if (!piece) throw Failure(1, "error reading the logs: " + piece.error().what());
    if (!*piece) break;
    output.feed(**piece);
  }
}

}  // namespace

void install_view_commands(CLI::App& app, Context& context) {
  auto ps_options = std::make_shared<PsOptions>();
  auto* ps_command = app.add_subcommand("ps", "List containers");
  ps_command->add_flag("-a,--all", ps_options->all, "Show all containers (default shows just running)");
  ps_command->add_flag("-q,--quiet", ps_options->quiet, "Only display container IDs");
  ps_command->add_flag("--no-trunc", ps_options->no_trunc, "Don't truncate output");
  ps_command->callback([&context, ps_options] { ps(context, *ps_options); });

  auto image_options = std::make_shared<PsOptions>();
  auto* images_command = app.add_subcommand("images", "List images");
  images_command->add_flag("-a,--all", image_options->all, "Show all images");
  images_command->add_flag("-q,--quiet", image_options->quiet, "Only show image IDs");
  images_command->add_flag("--no-trunc", image_options->no_trunc, "Don't truncate output");
  images_command->callback([&context, image_options] { images(context, *image_options); });

  auto names = std::make_shared<std::vector<std::string>>();
  auto* inspect_command = app.add_subcommand("inspect", "Return low-level information on containers");
  inspect_command->add_option("NAME", *names)->required();
  inspect_command->callback([&context, names] { print_inspected(context, *names, "/containers/", "No such object"); });

  auto logs_options = std::make_shared<LogsOptions>();
  auto* logs_command = app.add_subcommand("logs", "Fetch the logs of a container");
  logs_command->add_flag("-f,--follow", logs_options->follow, "Follow log output");
  logs_command->add_flag("-t,--timestamps", logs_options->timestamps, "Show timestamps");
  logs_command->add_option("-n,--tail", logs_options->tail,
                           "Number of lines to show from the end of the logs");
  logs_command->add_option("CONTAINER", logs_options->container)->required();
  logs_command->callback([&context, logs_options] { logs(context, *logs_options); });
}

}  // namespace gorae::cli::detail
