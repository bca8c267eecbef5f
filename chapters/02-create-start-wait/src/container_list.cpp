#include <algorithm>

#include "engine_internal.hpp"

namespace gorae::engine {
namespace {

bool any_matches(const std::vector<std::string>& wanted,
                 const std::function<bool(const std::string&)>& match) {
  return wanted.empty() || std::any_of(wanted.begin(), wanted.end(), match);
}

bool label_matches(const Container& container, const std::string& filter) {
  auto eq = filter.find('=');
  auto found = container.config.labels.find(filter.substr(0, eq));
  if (found == container.config.labels.end()) return false;
  return eq == std::string::npos || found->second == filter.substr(eq + 1);
}

}  // namespace

// dockerd's rules: without `all` only running containers; `limit` counts the
// newest and implies all; filters are OR within one key and AND across keys.
std::vector<Container> Engine::list(const ListOptions& options) const {
  std::unique_lock lock(impl_->mutex);
  std::vector<Container> result;
  bool all = options.all || options.limit > 0 || !options.status.empty();
  for (const Container* container : impl_->store.all()) {
    if (!all && container->state.status != RunStatus::running) continue;
    if (!any_matches(options.status, [&](const std::string& s) {
          return s == to_string(container->state.status);
        }))
      continue;
    if (!any_matches(options.name, [&](const std::string& n) {
          return container->name.find(n[0] == '/' ? n.substr(1) : n) != std::string::npos;
        }))
      continue;
    if (!any_matches(options.id, [&](const std::string& i) {
          return container->id.rfind(i, 0) == 0;
        }))
      continue;
    if (!std::all_of(options.label.begin(), options.label.end(),
                     [&](const std::string& l) { return label_matches(*container, l); }))
      continue;
    result.push_back(*container);
    if (options.limit > 0 && static_cast<int>(result.size()) >= options.limit) break;
  }
  return result;
}

}  // namespace gorae::engine
