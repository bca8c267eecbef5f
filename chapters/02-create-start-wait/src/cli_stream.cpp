// The attached half of run, start -a and attach: one poll loop over the
// upgraded connection, our stdin and a signalfd, as the docker
// CLI's hijackedIOStreamer does it with goroutines.
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <utility>

#include "cli_internal.hpp"

namespace gorae::cli::detail {
namespace {

// Blocks `signals` and hands them to the poll loop through a signalfd.
// Blocked, they cannot interrupt the HTTP calls the loop makes (an
// interrupted resize could overtake the next one), and a blocked signal is
// queued even when the shell started us ignoring it. They stay blocked when
// the watch goes: the stream has ended, the CLI only fetches the exit code
// and exits, and a late copy of a signal already forwarded (timeout(1) and
// kill(0, ...) send one to us and one to our process group) must not turn
// the container's exit status into our own death by that signal.
class SignalWatch {
 public:
  explicit SignalWatch(const std::vector<int>& signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int signal : signals) sigaddset(&set, signal);
    ::sigprocmask(SIG_BLOCK, &set, &old_mask_);
    fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd_ < 0) {
      ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
      throw Failure(1, "signalfd: cannot watch signals");
    }
  }
  ~SignalWatch() { ::close(fd_); }
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  sigset_t old_mask_{};
};

// The local terminal in raw mode (moby/term MakeRaw is cfmakeraw), so every
// key, ^C included, goes to the container's pty; restored when it goes.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) < 0) {
      fd_ = -1;
      return;
    }
    termios raw = saved_;
    ::cfmakeraw(&raw);
    ::tcsetattr(fd_, TCSANOW, &raw);
  }
  ~RawTerminal() {
    if (fd_ >= 0) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
};

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "INT";
    case SIGTERM: return "TERM";
    case SIGHUP: return "HUP";
    case SIGQUIT: return "QUIT";
    case SIGUSR1: return "USR1";
    case SIGUSR2: return "USR2";
    default: return nullptr;
  }
}

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Without a Tty the container gets our signals (docker's --sig-proxy); with
// one, ^C already travels as a byte, and a signal from elsewhere ends us.
void on_signals(Context& context, int fd, const StreamSetup& setup) {
  signalfd_siginfo info{};
  while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    int signal = static_cast<int>(info.ssi_signo);
    if (signal == SIGWINCH) {
      resize_to_terminal(context, setup.id);
    } else if (setup.tty) {
      throw Failure(128 + signal, "");
    } else if (const char* name = signal_name(signal)) {
      try {
        context.call("POST", "/containers/" + setup.id + "/kill?signal=" + name);
      } catch (const Failure& failure) {
        context.err << failure.what() << "\n";
      }
    }
  }
}

}  // namespace

std::vector<unsigned> console_size() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) < 0) return {0, 0};
  return {size.ws_row, size.ws_col};
}

bool resize_to_terminal(Context& context, const std::string& id) {
  auto size = console_size();
  if (size[0] == 0 && size[1] == 0) return false;
  try {
    context.call("POST", "/containers/" + id + "/resize?h=" + std::to_string(size[0]) +
                             "&w=" + std::to_string(size[1]));
  } catch (const Failure&) {
    return false;  // the process may be gone already; docker ignores it too
  }
  return true;
}

void stream_attached(Context& context, int connection, std::string early_output,
                     const StreamSetup& setup) {
  // Signals are caught before the first byte of output is shown: whoever
  // reacts to that output with a signal must reach the container, not kill us.
  std::vector<int> signals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  if (!setup.tty) signals.insert(signals.end(), {SIGUSR1, SIGUSR2});
  if (setup.monitor_size) signals.push_back(SIGWINCH);
  SignalWatch signal_watch(signals);
  Demuxer output(setup.tty, context.out, context.err);
  output.feed(early_output);
  std::optional<RawTerminal> raw;
  if (setup.tty && setup.send_stdin && ::isatty(STDIN_FILENO)) raw.emplace(STDIN_FILENO);
  if (setup.monitor_size) resize_to_terminal(context, setup.id);

  bool stdin_open = setup.send_stdin;
  char buffer[32768];
  while (true) {
    pollfd fds[3] = {{connection, POLLIN, 0},
                     {signal_watch.fd(), POLLIN, 0},
                     {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw Failure(1, "poll: cannot wait for the container's output");
    }
    if (fds[1].revents & POLLIN) on_signals(context, signal_watch.fd(), setup);
    if (fds[2].revents) {
      ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0 || !send_all(connection, buffer, static_cast<std::size_t>(n))) {
        // Our input has ended: the container's stdin closes with it.
        ::shutdown(connection, SHUT_WR);
        stdin_open = false;
      }
    }
    if (fds[0].revents) {
      ssize_t n = ::read(connection, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;  // the daemon closes the stream when the process exits
      output.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }
}

}  // namespace gorae::cli::detail
