// The CLI's side of the socket; Beast stays inside this file and
// http_server.cpp.
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gorae/base/build_info.hpp"
#include "gorae/http/client.hpp"

namespace gorae::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using local = net::local::stream_protocol;

}  // namespace

struct Client::Impl {
  net::io_context ioc;
  local::socket socket{ioc};
  beast::flat_buffer buffer;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> streaming;
};

namespace {

// The request line and the headers every request of the CLI carries.
template <class Body>
bhttp::request<Body> request_head_for(std::string_view method, std::string_view target) {
  bhttp::request<Body> message;
  message.method_string(method);
  message.target(target);
  message.version(11);
  message.set(bhttp::field::host, "gorae");
  message.set(bhttp::field::user_agent, std::string("gorae-cli/") + build_info::kVersion);
  message.keep_alive(true);
  return message;
}

bhttp::request<bhttp::string_body> make_request(std::string_view method, std::string_view target,
                                                std::string body,
                                                std::string_view content_type) {
  auto message = request_head_for<bhttp::string_body>(method, target);
  if (!body.empty()) message.set(bhttp::field::content_type, content_type);
  message.body() = std::move(body);
  message.prepare_payload();
  return message;
}

template <class Fields>
ClientResponse head_of(const bhttp::response_header<Fields>& head) {
  ClientResponse result;
  result.status = static_cast<int>(head.result_int());
  for (const auto& field : head)
    result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return result;
}

}  // namespace

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<Client> Client::connect(const HostUri& host) {
  if (host.kind != HostUri::Kind::unix_socket)
    return fail(Errc::invalid_argument,
                host.text() + ": the client speaks unix sockets only (tcp arrives in chapter 07)");
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  impl->socket.connect(local::endpoint(host.path), ec);
  if (ec) return fail(Errc::unavailable, "connect to " + host.text() + ": " + ec.message());
  return Client(std::move(impl));
}

Result<ClientResponse> Client::request(std::string_view method, std::string_view target,
                                       std::string body, std::string_view content_type) {
  auto message = make_request(method, target, std::move(body), content_type);
  beast::error_code ec;
  bhttp::write(impl_->socket, message, ec);
  if (ec) return fail(Errc::unavailable, "send request: " + ec.message());
  return read_response(method == "HEAD");
}

Result<ClientResponse> Client::read_response(bool head_only) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  if (head_only) parser.skip(true);
  beast::error_code ec;
  bhttp::read(impl_->socket, impl_->buffer, parser, ec);
  if (ec) return fail(Errc::unavailable, "read response: " + ec.message());
  auto response = parser.release();
  ClientResponse result = head_of(response.base());
  result.body = std::move(response.body());
  return result;
}

Result<ClientResponse> Client::request_streamed(std::string_view method, std::string_view target, int body_fd,
                                                std::string_view content_type) {
  auto message = request_head_for<bhttp::empty_body>(method, target);
  message.set(bhttp::field::content_type, content_type);
  message.chunked(true);
  beast::error_code ec;
  bhttp::request_serializer<bhttp::empty_body> head(message);
  bhttp::write_header(impl_->socket, head, ec);
  if (ec) return fail(Errc::unavailable, "send request: " + ec.message());
  std::vector<char> piece(1 << 16);
  for (;;) {
    ssize_t got = ::read(body_fd, piece.data(), piece.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return tl::unexpected(Error::from_errno("read the request body"));
    if (got == 0) break;
    // A daemon that answered early (an error) and closed shows up here.
    net::write(impl_->socket, bhttp::make_chunk(net::buffer(piece.data(), static_cast<std::size_t>(got))), ec);
    if (ec) return fail(Errc::unavailable, "send request: " + ec.message());
  }
  net::write(impl_->socket, bhttp::make_chunk_last(), ec);
  if (ec) return fail(Errc::unavailable, "send request: " + ec.message());
  return read_response(false);
}

Result<ClientResponse> Client::request_head(std::string_view method, std::string_view target,
                                            std::string body) {
  auto message = make_request(method, target, std::move(body), "application/json");
  beast::error_code ec;
  bhttp::write(impl_->socket, message, ec);
  if (ec) return fail(Errc::unavailable, "send request: " + ec.message());
  auto& parser = impl_->streaming.emplace();
  parser.body_limit(boost::none);
  bhttp::read_header(impl_->socket, impl_->buffer, parser, ec);
  if (ec) return fail(Errc::unavailable, "read response: " + ec.message());
  return head_of(parser.get().base());
}

Result<std::optional<std::string>> Client::read_some() {
  if (!impl_->streaming) return fail(Errc::internal, "read_some without request_head");
  auto& parser = *impl_->streaming;
  if (parser.is_done()) return std::optional<std::string>();
  char piece[16384];
  parser.get().body().data = piece;
  parser.get().body().size = sizeof piece;
  // read_some, not read: read would wait until the piece is full, and a
  // follower (logs -f, stats) must see each line as it comes. A chunk
  // header alone yields no body bytes: read on until some arrive.
  std::size_t got = 0;
  while (got == 0 && !parser.is_done()) {
    beast::error_code ec;
    bhttp::read_some(impl_->socket, impl_->buffer, parser, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return fail(Errc::unavailable, "read response: " + ec.message());
    got = sizeof piece - parser.get().body().size;
  }
  if (got == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(piece, got));
}

Result<Client::Upgraded> Client::upgrade(std::string_view method, std::string_view target) {
  auto message = make_request(method, target, {}, {});
  message.set(bhttp::field::connection, "Upgrade");
  message.set(bhttp::field::upgrade, "tcp");
  beast::error_code ec;
  bhttp::write(impl_->socket, message, ec);
  if (ec) return fail(Errc::unavailable, "send request: " + ec.message());
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  bhttp::read_header(impl_->socket, impl_->buffer, parser, ec);
  if (ec) return fail(Errc::unavailable, "read response: " + ec.message());
  Upgraded result;
  result.head = head_of(parser.get().base());
  if (result.head.status != 101 && result.head.status != 200) {
    bhttp::read(impl_->socket, impl_->buffer, parser, ec);
    result.head.body = parser.get().body();
    return result;
  }
  auto data = impl_->buffer.data();
  result.early_output.assign(static_cast<const char*>(data.data()), data.size());
  impl_->buffer.consume(data.size());
  result.connection = base::UniqueFd(impl_->socket.release(ec));
  if (ec) return fail(Errc::unavailable, "take over the connection: " + ec.message());
  return result;
}

}  // namespace gorae::http
