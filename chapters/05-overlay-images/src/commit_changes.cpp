// `docker commit --change`, after dockerd's builder/dockerfile: the
// instructions that only edit the image's config, applied to a copy of it.
// Words and expansion are in dockerfile_words.cpp.
#include <cctype>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "dockerfile_words.hpp"
#include "gorae/engine/engine.hpp"
#include "gorae/images/commit_config.hpp"

namespace gorae::images {
namespace {

using json = nlohmann::json;
using dockerfile::Instruction;

const std::set<std::string> kCommitInstructions = {"cmd",     "entrypoint", "healthcheck", "env",    "expose", "label",
                                                   "onbuild", "stopsignal", "user",        "volume", "workdir"};

tl::unexpected<Error> invalid(std::string message) { return fail(Errc::invalid_argument, std::move(message)); }

std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> strings_of(const json& value) {
  std::vector<std::string> out;
  if (value.is_array())
    for (const auto& item : value)
      if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

std::string key_of(const std::string& entry) { return entry.substr(0, entry.find('=')); }

class Applier {
 public:
  explicit Applier(json& config) : config_(config) {}

  Status apply(const Instruction& in) {
    const std::string word = upper(in.name);
    if (in.name == "cmd") return cmd(in);
    if (in.name == "entrypoint") return entrypoint(in);
    if (in.name == "healthcheck")
      return invalid("HEALTHCHECK is not supported by gorae's commit: gorae runs no health checks");
    if (in.rest.empty()) {
      bool exactly_one = in.name == "user" || in.name == "workdir" || in.name == "stopsignal";
      return invalid(word + (exactly_one ? " requires exactly one argument" : " requires at least one argument"));
    }
    if (in.name == "env" || in.name == "label") return pairs(in, word);
    if (in.name == "expose") return expose(in);
    if (in.name == "volume") return volume(in);
    if (in.name == "onbuild") return onbuild(in);
    GORAE_ASSIGN_OR_RETURN(std::string value, dockerfile::expand(in.rest, env()));
    if (in.name == "user") config_["User"] = value;
    if (in.name == "workdir") {
      std::filesystem::path dir(value);
      if (dir.is_relative()) dir = std::filesystem::path("/") / config_.value("WorkingDir", "") / dir;
      config_["WorkingDir"] = dir.lexically_normal().string();
    }
    if (in.name == "stopsignal") {
      if (!engine::parse_signal(value)) return invalid("Invalid signal: " + value);
      config_["StopSignal"] = value;
    }
    return {};
  }

 private:
  std::vector<std::string> env() const { return strings_of(config_.value("Env", json())); }

  // The exec form as written; the shell form run by the config's Shell.
  json command(const Instruction& in) const {
    if (auto exec = dockerfile::json_strings(in.rest)) return *exec;
    std::vector<std::string> shell = strings_of(config_.value("Shell", json()));
    if (shell.empty()) shell = {"/bin/sh", "-c"};
    if (!in.rest.empty()) shell.push_back(in.rest);
    return shell;
  }

  Status cmd(const Instruction& in) {
    config_["Cmd"] = command(in);
    cmd_set_ = true;
    return {};
  }

  Status entrypoint(const Instruction& in) {
    json value = in.rest.empty() ? json() : command(in);
    config_["Entrypoint"] = value.empty() ? json() : value;
    if (!cmd_set_) config_["Cmd"] = nullptr;  // an image's Cmd was meant for its old entrypoint
    return {};
  }

  // Every word is expanded with the environment from before the instruction.
  Status pairs(const Instruction& in, const std::string& word) {
    GORAE_ASSIGN_OR_RETURN(auto raw, dockerfile::name_values(in.rest, word));
    const auto before = env();
    std::vector<std::pair<std::string, std::string>> expanded;
    for (const auto& [raw_key, raw_value] : raw) {
      GORAE_ASSIGN_OR_RETURN(std::string key, dockerfile::expand(raw_key, before));
      GORAE_ASSIGN_OR_RETURN(std::string value, dockerfile::expand(raw_value, before));
      if (key.empty()) return invalid(word + " names can not be blank");
      expanded.emplace_back(std::move(key), std::move(value));
    }
    for (auto& [key, value] : expanded) {
      if (word == "LABEL") {
        if (!config_["Labels"].is_object()) config_["Labels"] = json::object();
        config_["Labels"][key] = value;
        continue;
      }
      std::vector<std::string> vars = env();
      auto same = std::find_if(vars.begin(), vars.end(), [&](const std::string& e) { return key_of(e) == key; });
      if (same != vars.end()) *same = key + "=" + value;
      else vars.push_back(key + "=" + value);
      config_["Env"] = vars;
    }
    return {};
  }

  // nat.ParsePortSpecs for what EXPOSE takes: PORT[-PORT][/PROTO].
  Status expose(const Instruction& in) {
    for (const auto& raw : dockerfile::split_words(in.rest)) {
      GORAE_ASSIGN_OR_RETURN(std::string spec, dockerfile::expand(raw, env()));
      std::string port = spec.substr(spec.rfind(':') + 1), proto = "tcp";
      if (auto slash = port.find('/'); slash != std::string::npos) {
        std::string given = port.substr(slash + 1);
        port.erase(slash);
        if (!given.empty()) proto = given;
      }
      std::string lower = proto;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower != "tcp" && lower != "udp" && lower != "sctp") return invalid("Invalid proto: " + proto);
      auto dash = port.find('-');
      auto number = [](const std::string& text) -> long {
        if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) return -1;
        long value = std::stol(text);
        return value <= 65535 ? value : -1;
      };
      long first = number(port.substr(0, dash));
      long last = dash == std::string::npos ? first : number(port.substr(dash + 1));
      if (first < 0 || last < first) return invalid("Invalid containerPort: " + port);
      if (!config_["ExposedPorts"].is_object()) config_["ExposedPorts"] = json::object();
      for (long p = first; p <= last; ++p) config_["ExposedPorts"][std::to_string(p) + "/" + lower] = json::object();
    }
    return {};
  }

  Status volume(const Instruction& in) {
    auto list = dockerfile::json_strings(in.rest);
    std::vector<std::string> words = list ? *list : dockerfile::split_words(in.rest);
    for (const auto& raw : words) {
      GORAE_ASSIGN_OR_RETURN(std::string path, dockerfile::expand(raw, env()));
      if (path.find_first_not_of(" \t") == std::string::npos)
        return invalid("VOLUME specified can not be an empty string");
      if (!config_["Volumes"].is_object()) config_["Volumes"] = json::object();
      config_["Volumes"][path] = json::object();
    }
    return {};
  }

  // The trigger is kept as written, for a later build to run.
  Status onbuild(const Instruction& in) {
    std::string trigger = upper(dockerfile::split_words(in.rest).at(0));
    if (trigger == "ONBUILD") return invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (trigger == "FROM" || trigger == "MAINTAINER") return invalid(trigger + " isn't allowed as an ONBUILD trigger");
    json triggers = config_.value("OnBuild", json());
    if (!triggers.is_array()) triggers = json::array();
    triggers.push_back(in.rest);
    config_["OnBuild"] = triggers;
    return {};
  }

  json& config_;
  bool cmd_set_ = false;
};

}  // namespace

Status apply_changes(json& config, const std::vector<std::string>& changes) {
  std::string text;
  for (const auto& change : changes) text += change + "\n";
  auto instructions = dockerfile::split_instructions(text);
  // dockerd checks every instruction before it applies any.
  for (const auto& in : instructions)
    if (!kCommitInstructions.count(in.name)) return invalid(in.name + " is not a valid change command");
  json edited = config.is_object() ? config : json::object();
  Applier applier(edited);
  for (const auto& in : instructions) GORAE_TRY(applier.apply(in));
  config = std::move(edited);
  return {};
}

}  // namespace gorae::images
