// The volume API's JSON and its filters, as dockerd's volume service reads
// them (volume/service/convert.go, api/types/filters).
#include "gorae/volumes/volume_filters.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>

namespace gorae::volumes {
namespace {

using nlohmann::json;
using Filters = std::map<std::string, std::set<std::string>>;

std::string rfc3339_seconds(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto midnight = floor<days>(time);
  year_month_day date{midnight};
  hh_mm_ss clock{floor<seconds>(time - midnight)};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

tl::unexpected<Error> invalid_filter(const std::string& key, const std::set<std::string>* values = nullptr) {
  std::string text = "invalid filter '" + key;
  if (values) {
    text += "=[";
    bool first = true;
    for (const auto& value : *values) {
      text += (first ? "" : " ") + value;
      first = false;
    }
    text += "]";
  }
  return fail(Errc::invalid_argument, text + "'");
}

Result<Filters> parse(const std::string& text, std::initializer_list<const char*> accepted) {
  Filters filters;
  if (text.empty()) return filters;
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return fail(Errc::invalid_argument, "invalid filter: " + text);
  for (const auto& [key, values] : doc.items()) {
    if (std::find_if(accepted.begin(), accepted.end(), [&](const char* k) { return key == k; }) == accepted.end())
      return invalid_filter(key);
    auto& set = filters[key];
    if (values.is_array()) {
      for (const auto& value : values)
        if (value.is_string()) set.insert(value.get<std::string>());
    } else if (values.is_object()) {
      for (const auto& [value, on] : values.items())
        if (on.is_boolean() && on.get<bool>()) set.insert(value);
    } else {
      return fail(Errc::invalid_argument, "invalid filter: " + text);
    }
  }
  return filters;
}

// filters.Args.MatchKVList: every KEY or KEY=VALUE must be among the labels.
bool match_labels(const std::set<std::string>& wanted, const Labels& labels) {
  for (const auto& condition : wanted) {
    auto equals = condition.find('=');
    auto found = labels.find(condition.substr(0, equals));
    if (found == labels.end()) return false;
    if (equals != std::string::npos && found->second != condition.substr(equals + 1)) return false;
  }
  return true;
}

// filters.Args.Match: the value itself, or a regular expression found in it.
bool match_name(const std::set<std::string>& patterns, const std::string& name) {
  for (const auto& pattern : patterns) {
    if (pattern == name) return true;
    try {
      if (std::regex_search(name, std::regex(pattern))) return true;
    } catch (const std::regex_error&) {
    }
  }
  return false;
}

bool label_filters_hold(const Filters& filters, const Volume& volume) {
  if (auto wanted = filters.find("label"); wanted != filters.end() && !match_labels(wanted->second, volume.labels))
    return false;
  if (auto unwanted = filters.find("label!"); unwanted != filters.end() && match_labels(unwanted->second, volume.labels))
    return false;
  return true;
}

// Go's strconv.ParseBool.
std::optional<bool> parse_bool(const std::string& text) {
  static const std::set<std::string> yes = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string> no = {"0", "f", "F", "FALSE", "false", "False"};
  if (yes.count(text)) return true;
  if (no.count(text)) return false;
  return std::nullopt;
}

}  // namespace

json volume_json(const Volume& volume) {
  return json{{"CreatedAt", rfc3339_seconds(volume.created)},
              {"Driver", volume.driver},
              {"Labels", volume.labels.empty() ? json(nullptr) : json(volume.labels)},
              {"Mountpoint", volume.mountpoint},
              {"Name", volume.name},
              {"Options", volume.options.empty() ? json(nullptr) : json(volume.options)},
              {"Scope", "local"}};
}

Result<VolumeFilter> list_filter(const std::string& filters_json) {
  GORAE_ASSIGN_OR_RETURN(Filters filters, parse(filters_json, {"dangling", "name", "driver", "label"}));
  std::optional<bool> dangling;
  if (auto values = filters.find("dangling"); values != filters.end()) {
    const auto& given = values->second;
    if (given.count("true") || given.count("1")) dangling = true;
    else if (given.count("false") || given.count("0")) dangling = false;
    else return invalid_filter("dangling", &given);
  }
  return VolumeFilter([filters, dangling](const Volume& volume, bool in_use) {
    if (auto names = filters.find("name"); names != filters.end() && !match_name(names->second, volume.name))
      return false;
    if (auto drivers = filters.find("driver"); drivers != filters.end() && !drivers->second.count(volume.driver))
      return false;
    if (dangling && *dangling == in_use) return false;
    return label_filters_hold(filters, volume);
  });
}

Result<VolumeFilter> prune_filter(const std::string& filters_json, bool before_api_1_42) {
  GORAE_ASSIGN_OR_RETURN(Filters filters, parse(filters_json, {"label", "label!", "all"}));
  // API < 1.42 pruned every unused volume; dockerd keeps that for old clients.
  if (before_api_1_42) filters["all"].insert("true");
  bool all = false;
  if (auto values = filters.find("all"); values != filters.end()) {
    if (values->second.size() > 1) return invalid_filter("all", &values->second);
    if (!values->second.empty()) {
      auto parsed = parse_bool(*values->second.begin());
      if (!parsed) return invalid_filter("all", &values->second);
      all = *parsed;
    }
  }
  if (!all) filters["label"].insert(kAnonymousLabel);
  return VolumeFilter([filters](const Volume& volume, bool) { return label_filters_hold(filters, volume); });
}

}  // namespace gorae::volumes
