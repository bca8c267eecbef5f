// Unpacked layers by diff_id. A layer appears by one rename() of a complete,
// verified directory, so readers never see half a layer, and an error or a
// digest mismatch leaves nothing behind.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "gorae/images/layer_store.hpp"
#include "layer_fs.hpp"
#include "random_hex.hpp"

namespace gorae::images {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kTempPrefix = ".tmp-";

// The temporary directory goes, whatever happened, unless it was renamed.
class TempLayer {
 public:
  explicit TempLayer(std::string path) : path_(std::move(path)) {}
  ~TempLayer() {
    if (!path_.empty()) (void)detail::remove_tree(path_);
  }
  TempLayer(const TempLayer&) = delete;
  TempLayer& operator=(const TempLayer&) = delete;
  const std::string& path() const { return path_; }
  void committed() { path_.clear(); }

 private:
  std::string path_;
};

Status write_size(const std::string& path, std::int64_t size) {
  std::ofstream out(path, std::ios::trunc);
  out << size << "\n";
  out.flush();
  if (!out) return fail(Errc::system, "write " + path);
  return {};
}

}  // namespace

Result<LayerStore> LayerStore::create(std::string dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::system, "create " + dir + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(kTempPrefix, 0) == 0) (void)detail::remove_tree(entry.path().string());
  }
  if (ec) return fail(Errc::system, "list " + dir + ": " + ec.message());
  return LayerStore(std::move(dir));
}

bool LayerStore::exists(const Digest& diff_id) const {
  struct stat st {};
  return !diff_id.empty() && ::stat(diff_dir(diff_id).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::int64_t> LayerStore::size(const Digest& diff_id) const {
  std::ifstream in(dir_ + "/" + diff_id.hex() + "/size");
  std::int64_t size = 0;
  if (!(in >> size)) return fail(Errc::not_found, "layer " + diff_id.str() + " not found");
  return size;
}

Result<std::int64_t> LayerStore::unpack(int fd, const Digest& diff_id) const {
  if (exists(diff_id)) return size(diff_id);
  TempLayer temp(dir_ + "/" + std::string(kTempPrefix) + detail::random_hex(16));
  std::string diff = temp.path() + "/diff";
  if (::mkdir(temp.path().c_str(), 0700) != 0 || ::mkdir(diff.c_str(), 0755) != 0)
    return tl::unexpected(Error::from_errno("create " + diff));
  auto extracted = extract_layer(fd, diff);
  if (!extracted) return tl::unexpected(std::move(extracted).error().wrap("layer " + diff_id.str()));
  if (extracted->diff_id != diff_id)
    return fail(Errc::invalid_argument, "layer " + diff_id.str() + ": content has diff_id " +
                                            extracted->diff_id.str());
  GORAE_TRY(write_size(temp.path() + "/size", extracted->size));
  // Layer files are not fsynced one by one: one syncfs() makes the whole
  // layer durable before the rename publishes it.
  base::UniqueFd sync_fd(::open(temp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!sync_fd.valid() || ::syncfs(sync_fd.get()) != 0)
    return tl::unexpected(Error::from_errno("sync " + temp.path()));
  std::string final_dir = dir_ + "/" + diff_id.hex();
  if (::rename(temp.path().c_str(), final_dir.c_str()) != 0) {
    // Another unpack of the same layer finished first: its copy is as good.
    if ((errno == EEXIST || errno == ENOTEMPTY) && exists(diff_id)) return size(diff_id);
    return tl::unexpected(Error::from_errno("rename " + temp.path() + " to " + final_dir));
  }
  temp.committed();
  return extracted->size;
}

Status LayerStore::remove(const Digest& diff_id) const {
  // Renamed out of the way first, so a crash midway leaves a temporary
  // directory (removed at the next start), never half a layer under its name.
  std::string doomed = dir_ + "/" + std::string(kTempPrefix) + detail::random_hex(16);
  if (::rename((dir_ + "/" + diff_id.hex()).c_str(), doomed.c_str()) != 0)
    return errno == ENOENT ? Status{} : tl::unexpected(Error::from_errno("remove layer " + diff_id.str()));
  return detail::remove_tree(doomed);
}

Result<std::vector<Digest>> LayerStore::list() const {
  std::vector<Digest> layers;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    if (auto digest = Digest::from_hex(entry.path().filename().string())) layers.push_back(*digest);
  if (ec) return fail(Errc::system, "list " + dir_ + ": " + ec.message());
  std::sort(layers.begin(), layers.end());
  return layers;
}

}  // namespace gorae::images
