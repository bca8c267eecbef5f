#pragma once

#include <memory>

#include "gorae/engine/routes.hpp"

namespace gorae::images {
class Store;
}

namespace gorae::engine {

/// Chapter 05's /images API over the content store, in dockerd's shapes:
///  - POST /images/load?quiet= (a tar body: docker save's layout or an OCI
///    image layout) → a JSON message stream ("Loaded image: busybox:latest");
///  - GET /images/{name}/get and GET /images/get?names=a&names=b → the tar;
///  - GET /images/json (?filters= reference, dangling, label, before, since),
///    GET /images/{name}/json, GET /images/{name}/history;
///  - POST /images/{name}/tag?repo=&tag= (201), DELETE /images/{name}?force=
///    (409 while a container uses it), POST /images/prune?filters= (dangling,
///    label, until).
/// Added after chapter 02's routes, they replace its GET /images/json. The
/// engine tells which containers use an image.
EngineRoutes image_routes(std::shared_ptr<images::Store> store);

}  // namespace gorae::engine
