#include "common/http_server.h"

namespace yunfn {

// Shared with the connection coroutines, which may outlive the server.
struct HttpServer::State {
  HttpServerConfig config;
  HttpHandler handler;
  bool stopped = false;
};

namespace {

Task<void> serve_connection(std::shared_ptr<HttpServer::State> state,
                            std::shared_ptr<beast::tcp_stream> stream) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(state->config.body_limit);
    parser.header_limit(64 * 1024);
    auto [ec, n] = co_await http::async_read(*stream, buffer, parser,
                                             asio::as_tuple(asio::use_awaitable));
    if (ec == http::error::body_limit && state->config.too_large_response) {
      HttpResponse res = state->config.too_large_response();
      res.keep_alive(false);
      res.prepare_payload();
      co_await http::async_write(*stream, res, asio::as_tuple(asio::use_awaitable));
      break;
    }
    if (ec) break;
    HttpRequest req = parser.release();
    HttpResponse res = co_await state->handler(req);
    res.version(req.version());
    res.keep_alive(req.keep_alive() && !state->stopped);
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(*stream, res, asio::as_tuple(asio::use_awaitable));
    if (wec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace

HttpServer::HttpServer(asio::any_io_executor ex, HttpServerConfig config, HttpHandler handler)
    : state_(std::make_shared<State>(State{std::move(config), std::move(handler)})),
      listener_(ex, [st = state_](std::shared_ptr<beast::tcp_stream> stream) {
        return serve_connection(st, std::move(stream));
      }) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() { listener_.start(state_->config.host, state_->config.port); }

void HttpServer::start_on(int listening_fd) { listener_.start_on(listening_fd); }

void HttpServer::stop() {
  state_->stopped = true;
  listener_.stop();
}

HttpResponse make_http_response(http::status status, std::string body, std::string content_type) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, content_type);
  res.set(http::field::server, "yunfn");
  res.body() = std::move(body);
  return res;
}

}  // namespace yunfn
