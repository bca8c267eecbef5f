#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "gorae/testing/support.hpp"

namespace gorae::testing {

RawConnection::RawConnection(const std::string& socket_path) {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

void RawConnection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool RawConnection::fill(std::chrono::milliseconds timeout) {
  pollfd waiting{fd_, POLLIN, 0};
  if (::poll(&waiting, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char chunk[16384];
  ssize_t n = ::read(fd_, chunk, sizeof chunk);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::string RawConnection::read_response(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(left())) return {};
  head_end += 4;
  RawResponse head = parse_raw_response(buffer_.substr(0, head_end));
  std::size_t total = head_end;
  if (head.headers.count("content-length")) {
    total += std::stoul(head.headers["content-length"]);
    while (buffer_.size() < total)
      if (!fill(left())) return {};
  } else if (head.headers["transfer-encoding"] == "chunked") {
    while (buffer_.find("\r\n0\r\n\r\n", head_end - 2) == std::string::npos)
      if (!fill(left())) return {};
    total = buffer_.find("\r\n0\r\n\r\n", head_end - 2) + 7;
  }
  std::string response = buffer_.substr(0, total);
  buffer_.erase(0, total);
  return response;
}

std::string RawConnection::read_head(std::chrono::milliseconds timeout) {
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(timeout)) return {};
  std::string head = buffer_.substr(0, head_end + 4);
  buffer_.erase(0, head_end + 4);
  return head;
}

bool RawConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 50) <= 0) continue;
    char chunk[4096];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n <= 0) return true;
    buffer_.append(chunk, static_cast<std::size_t>(n));  // kept for read_all_buffered
  }
  return false;
}

std::string RawConnection::read_all_buffered() {
  std::string all = std::move(buffer_);
  buffer_.clear();
  return all;
}

RawResponse parse_raw_response(const std::string& text) {
  RawResponse response;
  auto head_end = text.find("\r\n\r\n");
  std::string head = text.substr(0, head_end);
  if (head.size() > 12) response.status = std::atoi(head.c_str() + 9);
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string::npos && line_start < head.size()) {
    std::size_t next = head.find("\r\n", line_start + 2);
    std::string line = head.substr(line_start + 2, next == std::string::npos
                                                       ? std::string::npos
                                                       : next - line_start - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      response.headers[name] = value;
    }
    line_start = next;
  }
  if (head_end != std::string::npos) response.body = text.substr(head_end + 4);
  return response;
}

}  // namespace gorae::testing
