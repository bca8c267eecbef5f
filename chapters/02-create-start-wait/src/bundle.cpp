// The bundle's config.json: the OCI runtime spec (DESIGN §2). Chapter 02 uses
// only process.{terminal,user,args,env,cwd}, root.path and hostname; later
// chapters add linux.namespaces, mounts, cgroups, ... to the same document.
// Field names and rules: opencontainers/runtime-spec v1.0.2 config.md.

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gorae/daemon/state_files.hpp"
#include "gorae/runtime/runtime.hpp"

namespace gorae::runtime {
namespace {

using nlohmann::json;

constexpr const char* kOciVersion = "1.0.2";

tl::unexpected<Error> invalid(const std::string& field, const std::string& problem) {
  return fail(Errc::invalid_argument, "config.json: " + field + ": " + problem);
}

// Each reader names the field it looked at, so a broken bundle says where.
Result<const json*> member(const json& object, const std::string& parent, const char* name,
                           bool required) {
  std::string field = parent.empty() ? name : parent + "." + name;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return invalid(field, "missing");
    return static_cast<const json*>(nullptr);
  }
  return &*it;
}

Result<std::uint32_t> read_id(const json& value, const std::string& field) {
  if (!value.is_number_unsigned() ||
      value.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max())
    return invalid(field, "must be an integer from 0 to 4294967295");
  return static_cast<std::uint32_t>(value.get<std::uint64_t>());
}

Result<std::vector<std::string>> read_strings(const json& value, const std::string& field) {
  if (!value.is_array()) return invalid(field, "must be an array of strings");
  std::vector<std::string> out;
  for (const json& item : value) {
    if (!item.is_string()) return invalid(field, "must be an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Status read_user(const json& user, ProcessSpec& process) {
  if (!user.is_object()) return invalid("process.user", "must be an object");
  GORAE_ASSIGN_OR_RETURN(const json* uid, member(user, "process.user", "uid", true));
  GORAE_ASSIGN_OR_RETURN(process.uid, read_id(*uid, "process.user.uid"));
  GORAE_ASSIGN_OR_RETURN(const json* gid, member(user, "process.user", "gid", true));
  GORAE_ASSIGN_OR_RETURN(process.gid, read_id(*gid, "process.user.gid"));
  GORAE_ASSIGN_OR_RETURN(const json* gids, member(user, "process.user", "additionalGids", false));
  if (!gids) return {};
  if (!gids->is_array()) return invalid("process.user.additionalGids", "must be an array");
  for (const json& item : *gids) {
    GORAE_ASSIGN_OR_RETURN(gid_t extra, read_id(item, "process.user.additionalGids"));
    process.additional_gids.push_back(extra);
  }
  return {};
}

Status read_process(const json& object, ProcessSpec& process) {
  if (!object.is_object()) return invalid("process", "must be an object");
  GORAE_ASSIGN_OR_RETURN(const json* terminal, member(object, "process", "terminal", false));
  if (terminal) {
    if (!terminal->is_boolean()) return invalid("process.terminal", "must be a boolean");
    process.terminal = terminal->get<bool>();
  }
  GORAE_ASSIGN_OR_RETURN(const json* console, member(object, "process", "consoleSize", false));
  if (console) {
    if (!console->is_object() || !console->value("height", json()).is_number_unsigned() ||
        !console->value("width", json()).is_number_unsigned())
      return invalid("process.consoleSize", "must be {\"height\": N, \"width\": N}");
    process.console_height = console->at("height").get<unsigned short>();
    process.console_width = console->at("width").get<unsigned short>();
  }
  GORAE_ASSIGN_OR_RETURN(const json* user, member(object, "process", "user", true));
  GORAE_TRY(read_user(*user, process));

  GORAE_ASSIGN_OR_RETURN(const json* args, member(object, "process", "args", true));
  GORAE_ASSIGN_OR_RETURN(process.args, read_strings(*args, "process.args"));
  if (process.args.empty() || process.args[0].empty())
    return invalid("process.args", "must name the program to run");

  GORAE_ASSIGN_OR_RETURN(const json* env, member(object, "process", "env", false));
  if (env) {
    GORAE_ASSIGN_OR_RETURN(process.env, read_strings(*env, "process.env"));
    for (const std::string& entry : process.env)
      if (entry.find('=') == std::string::npos || entry.front() == '=')
        return invalid("process.env", "\"" + entry + "\" is not KEY=value");
  }

  GORAE_ASSIGN_OR_RETURN(const json* cwd, member(object, "process", "cwd", true));
  if (!cwd->is_string()) return invalid("process.cwd", "must be a string");
  process.cwd = cwd->get<std::string>();
  if (process.cwd.empty() || process.cwd.front() != '/')
    return invalid("process.cwd", "\"" + process.cwd + "\" is not an absolute path");
  return {};
}

Result<BundleSpec> spec_from_json(const json& config) {
  if (!config.is_object()) return invalid("(top level)", "must be an object");
  BundleSpec spec;
  GORAE_ASSIGN_OR_RETURN(const json* version, member(config, "", "ociVersion", true));
  // Any 1.x spec is compatible with what we read (SemVer, config.md).
  if (!version->is_string() || version->get<std::string>().rfind("1.", 0) != 0)
    return invalid("ociVersion", "must be a 1.x version string");

  GORAE_ASSIGN_OR_RETURN(const json* root, member(config, "", "root", true));
  if (!root->is_object()) return invalid("root", "must be an object");
  GORAE_ASSIGN_OR_RETURN(const json* path, member(*root, "root", "path", true));
  if (!path->is_string() || path->get<std::string>().empty())
    return invalid("root.path", "must be a non-empty string");
  spec.root_path = path->get<std::string>();

  GORAE_ASSIGN_OR_RETURN(const json* hostname, member(config, "", "hostname", false));
  if (hostname) {
    if (!hostname->is_string()) return invalid("hostname", "must be a string");
    spec.hostname = hostname->get<std::string>();
  }
  // process is OPTIONAL for `create` in the spec, but required to start.
  GORAE_ASSIGN_OR_RETURN(const json* process, member(config, "", "process", true));
  GORAE_TRY(read_process(*process, spec.process));
  return spec;
}

json spec_to_json(const BundleSpec& spec) {
  // LAB(02) config-json: Write the spec as an OCI config.json document
  // ociVersion; process: terminal, user {uid, gid, additionalGids}, args,
  // env, cwd (and consoleSize with a terminal); root: path; hostname if set.
  const ProcessSpec& p = spec.process;
  json config = {
      {"ociVersion", kOciVersion},
      {"process",
       {{"terminal", p.terminal},
        {"user", {{"uid", p.uid}, {"gid", p.gid}, {"additionalGids", p.additional_gids}}},
        {"args", p.args},
        {"env", p.env},
        {"cwd", p.cwd}}},
      {"root", {{"path", spec.root_path}, {"readonly", false}}},
  };
  if (p.terminal && p.console_height && p.console_width)
    config["process"]["consoleSize"] = {{"height", p.console_height}, {"width", p.console_width}};
  // runc refuses a hostname without a UTS namespace; it is only written when
  // asked for, and chapter 03 adds the namespace that makes it take effect.
  if (!spec.hostname.empty()) config["hostname"] = spec.hostname;
  return config;
  // LAB-END
}

}  // namespace

json bundle_document(const BundleSpec& spec) { return spec_to_json(spec); }

Result<BundleSpec> parse_bundle_document(const json& config) { return spec_from_json(config); }

Result<json> load_bundle_document(const std::string& bundle_dir) {
  const std::string path = bundle_dir + "/config.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(Error::from_errno("open " + path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return tl::unexpected(Error::from_errno(EIO, "read " + path));
  json config = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return fail(Errc::invalid_argument, path + ": not valid JSON");
  return config;
}

Result<BundleSpec> load_bundle(const std::string& bundle_dir) {
  GORAE_ASSIGN_OR_RETURN(json config, load_bundle_document(bundle_dir));
  auto spec = spec_from_json(config);
  if (!spec) return tl::unexpected(std::move(spec).error().wrap(bundle_dir));
  return spec;
}

Status write_bundle_document(const std::string& bundle_dir, const json& config) {
  // Never write what load_bundle would refuse to read.
  GORAE_TRY(spec_from_json(config));
  return daemon::write_file_atomic(bundle_dir + "/config.json", config.dump(2) + "\n");
}

Status write_bundle(const std::string& bundle_dir, const BundleSpec& spec) {
  return write_bundle_document(bundle_dir, spec_to_json(spec));
}

}  // namespace gorae::runtime
