// read_log: GET /containers/{id}/logs over a json-file log, with tail,
// since, stream selection and follow.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <vector>

#include "gorae/base/unique_fd.hpp"
#include "gorae/engine/logs.hpp"

namespace gorae::engine {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
// A json-file line is at most ~6 × 16 KiB (every byte escaped as \u00XX);
// anything much longer is garbage, dropped rather than buffered forever.
constexpr std::size_t kMaxLineBytes = 1024 * 1024;
constexpr off_t kNoLimit = std::numeric_limits<off_t>::max();
// How long a follower sleeps when nothing happens: the bound on how late it
// notices that the container has exited (still_running() has no fd to poll).
constexpr int kPollIntervalMs = 100;

Status pread_exact(int fd, char* data, std::size_t size, off_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tl::unexpected(Error::from_errno("read log"));
    if (n == 0) return fail(Errc::internal, "read log: file shrank while tailing");
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += n;
  }
  return {};
}

// Where the last `count` lines of [0, end) start. Scans backwards in chunks,
// like dockerd's tailfile, so `tail=10` on a 1 GiB log reads a few KiB. The
// first '\n' found ends the last line; the (count+1)-th one ends the line
// before the ones we want. A partial line at the very end is not counted.
Result<off_t> tail_offset(int fd, off_t end, std::size_t count) {
  if (count == 0) return end;
  std::vector<char> chunk(kChunkBytes);
  std::size_t newlines = 0;
  for (off_t pos = end; pos > 0;) {
    auto size = static_cast<std::size_t>(std::min<off_t>(pos, kChunkBytes));
    pos -= static_cast<off_t>(size);
    GORAE_TRY(pread_exact(fd, chunk.data(), size, pos));
    for (std::size_t i = size; i-- > 0;) {
      if (chunk[i] == '\n' && ++newlines > count) return pos + static_cast<off_t>(i) + 1;
    }
  }
  return 0;
}

// Splits the file from an offset into lines, remembering a line that is
// still being written until its '\n' arrives.
class LineReader {
 public:
  LineReader(int fd, off_t offset) : fd_(fd), offset_(offset), chunk_(kChunkBytes) {}

  /// Reads up to `limit` (or the end of the file) and passes each complete
  /// line, without its '\n', to `line`. @return false when `line` did.
  template <class OnLine>
  Result<bool> pump(off_t limit, OnLine&& line) {
    while (offset_ < limit) {
      auto want = static_cast<std::size_t>(std::min<off_t>(limit - offset_, kChunkBytes));
      ssize_t n = ::pread(fd_, chunk_.data(), want, offset_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return tl::unexpected(Error::from_errno("read log"));
      if (n == 0) break;
      offset_ += n;
      pending_.append(chunk_.data(), static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t newline; (newline = pending_.find('\n', start)) != std::string::npos;) {
        bool keep_going = skipping_ || line(std::string_view(pending_).substr(start, newline - start));
        skipping_ = false;
        start = newline + 1;
        if (!keep_going) {
          pending_.erase(0, start);
          return false;
        }
      }
      pending_.erase(0, start);
      if (pending_.size() > kMaxLineBytes) {
        pending_.clear();
        skipping_ = true;
      }
    }
    return true;
  }

  /// The unterminated rest: passed once at the end, in case it is a whole
  /// entry that only lacks its '\n' (a truncated write parses as garbage).
  template <class OnLine>
  bool finish(OnLine&& line) {
    if (pending_.empty() || skipping_) return true;
    std::string rest = std::move(pending_);
    pending_.clear();
    return line(std::string_view(rest));
  }

 private:
  int fd_;
  off_t offset_;
  std::vector<char> chunk_;
  std::string pending_;
  bool skipping_ = false;  // inside an over-long line: drop up to its '\n'
};

// How a follower waits for more. inotify (IN_MODIFY) wakes it as soon as
// the writer appends, rather than up to 50 ms later with size polling, and
// costs nothing while the container is quiet; an eventfd, written by a
// stop_callback, wakes it at once when the client goes away. The poll(2)
// timeout still bounds each sleep, because "the container exited" is a
// function call, not an fd. If inotify is not available (EMFILE: only 128
// instances per user by default), the timeout alone turns this into
// polling every 100 ms, which is slower but still correct.
class Waker {
 public:
  Waker(const std::string& path, std::stop_token stop)
      : inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
        event_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
        on_stop_(std::move(stop), Notify{event_.get()}) {
    if (inotify_.valid() && ::inotify_add_watch(inotify_.get(), path.c_str(), IN_MODIFY) < 0)
      inotify_.reset();
  }

  /// Sleeps until the file changes, stop is requested or the timeout passes.
  Status wait() {
    pollfd fds[2];
    nfds_t count = 0;
    if (inotify_.valid()) fds[count++] = {inotify_.get(), POLLIN, 0};
    if (event_.valid()) fds[count++] = {event_.get(), POLLIN, 0};
    if (::poll(fds, count, kPollIntervalMs) < 0 && errno != EINTR)
      return tl::unexpected(Error::from_errno("poll log"));
    // Drain the events; one IN_MODIFY or a hundred, we read to the end anyway.
    alignas(inotify_event) char events[4096];
    while (inotify_.valid() && ::read(inotify_.get(), events, sizeof events) > 0) {
    }
    return {};
  }

 private:
  struct Notify {
    int fd;
    void operator()() const noexcept {
      std::uint64_t one = 1;
      if (fd >= 0 && ::write(fd, &one, sizeof one) < 0) {
        // Nothing to do: the follower still wakes at its next timeout.
      }
    }
  };
  base::UniqueFd inotify_;
  base::UniqueFd event_;
  std::stop_callback<Notify> on_stop_;  // last: unregistered before event_ closes
};

bool selected(const LogEntry& entry, const LogQuery& query) {
  // dockerd applies tail to the file, then since, then the stream choice
  // (daemon/logger/loggerutils/logfile.go, daemon/logs.go); so do we.
  if (query.since && entry.time < *query.since) return false;
  if (entry.stream == StreamKind::stdout_stream) return query.stdout_wanted;
  if (entry.stream == StreamKind::stderr_stream) return query.stderr_wanted;
  return false;
}

}  // namespace

Status read_log(const std::string& path, const LogQuery& query,
                const std::function<bool(const LogEntry&)>& emit,
                const std::function<bool()>& still_running, std::stop_token stop) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return {};
    return tl::unexpected(Error::from_errno("open log " + path));
  }
  // Watch before measuring the file, so nothing appended in between is missed.
  std::optional<Waker> waker;
  if (query.follow) waker.emplace(path, stop);

  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return tl::unexpected(Error::from_errno("stat log " + path));
  off_t start = 0;
  if (query.tail) {
    GORAE_ASSIGN_OR_RETURN(start, tail_offset(fd.get(), info.st_size, *query.tail));
  }
  auto on_line = [&](std::string_view line) {
    auto entry = parse_log_line(line);
    return !entry || !selected(*entry, query) || emit(*entry);
  };

  // The existing content, up to its size now: a chatty container must not
  // keep a plain `docker logs` from ending.
  LineReader reader(fd.get(), start);
  GORAE_ASSIGN_OR_RETURN(bool more, reader.pump(info.st_size, on_line));
  if (!more) return {};
  if (!query.follow) {
    reader.finish(on_line);
    return {};
  }

  for (;;) {
    if (stop.stop_requested()) return {};
    // Asked before reading: everything written before it answered false is
    // read below, so the last lines of an exiting container are not lost.
    bool running = still_running();
    GORAE_ASSIGN_OR_RETURN(more, reader.pump(kNoLimit, on_line));
    if (!more) return {};
    if (!running) {
      reader.finish(on_line);
      return {};
    }
    GORAE_TRY(waker->wait());
  }
}

}  // namespace gorae::engine
