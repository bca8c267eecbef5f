// Container records on disk, names and references, the way dockerd keeps
// them: one directory per container, a random 64-hex ID, a generated or
// user-chosen name, and lookups by full ID, name or unique ID prefix.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "gorae/base/log.hpp"
#include "gorae/base/unique_fd.hpp"
#include "gorae/daemon/state_files.hpp"
#include "gorae/engine/store.hpp"

namespace gorae::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kRecordFile = "config.json";

// Names are "adjective_surname", as Docker's namesgenerator makes them. The
// surnames are people whose work computing and containers stand on.
constexpr std::array kAdjectives = {
    "admiring", "agile",   "amazing",  "bold",     "boring",   "brave",    "bright",
    "calm",     "careful", "cheerful", "clever",   "curious",  "daring",   "dazzling",
    "eager",    "elegant", "festive",  "focused",  "friendly", "gallant",  "gentle",
    "happy",    "hopeful", "humble",   "jolly",    "keen",     "kind",     "lively",
    "lucid",    "merry",   "modest",   "nimble",   "patient",  "peaceful", "plucky",
    "quiet",    "radiant", "serene",   "sharp",    "sincere",  "steady",   "sunny",
    "swift",    "tender",  "tidy",     "upbeat",   "vibrant",  "witty",    "zealous",
};

constexpr std::array kSurnames = {
    "allen",     "babbage",  "backus",   "bell",     "boole",     "cerf",      "conway",
    "corbato",   "curie",    "dijkstra", "easley",   "engelbart", "faraday",   "feynman",
    "franklin",  "gauss",    "goldberg", "hamilton", "hopper",    "hypatia",   "johnson",
    "kahan",     "kernighan", "knuth",   "lamarr",   "lamport",   "liskov",    "lovelace",
    "maxwell",   "mccarthy", "meitner",  "noether",  "perlman",   "ramanujan", "ritchie",
    "shannon",   "shaw",     "sutherland", "tesla",  "thompson",  "torvalds",  "turing",
    "vaughan",   "wilkes",   "wing",     "wozniak",
};

// The name regex dockerd checks, ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$, as a loop.
bool valid_name(std::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.size() < 2) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front())) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::string strip_slash(std::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return std::string(name);
}

// An ID names a directory we may delete, so it must be one path component.
Status check_id(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos)
    return fail(Errc::invalid_argument, "invalid container ID \"" + id + "\"");
  return {};
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return tl::unexpected(Error::from_errno("open " + path));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return tl::unexpected(Error::from_errno("read " + path));
  return text.str();
}

// /proc/self/mountinfo writes space, tab, newline and backslash as \ooo.
std::string unescape_mount_path(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      int value = 0;
      bool octal = true;
      for (std::size_t j = i + 1; j <= i + 3; ++j) {
        if (text[j] < '0' || text[j] > '7') octal = false;
        else value = value * 8 + (text[j] - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// Mount points at or under `root`. remove_all would follow a bind mount left
// inside a container's directory and delete the host files behind it, so a
// directory with anything mounted in it is never removed.
std::vector<std::string> mounts_under(const std::string& root) {
  std::vector<std::string> found;
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": field 5.
    std::istringstream fields(line);
    std::string skip, mount_point;
    fields >> skip >> skip >> skip >> skip >> mount_point;
    mount_point = unescape_mount_path(mount_point);
    if (mount_point == root || mount_point.rfind(root + "/", 0) == 0) found.push_back(mount_point);
  }
  return found;
}

}  // namespace

ContainerStore::ContainerStore(std::string dir) : dir_(std::move(dir)) {}

std::string ContainerStore::container_dir(const std::string& id) const { return dir_ + "/" + id; }

Result<std::vector<std::string>> ContainerStore::load() {
  containers_.clear();
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return fail(Errc::system, "create " + dir_ + ": " + ec.message());

  std::vector<std::string> skipped;
  auto skip = [&](const std::string& id, const std::string& reason) {
    GORAE_LOG_WARN("skipping container %s: %s", id.c_str(), reason.c_str());
    skipped.push_back(id + ": " + reason);
  };
  fs::directory_iterator entries(dir_, ec);
  if (ec) return fail(Errc::system, "read " + dir_ + ": " + ec.message());
  for (const auto& entry : entries) {
    std::error_code ignored;
    if (!entry.is_directory(ignored)) continue;
    std::string id = entry.path().filename();
    // A crash between writing a record's temporary file and renaming it
    // leaves "config.json.tmp.<pid>" behind; the record itself is whole.
    for (const auto& file : fs::directory_iterator(entry.path(), ignored)) {
      if (file.path().filename().string().rfind(std::string(kRecordFile) + ".tmp.", 0) == 0)
        fs::remove(file.path(), ignored);
    }
    auto text = read_file(container_dir(id) + "/" + kRecordFile);
    if (!text) {
      skip(id, text.error().what());
      continue;
    }
    Container container;
    try {
      json::parse(*text).get_to(container);
    } catch (const std::exception& error) {
      skip(id, error.what());
      continue;
    }
    if (container.id != id) {
      skip(id, "record has ID \"" + container.id + "\"");
      continue;
    }
    containers_[id] = std::move(container);
  }
  return skipped;
}

// dockerd's stringid.GenerateRandomID: 32 random bytes in hex, drawn again
// when the first 12 characters are all digits. The short ID is also the
// default hostname and what people type, and an all-digit one looks like a
// number: a hostname may not be all digits, and tools that parse it as an
// integer lose leading zeros (docker issue #3869).
std::string ContainerStore::new_id() const {
  static const char* hex = "0123456789abcdef";
  for (;;) {
    std::array<unsigned char, 32> bytes{};
    base::UniqueFd urandom(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
    bool filled = urandom.valid() &&
                  ::read(urandom.get(), bytes.data(), bytes.size()) ==
                      static_cast<ssize_t>(bytes.size());
    if (!filled) {
      // Reads of up to 256 bytes from /dev/urandom do not come back short;
      // this only runs when /dev is missing (a broken chroot).
      std::random_device random;
      for (auto& byte : bytes) byte = static_cast<unsigned char>(random());
    }
    std::string id;
    for (unsigned char byte : bytes) {
      id.push_back(hex[byte >> 4]);
      id.push_back(hex[byte & 0xf]);
    }
    bool all_digits = std::all_of(id.begin(), id.begin() + 12,
                                  [](char c) { return c >= '0' && c <= '9'; });
    if (!all_digits && !containers_.count(id)) return id;
  }
}

std::string ContainerStore::new_name() const {
  thread_local std::mt19937 random{std::random_device{}()};
  auto taken = [this](const std::string& name) {
    return std::any_of(containers_.begin(), containers_.end(),
                       [&](const auto& entry) { return entry.second.name == name; });
  };
  for (unsigned attempt = 0;; ++attempt) {
    std::string name =
        std::string(kAdjectives[random() % kAdjectives.size()]) + "_" +
        kSurnames[random() % kSurnames.size()];
    // Docker's rule, kept: "Steve Wozniak is not boring".
    if (name == "boring_wozniak") continue;
    // After a few collisions, add a number as dockerd adds a digit; the
    // count grows, so the loop ends however many names are taken.
    if (attempt >= 16) name += std::to_string(attempt);
    if (!taken(name)) return name;
  }
}

Status ContainerStore::check_name(std::string_view name) const {
  if (!valid_name(name))
    return fail(Errc::invalid_argument, "Invalid container name (" + std::string(name) +
                                            "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  std::string bare = strip_slash(name);
  for (const auto& [id, container] : containers_) {
    if (container.name == bare)
      return fail(Errc::conflict, "Conflict. The container name \"/" + bare +
                                      "\" is already in use by container \"" + id +
                                      "\". You have to remove (or rename) that container to "
                                      "be able to reuse that name.");
  }
  return {};
}

Status ContainerStore::save(const Container& container) {
  GORAE_TRY(check_id(container.id));
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return fail(Errc::system, "create " + dir_ + ": " + ec.message());
  // 0700, as dockerd's: the record holds the environment, which may hold secrets.
  std::string directory = container_dir(container.id);
  bool created = ::mkdir(directory.c_str(), 0700) == 0;
  if (!created && errno != EEXIST) return tl::unexpected(Error::from_errno("create " + directory));
  // Invalid UTF-8 (a program's error text, say) is replaced, never fatal.
  std::string text = json(container).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  auto written = daemon::write_file_atomic(directory + "/" + kRecordFile, text, 0600);
  if (!written) {
    if (created) ::rmdir(directory.c_str());  // no record-less directory for load() to report
    return written;
  }
  containers_[container.id] = container;
  return {};
}

Status ContainerStore::remove(const std::string& id) {
  GORAE_TRY(check_id(id));
  std::string directory = container_dir(id);
  std::error_code ec;
  std::string real = fs::weakly_canonical(directory, ec).string();
  if (ec) real = directory;
  if (auto mounted = mounts_under(real); !mounted.empty())
    return fail(Errc::conflict, "remove " + directory + ": " + mounted.front() +
                                    " is still mounted");
  fs::remove_all(directory, ec);
  if (ec) return fail(Errc::system, "remove " + directory + ": " + ec.message());
  containers_.erase(id);
  return {};
}

Result<std::string> ContainerStore::resolve(std::string_view reference) const {
  // LAB(02) resolve: Find a container by full ID, by name, or by a unique ID prefix
  // dockerd's order: exact ID, then name ("/name" too), then prefix. Errors:
  // Errc::not_found "No such container: REF"; a prefix of several IDs is
  // Errc::internal "Multiple IDs found with provided prefix: REF".
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  std::string ref(reference);
  if (ref.empty()) return fail(Errc::not_found, "No such container: ");
  // dockerd's order (daemon.GetContainer): exact ID, then name, then prefix.
  if (containers_.count(ref)) return ref;
  std::string bare = strip_slash(ref);
  for (const auto& [id, container] : containers_)
    if (container.name == bare) return id;
  std::string match;
  for (auto it = containers_.lower_bound(ref); it != containers_.end(); ++it) {
    if (it->first.compare(0, ref.size(), ref) != 0) break;  // the map is sorted
    if (!match.empty())
      return fail(Errc::internal, "Multiple IDs found with provided prefix: " + ref);
    match = it->first;
  }
  if (match.empty()) return fail(Errc::not_found, "No such container: " + ref);
  return match;
  // LAB-END
}

Container* ContainerStore::find(const std::string& id) {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : &it->second;
}

const Container* ContainerStore::find(const std::string& id) const {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : &it->second;
}

std::vector<const Container*> ContainerStore::all() const {
  std::vector<const Container*> list;
  for (const auto& entry : containers_) list.push_back(&entry.second);
  std::sort(list.begin(), list.end(), [](const Container* a, const Container* b) {
    if (a->created != b->created) return a->created > b->created;
    return a->id < b->id;
  });
  return list;
}

}  // namespace gorae::engine
