#include "common/http_server.h"

#include <malloc.h>

#include <array>

#include <boost/asio/ssl.hpp>

namespace yunfn {

// Shared with the connection coroutines, which may outlive the server.
struct HttpServer::State {
  HttpServerConfig config;
  HttpHandler handler;
  bool stopped = false;
};

namespace {

// How long a refused request's unread body is drained before the connection closes.
constexpr std::chrono::seconds kLingerTime{10};
// After a request body this large, freed memory is returned to the system.
constexpr size_t kTrimAfterBytes = 1024 * 1024;
// Time allowed for a TLS handshake, and for its close.
constexpr std::chrono::seconds kHandshakeTimeout{10};

// Arms the stream's timer for the next read (no limit when zero).
void expire_after(beast::tcp_stream& stream, std::chrono::seconds timeout) {
  if (timeout.count() > 0) {
    stream.expires_after(timeout);
  } else {
    stream.expires_never();
  }
}

// Sends a final answer to a request whose body is left unread, then discards
// what the client still sends for a while before closing ("lingering close"):
// a client that writes its whole body before reading would otherwise get a
// connection reset instead of the answer. Nothing of the body is kept.
template <typename Stream>
Task<void> answer_and_close(Stream& stream, beast::tcp_stream& tcp, HttpResponse res) {
  res.keep_alive(false);
  res.prepare_payload();
  tcp.expires_after(kLingerTime);
  auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  std::array<char, 16384> discard;
  for (;;) {
    auto [rec, got] = co_await tcp.async_read_some(asio::buffer(discard),
                                                   asio::as_tuple(asio::use_awaitable));
    if (rec) break;
  }
}

// Serves requests on one connection (`stream` is the TCP stream itself, or
// the TLS stream over it) until either side ends it.
template <typename Stream>
Task<void> serve_requests(std::shared_ptr<HttpServer::State> state, Stream& stream,
                          beast::tcp_stream& tcp) {
  const HttpServerConfig& config = state->config;
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(boost::none);  // checked below, after the header check
    parser.header_limit(64 * 1024);
    expire_after(tcp, config.header_timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser,
                                                      asio::as_tuple(asio::use_awaitable));
    if (hec) co_return;
    if (config.check_header) {
      if (auto refused = config.check_header(parser.get().base())) {
        co_await answer_and_close(stream, tcp, std::move(*refused));
        co_return;
      }
    }
    if (auto length = parser.content_length(); length && *length > config.body_limit &&
                                               config.too_large_response) {
      co_await answer_and_close(stream, tcp, config.too_large_response());
      co_return;
    }
    parser.body_limit(config.body_limit);
    expire_after(tcp, config.body_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser,
                                             asio::as_tuple(asio::use_awaitable));
    if (ec == http::error::body_limit && config.too_large_response) {
      co_await answer_and_close(stream, tcp, config.too_large_response());
      co_return;
    }
    if (ec) co_return;
    tcp.expires_never();  // the handler may take a whole function timeout
    HttpRequest req = parser.release();
    const bool large = req.body().size() > kTrimAfterBytes;
    HttpResponse res = co_await state->handler(req);
    res.version(req.version());
    res.keep_alive(req.keep_alive() && !state->stopped);
    res.prepare_payload();
    expire_after(tcp, config.body_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    const bool again = !wec && res.keep_alive();
    if (large) {
      // Hand the memory of a large request back to the system once it is done.
      req = {};
      res = {};
      ::malloc_trim(0);
    }
    if (!again) co_return;
  }
}

Task<void> serve_connection(std::shared_ptr<HttpServer::State> state,
                            std::shared_ptr<beast::tcp_stream> stream) {
  boost::system::error_code ignored;
  if (state->config.tls) {
    asio::ssl::stream<beast::tcp_stream&> tls(*stream, *state->config.tls);
    stream->expires_after(kHandshakeTimeout);
    auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::server,
                                              asio::as_tuple(asio::use_awaitable));
    if (!hec) {
      co_await serve_requests(state, tls, *stream);
      stream->expires_after(kHandshakeTimeout);
      co_await tls.async_shutdown(asio::as_tuple(asio::use_awaitable));
    }
  } else {
    co_await serve_requests(state, *stream, *stream);
  }
  stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace

HttpServer::HttpServer(const asio::any_io_executor& ex, HttpServerConfig config, HttpHandler handler)
    : state_(std::make_shared<State>(State{std::move(config), std::move(handler)})),
      listener_(
          ex,
          [st = state_](std::shared_ptr<beast::tcp_stream> stream) {
            return serve_connection(st, std::move(stream));
          },
          state_->config.max_connections) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() { listener_.start(state_->config.host, state_->config.port); }

void HttpServer::start_on(int listening_fd) { listener_.start_on(listening_fd); }

void HttpServer::stop() {
  state_->stopped = true;
  listener_.stop();
}

HttpResponse make_http_response(http::status status, std::string body, const std::string& content_type) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, content_type);
  res.set(http::field::server, "yunfn");
  res.body() = std::move(body);
  return res;
}

Result<std::shared_ptr<asio::ssl::context>> make_tls_server_context(const std::string& cert_file,
                                                                    const std::string& key_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return make_error(errc::kInvalidParameterValue, "--tls-cert " + cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) return make_error(errc::kInvalidParameterValue, "--tls-key " + key_file + ": " + ec.message());
  return ctx;
}

}  // namespace yunfn
