#pragma once

#include <string>

#include "gorae/base/error.hpp"

namespace gorae::daemon {

/// Writes `content` to `path` so that readers see the old file or the new
/// one, never a torn one: temporary file, fsync, rename.
Status write_file_atomic(const std::string& path, const std::string& content, int mode = 0644);

/// The engine's ID (/info "ID"), created on first start and kept in
/// DATA_ROOT/engine-id so it survives restarts, as dockerd's does.
Result<std::string> load_or_create_engine_id(const std::string& data_root);

/// The daemon's pidfile: refuses to start when it names a live process,
/// and removes the file on destruction if it still holds our pid.
class Pidfile {
 public:
  static Result<Pidfile> create(const std::string& path);
  Pidfile(Pidfile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  Pidfile& operator=(Pidfile&&) = delete;
  ~Pidfile();

 private:
  explicit Pidfile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace gorae::daemon
