// gorae load and gorae save: archives to and from the daemon, with the docker
// CLI's checks (no archive from or to a terminal) and its output.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "cli_image_internal.hpp"
#include "gorae/cli/table.hpp"

namespace gorae::cli::image_detail {
namespace {

using nlohmann::json;

struct LoadOptions {
  std::string input;
  bool quiet = false;
};

struct SaveOptions {
  std::string output;
  std::vector<std::string> images;
};

// The answer is a JSON message per line: text to print, progress to show,
// or the error that ends the load (printed alone, exit status 1).
void print_load_messages(Context& context, const std::string& body) {
  std::vector<std::string> order;
  std::map<std::string, std::string> progress;  // the last line of each layer
  std::string text;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    json message = json::parse(body.substr(start, end - start), nullptr, false);
    start = end + 1;
    if (!message.is_object()) continue;
    if (message.contains("error")) {
      context.out << text;
      context.out.flush();
      throw Failure(1, message.value("error", std::string("load failed")));
    }
    if (message.contains("stream")) text += message.value("stream", "");
    if (message.contains("status")) {
      std::string id = message.value("id", "");
      if (!progress.count(id)) order.push_back(id);
      progress[id] = id + ": " + message.value("status", "") + " " + message.value("progress", "");
    }
  }
  for (const auto& id : order) context.out << progress[id] << "\n";
  context.out << text;
  context.out.flush();
}

void load(Context& context, const LoadOptions& options) {
  base::UniqueFd file;
  int archive = STDIN_FILENO;
  if (options.input.empty()) {
    if (::isatty(STDIN_FILENO)) throw Failure(1, "requested load from stdin, but stdin is empty");
  } else {
    file = base::UniqueFd(::open(options.input.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) throw Failure(1, "open " + options.input + ": " + std::strerror(errno));
    archive = file.get();
  }
  // Like docker: progress only for a terminal to draw it on.
  bool quiet = options.quiet || !::isatty(STDOUT_FILENO);
  auto client = context.connect();
  // Sent as it is read: an archive of any size, in 64 KiB of memory.
  auto response = client.request_streamed("POST", std::string("/images/load?quiet=") + (quiet ? "1" : "0"),
                                          archive, "application/x-tar");
  if (!response && response.error().kind() == Errc::system)
    throw Failure(1, (options.input.empty() ? "stdin" : options.input) + ": " + response.error().what());
  if (!response) throw Failure(1, "error during connect: " + response.error().what());
  if (response->status >= 400) throw Failure(1, "Error response from daemon: " + daemon_message(*response));
  print_load_messages(context, response->body);
}

// Written beside the destination and renamed at the end, as docker's
// CopyToFile does: an interrupted save leaves no half archive under the name.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path) {
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir))
      throw Failure(1, "failed to save image: invalid output path: directory \"" + dir.string() +
                           "\" does not exist");
    temp_ = (dir.empty() ? std::string(".") : dir.string()) + "/.gorae_temp_XXXXXX";
    fd_ = base::UniqueFd(::mkostemp(temp_.data(), O_CLOEXEC));
    if (!fd_.valid()) throw Failure(1, "failed to save image: " + temp_ + ": " + std::strerror(errno));
  }
  ~OutputFile() {
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }
  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Failure(1, "failed to save image: write " + path_ + ": " + std::strerror(errno));
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void commit() {
    ::fchmod(fd_.get(), 0644);
    fd_.reset();
    if (::rename(temp_.c_str(), path_.c_str()) != 0)
      throw Failure(1, "failed to save image: rename to " + path_ + ": " + std::strerror(errno));
    temp_.clear();
  }

 private:
  std::string path_, temp_;
  base::UniqueFd fd_;
};

void save(Context& context, const SaveOptions& options) {
  if (options.output.empty() && ::isatty(STDOUT_FILENO))
    throw Failure(1, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  std::optional<OutputFile> file;
  if (!options.output.empty()) file.emplace(options.output);
  std::string target = "/images/get";
  for (std::size_t i = 0; i < options.images.size(); ++i)
    target += (i ? "&names=" : "?names=") + escape(options.images[i]);
  auto client = context.connect();
  auto head = client.request_head("GET", target);
  if (!head) throw Failure(1, "error during connect: " + head.error().what());
  std::string error_body;
  for (;;) {
    auto piece = client.read_some();
    if (!piece) throw Failure(1, "error during connect: " + piece.error().what());
    if (!*piece) break;
    if (head->status >= 400) error_body += **piece;
    else if (file) file->write(**piece);
    else context.out.write((*piece)->data(), static_cast<std::streamsize>((*piece)->size()));
  }
  if (head->status >= 400) {
    head->body = error_body;
    throw Failure(1, "Error response from daemon: " + daemon_message(*head));
  }
  if (file) file->commit();
  context.out.flush();
}

}  // namespace

void add_load(CLI::App& parent, Context& context) {
  auto options = std::make_shared<LoadOptions>();
  auto* command = parent.add_subcommand("load", "Load an image from a tar archive or STDIN");
  command->add_option("-i,--input", options->input, "Read from tar archive file, instead of STDIN");
  command->add_flag("-q,--quiet", options->quiet, "Suppress the load output");
  command->callback([&context, options] { load(context, *options); });
}

void add_save(CLI::App& parent, Context& context) {
  auto options = std::make_shared<SaveOptions>();
  auto* command = parent.add_subcommand("save", "Save one or more images to a tar archive (streamed to STDOUT by default)");
  command->add_option("-o,--output", options->output, "Write to a file, instead of STDOUT");
  command->add_option("IMAGE", options->images)->required();
  command->callback([&context, options] { save(context, *options); });
}

}  // namespace gorae::cli::image_detail
