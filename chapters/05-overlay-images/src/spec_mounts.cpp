// A container's volumes, binds and tmpfs mounts as config.json entries, placed
// among chapter 03's default mounts the way dockerd's WithMounts does
// (daemon/oci_linux.go).
#include "gorae/volumes/spec_mounts.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mount_text.hpp"

namespace gorae::volumes {
namespace {

using nlohmann::json;

std::size_t depth(const std::string& destination) {
  std::string clean = clean_path(destination);
  return static_cast<std::size_t>(std::count(clean.begin(), clean.end(), '/'));
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

struct SourceMount {
  std::string mount_point;
  std::string optional_fields;  // "shared:12 master:3"
};

// The mount a path lives on: the deepest mount point that is the path or a
// parent of it; of equal ones the last, which is on top.
SourceMount source_mount(const std::string& path, const std::string& mount_info) {
  SourceMount best{"/", ""};
  std::size_t best_length = 0;
  std::istringstream lines(mount_info);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word && word != "-";) fields.push_back(word);
    if (fields.size() < 6) continue;
    std::string point = unescape(fields[4]);
    bool covers = point == "/" || path == point || path.rfind(point + "/", 0) == 0;
    if (!covers || point.size() < best_length) continue;
    best_length = point.size();
    best.mount_point = point;
    best.optional_fields.clear();
    for (std::size_t i = 6; i < fields.size(); ++i) best.optional_fields += fields[i] + " ";
  }
  return best;
}

Status check_source_propagation(const std::string& source, bool slave_will_do, const std::string& mount_info) {
  SourceMount found = source_mount(source, mount_info);
  bool shared = found.optional_fields.find("shared:") != std::string::npos;
  bool slave = found.optional_fields.find("master:") != std::string::npos;
  if (shared || (slave_will_do && slave)) return {};
  return fail(Errc::invalid_argument, "path " + source + " is mounted on " + found.mount_point +
                                          (slave_will_do ? " but it is not a shared or slave mount"
                                                         : " but it is not a shared mount"));
}

}  // namespace

Result<json> oci_mount(const MountPoint& mount) {
  if (mount.type == "tmpfs") {
    std::vector<std::string> options = {"noexec", "nosuid", "nodev", "rprivate"};
    if (!mount.tmpfs_data.empty())
      for (const auto& word : split(mount.tmpfs_data, ',', 0)) options.push_back(word);
    GORAE_ASSIGN_OR_RETURN(auto merged, merge_tmpfs_options(options));
    return json{{"destination", mount.destination}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", merged}};
  }
  json options = json::array({mount.non_recursive ? "bind" : "rbind"});
  if (!mount.rw) options.push_back("ro");
  if (!mount.propagation.empty()) options.push_back(mount.propagation);
  return json{{"destination", mount.destination}, {"type", "bind"}, {"source", mount.source}, {"options", options}};
}

Status add_mounts(const std::vector<MountPoint>& mounts, json& spec, const std::string& mount_info,
                  const std::function<std::string(const std::string&)>& resolve) {
  if (mounts.empty()) return {};
  std::vector<const MountPoint*> ordered;
  for (const auto& mount : mounts) ordered.push_back(&mount);
  std::stable_sort(ordered.begin(), ordered.end(), [](const MountPoint* a, const MountPoint* b) {
    return depth(a->destination) < depth(b->destination);
  });
  bool user_dev = false;
  for (const auto* mount : ordered) user_dev = user_dev || mount->destination == "/dev";

  json result = json::array();
  if (spec.contains("mounts") && spec["mounts"].is_array())
    for (const auto& entry : spec["mounts"]) {
      std::string destination = entry.value("destination", "");
      bool replaced = std::any_of(ordered.begin(), ordered.end(),
                                  [&](const MountPoint* m) { return m->destination == destination; });
      if (replaced || (user_dev && destination.rfind("/dev/", 0) == 0)) continue;
      result.push_back(entry);
    }

  for (const auto* mount : ordered) {
    GORAE_ASSIGN_OR_RETURN(json entry, oci_mount(*mount));
    result.push_back(std::move(entry));
    const std::string& propagation = mount->propagation;
    std::string root = spec.contains("linux") ? spec["linux"].value("rootfsPropagation", "") : "";
    if (propagation == "shared" || propagation == "rshared") {
      GORAE_TRY(check_source_propagation(resolve(mount->source), false, mount_info));
      if (root != "shared" && root != "rshared") spec["linux"]["rootfsPropagation"] = "shared";
    } else if (propagation == "slave" || propagation == "rslave") {
      GORAE_TRY(check_source_propagation(resolve(mount->source), true, mount_info));
      if (root != "shared" && root != "rshared" && root != "slave" && root != "rslave")
        spec["linux"]["rootfsPropagation"] = "rslave";
    }
  }
  spec["mounts"] = std::move(result);
  return {};
}

}  // namespace gorae::volumes
