#include "response_parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace gorae::bench {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Case-insensitive search for a token in a comma-separated header value, e.g.
// "gzip, chunked" or "keep-alive, Upgrade".
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    item.remove_prefix(std::min(item.find_first_not_of(" \t"), item.size()));
    item = item.substr(0, item.find_last_not_of(" \t") + 1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

void ResponseParser::reset(bool head_request) {
  state_ = State::kStatusLine;
  head_request_ = head_request;
  keep_alive_ = true;
  chunked_ = false;
  has_length_ = false;
  status_ = 0;
  remaining_ = 0;
  body_ = nullptr;
  line_.clear();  // keeps its capacity, so steady state allocates nothing
}

std::size_t ResponseParser::feed(std::string_view data) {
  const std::size_t total = data.size();
  while (!data.empty() && state_ != State::kDone && state_ != State::kError) {
    switch (state_) {
      case State::kBody:
      case State::kChunkData: {
        std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, data.size()));
        if (body_) body_->append(data.substr(0, n));
        data.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) {
          state_ = state_ == State::kBody ? State::kDone : State::kChunkDataEnd;
        }
        break;
      }
      case State::kUntilClose:
        if (body_) body_->append(data);
        data = {};
        break;
      default:
        if (take_line(data)) on_line();
        break;
    }
  }
  return total - data.size();
}

void ResponseParser::on_eof() {
  state_ = state_ == State::kUntilClose ? State::kDone : State::kError;
  keep_alive_ = false;
}

// Appends bytes up to and including the next LF to line_. Returns true when a
// whole line is available (without its CRLF), false when more data is needed.
bool ResponseParser::take_line(std::string_view& data) {
  std::size_t lf = data.find('\n');
  std::size_t n = lf == std::string_view::npos ? data.size() : lf + 1;
  if (line_.size() + n > kMaxLine) {
    state_ = State::kError;
    return false;
  }
  line_.append(data.data(), n);
  data.remove_prefix(n);
  if (lf == std::string_view::npos) return false;
  line_.pop_back();
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return true;
}

void ResponseParser::on_line() {
  switch (state_) {
    case State::kStatusLine: on_status_line(); break;
    case State::kHeaders:
      if (line_.empty()) on_headers_end(); else on_header();
      break;
    case State::kChunkSize: on_chunk_size(); break;
    case State::kChunkDataEnd:
      state_ = line_.empty() ? State::kChunkSize : State::kError;
      break;
    case State::kTrailers:
      if (line_.empty()) state_ = State::kDone;
      break;
    default: state_ = State::kError; break;
  }
  line_.clear();
}

// "HTTP/1.1 200 OK": the version decides the default for keep-alive.
void ResponseParser::on_status_line() {
  std::string_view line = line_;
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') {
    state_ = State::kError;
    return;
  }
  keep_alive_ = line[7] == '1';
  auto [ptr, ec] = std::from_chars(line.data() + 9, line.data() + 12, status_);
  if (ec != std::errc{} || ptr != line.data() + 12 || status_ < 100) {
    state_ = State::kError;
    return;
  }
  state_ = State::kHeaders;
}

void ResponseParser::on_header() {
  std::string_view line = line_;
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    state_ = State::kError;
    return;
  }
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
  value = value.substr(0, value.find_last_not_of(" \t") + 1);

  if (iequals(name, "content-length")) {
    auto [ptr, ec] =
        std::from_chars(value.data(), value.data() + value.size(), remaining_);
    if (ec != std::errc{} || ptr != value.data() + value.size()) {
      state_ = State::kError;
      return;
    }
    has_length_ = true;
  } else if (iequals(name, "transfer-encoding")) {
    chunked_ = has_token(value, "chunked");
  } else if (iequals(name, "connection")) {
    if (has_token(value, "close")) keep_alive_ = false;
    if (has_token(value, "keep-alive")) keep_alive_ = true;
  }
}

// RFC 9112 section 6.3: HEAD, 1xx, 204 and 304 have no body; chunked wins
// over Content-Length; with neither, the body runs until the server closes.
void ResponseParser::on_headers_end() {
  if (status_ < 200 && status_ != 101) {  // interim answer: the real one follows
    state_ = State::kStatusLine;
    has_length_ = chunked_ = false;
    return;
  }
  if (head_request_ || status_ == 204 || status_ == 304 || status_ == 101) {
    state_ = State::kDone;
  } else if (chunked_) {
    state_ = State::kChunkSize;
  } else if (has_length_) {
    state_ = remaining_ == 0 ? State::kDone : State::kBody;
  } else {
    state_ = State::kUntilClose;
    keep_alive_ = false;
  }
}

// "1a2;ext=1": hex size, optional extensions. Size 0 starts the trailers.
void ResponseParser::on_chunk_size() {
  std::string_view line = line_;
  line = line.substr(0, line.find(';'));
  line = line.substr(0, line.find_last_not_of(" \t") + 1);
  auto [ptr, ec] =
      std::from_chars(line.data(), line.data() + line.size(), remaining_, 16);
  if (line.empty() || ec != std::errc{} || ptr != line.data() + line.size()) {
    state_ = State::kError;
    return;
  }
  state_ = remaining_ == 0 ? State::kTrailers : State::kChunkData;
}

}  // namespace gorae::bench
