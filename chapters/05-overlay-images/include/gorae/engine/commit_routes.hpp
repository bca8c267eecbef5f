#pragma once

#include <memory>
#include <string>

#include "gorae/engine/routes.hpp"

namespace gorae::images {
class Store;
}

namespace gorae::engine {

/// Chapter 05's container routes over the content store, in dockerd's shapes:
///  - GET /containers/{id}/changes → [{"Path": "/etc", "Kind": 0}, ...]
///    (0 modified, 1 added, 2 deleted), for a running or stopped container;
///  - POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=
///    (changes repeated; a JSON Config body optional) → 201 {"Id": "sha256:..."}.
/// Both answer 404 "No such container: x". `data_root` is the daemon's
/// --data-root, where each container's directory is.
EngineRoutes commit_routes(std::shared_ptr<images::Store> store, std::string data_root);

}  // namespace gorae::engine
