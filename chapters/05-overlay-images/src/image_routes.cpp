// The /images API of chapter 05: the content store seen through dockerd's
// endpoints. Load and save stream (a body of chunks, a tar of chunks); the
// rest are small JSON answers. Which containers use an image is the engine's
// to say, and decides what rmi and prune may remove.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "gorae/api/error.hpp"
#include "gorae/base/log.hpp"
#include "gorae/engine/engine.hpp"
#include "gorae/engine/image_routes.hpp"
#include "image_routes_internal.hpp"

namespace gorae::engine {
namespace {

using api::Request;
using api::Response;
using api::unwrap;
using nlohmann::json;
using StorePtr = std::shared_ptr<images::Store>;

// The containers are listed first: Store::remove asks with its lock held,
// and the answer must not need the store.
images::ImageUsers users_from(const Engine& engine) {
  ListOptions all;
  all.all = true;
  return [containers = engine.list(all)](const images::Digest& id) {
    std::vector<images::ImageUser> users;
    for (const auto& container : containers) {
      if (container.image_id != id.str()) continue;
      auto status = container.state.status;
      users.push_back({container.id, status == RunStatus::running || status == RunStatus::paused ||
                                         status == RunStatus::restarting});
    }
    return users;
  };
}

// The archive, read once from its start: the file the server spooled the
// body to, or, in a request built by hand, its bytes in memory.
struct ArchiveBody {
  static constexpr std::size_t kDiscardEvery = 8 << 20;

  std::shared_ptr<const base::UniqueFd> file;
  std::string bytes;
  std::size_t position = 0;
  std::size_t discarded = 0;

  Result<std::size_t> read(char* buffer, std::size_t size) {
    if (!file) {
      std::size_t n = std::min(size, bytes.size() - position);
      std::memcpy(buffer, bytes.data() + position, n);
      position += n;
      return n;
    }
    ssize_t n;
    do {
      n = ::read(file->get(), buffer, size);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return tl::unexpected(Error::from_errno("read the spooled archive"));
    position += static_cast<std::size_t>(n);
    if (n == 0 || position - discarded >= kDiscardEvery) discard_read_part();
    return static_cast<std::size_t>(n);
  }

  // What has been read is dropped from the file as the load goes: its dirty
  // pages are then never written out (the syncfs that makes each layer
  // durable would otherwise write the whole spooled archive to disk first),
  // and the disk holds the archive's unread part, not all of it, next to the
  // blobs made from it. Where holes cannot be punched it only costs that.
  void discard_read_part() {
    (void)::fallocate(file->get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      static_cast<off_t>(discarded), static_cast<off_t>(position - discarded));
    discarded = position;
  }
};

// The body is spooled (RequestBody::spooled): an archive of any size waits
// on disk and is read once, as load_archive streams it into the store.
// dockerd answers 200 at once and reports a failure as the stream's last
// line, so the docker CLI prints it and exits 1.
Response load_response(const StorePtr& store, Request& request) {
  bool quiet = request.query_flag("quiet", true);  // dockerd's default
  auto body = std::make_shared<ArchiveBody>(ArchiveBody{request.body_file, std::move(request.body)});
  Response response = Response::empty(200);
  response.set_header("Content-Type", "application/json");
  response.stream = [store, body, quiet](api::BodyWriter& out) {
    images::ArchiveSource source = [&](char* buffer, std::size_t size) -> Result<std::size_t> {
      if (out.stop_token().stop_requested()) return fail(Errc::unavailable, "the client went away");
      return body->read(buffer, size);
    };
    auto observer = [&](const images::LoadEvent& event) {
      if (event.kind == images::LoadEvent::Kind::message) out.write(image_api::stream_line(event.text));
      else if (!quiet) out.write(image_api::progress_line(event));
    };
    auto loaded = images::load_archive(*store, source, observer);
    if (!loaded) out.write(image_api::error_line(loaded.error().what()));
  };
  return response;
}

// Names are resolved before the answer starts, so an unknown one is a 404.
Response save_response(const StorePtr& store, const std::vector<std::string>& names) {
  auto plan = unwrap(images::plan_save(*store, names));
  Response response = Response::empty(200);
  response.set_header("Content-Type", "application/x-tar");
  response.stream = [store, plan = std::move(plan)](api::BodyWriter& out) {
    auto written = images::write_archive(*store, plan, [&out](std::string_view bytes) -> Status {
      if (!out.write(bytes)) return fail(Errc::unavailable, "the client went away");
      return {};
    });
    if (written || written.error().kind() == Errc::unavailable) return;
    // Too late for a status: dockerd appends the error to the stream.
    GORAE_LOG_ERROR("save: %s", written.error().what().c_str());
    out.write(image_api::error_line(written.error().what()));
  };
  return response;
}

Response tag_response(images::Store& store, Request& request) {
  auto image = unwrap(store.find(request.param("name")));
  auto reference = unwrap(images::Reference::parse(request.query_value("repo").value_or("")));
  if (reference.digest) throw api::Error::bad_request("refusing to create a tag with a digest reference");
  if (auto tag = request.query_value("tag"); tag && !tag->empty()) {
    unwrap(images::validate_tag(*tag));
    reference.tag = *tag;
  }
  unwrap(store.tag(image.id, reference.with_default_tag(), true));
  return Response::empty(201);
}

// Go's time.ParseDuration for the plain cases ("24h", "1h30m", "90s"), a
// Unix time, or an RFC 3339 date, as `until=` accepts them.
std::chrono::system_clock::time_point parse_until(const std::string& text) {
  auto now = std::chrono::system_clock::now();
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string::npos)
    return std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(text)));
  if (auto date = images::parse_rfc3339(text)) return *date;
  double seconds = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(text.substr(pos), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    pos += used;
    char unit = pos < text.size() ? text[pos++] : '\0';
    if (used == 0 || (unit != 'h' && unit != 'm' && unit != 's'))
      throw api::Error::bad_request("invalid filter 'until=" + text + "'");
    seconds += value * (unit == 'h' ? 3600 : unit == 'm' ? 60 : 1);
  }
  return now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                   std::chrono::duration<double>(seconds));
}

bool prunable(const images::Image& image, const image_api::Filters& filters, bool dangling_only) {
  if (dangling_only && !image.repo_tags.empty()) return false;
  if (auto it = filters.find("label"); it != filters.end() &&
                                       !image_api::labels_match(it->second, image.config.config.labels))
    return false;
  if (auto it = filters.find("label!"); it != filters.end())
    for (const auto& label : it->second)
      if (image_api::labels_match({label}, image.config.config.labels)) return false;
  if (auto it = filters.find("until"); it != filters.end())
    for (const auto& until : it->second)
      if (!image.created || *image.created >= parse_until(until)) return false;
  return true;
}

// dockerd's ImagesPrune: each unused image goes by its names (the last
// untag deletes it), an untagged one by its ID; the space counted is that
// of the layers that went with them.
Response prune_response(images::Store& store, const Engine& engine, Request& request) {
  auto filters = image_api::parse_filters(request, {"dangling", "label", "label!", "until"});
  bool dangling_only = image_api::dangling_filter(filters, true);
  auto users = users_from(engine);
  json deleted = json::array();
  std::int64_t reclaimed = 0;
  for (const auto& image : store.list()) {
    if (!users(image.id).empty() || !prunable(image, filters, dangling_only)) continue;
    std::map<std::string, std::int64_t> layer_sizes;  // by ChainID, as the records name layers
    auto chains = images::chain_ids(image.config.diff_ids);
    for (std::size_t i = 0; i < chains.size(); ++i)
      layer_sizes[chains[i].str()] = store.layers().size(image.config.diff_ids[i]).value_or(0);
    std::vector<std::string> names = image.repo_tags;
    names.insert(names.end(), image.repo_digests.begin(), image.repo_digests.end());
    if (names.empty()) names.push_back(image.id.hex());
    for (const auto& name : names) {
      auto records = store.remove(name, users);
      if (!records) {
        GORAE_LOG_WARN("prune %s: %s", name.c_str(), records.error().what().c_str());
        break;
      }
      for (const auto& record : *records) {
        deleted.push_back(record);
        if (record.kind == images::DeleteRecord::Kind::deleted) reclaimed += layer_sizes[record.value];
      }
    }
  }
  return Response::json(200, json{{"ImagesDeleted", deleted.empty() ? json(nullptr) : deleted},
                                  {"SpaceReclaimed", reclaimed}});
}

images::Image find_for_inspect(const images::Store& store, const std::string& name) {
  auto image = store.find(name);
  if (image) return std::move(*image);
  if (image.error().kind() == Errc::not_found)  // dockerd's wording for inspect
    throw api::Error::not_found("no such image: " + name + ": " + image.error().what());
  throw api::to_api_error(image.error());
}

}  // namespace

EngineRoutes image_routes(std::shared_ptr<images::Store> store) {
  return [store](api::Router& router, const std::shared_ptr<Engine>& engine) {
    router.add(
        "POST", "/images/load", [store](Request& request) { return load_response(store, request); },
        api::RequestBody::spooled);
    router.add("GET", "/images/get", [store](Request& request) {
      std::vector<std::string> names;
      for (const auto& [key, value] : request.query)
        if (key == "names") names.push_back(value);
      return save_response(store, names);
    });
    router.add("GET", "/images/{name*}/get", [store](Request& request) {
      return save_response(store, {request.param("name")});
    });
    router.add("GET", "/images/json", [store](Request& request) {
      auto filters = image_api::parse_filters(request, {"reference", "dangling", "label", "before", "since"});
      return Response::json(200, image_api::list_json(*store, filters, request.query_flag("all")));
    });
    router.add("GET", "/images/{name*}/json", [store](Request& request) {
      return Response::json(200, image_api::inspect_json(*store, find_for_inspect(*store, request.param("name"))));
    });
    router.add("GET", "/images/{name*}/history", [store](Request& request) {
      return Response::json(200, image_api::history_json(*store, unwrap(store->find(request.param("name")))));
    });
    router.add("POST", "/images/{name*}/tag", [store](Request& request) { return tag_response(*store, request); });
    router.add("DELETE", "/images/{name*}", [store, engine](Request& request) {
      images::RemoveOptions options;
      options.force = request.query_flag("force");
      options.prune = !request.query_flag("noprune");
      auto records = unwrap(store->remove(request.param("name"), users_from(*engine), options));
      return Response::json(200, json(records));
    });
    router.add("POST", "/images/prune", [store, engine](Request& request) {
      return prune_response(*store, *engine, request);
    });
  };
}

}  // namespace gorae::engine
