#include "common/http_server.h"

#include <list>

#include <spdlog/spdlog.h>

namespace yunfn {

// Shared by the accept loop and the connections, so stop() can close them
// and coroutines never outlive what they use.
struct HttpServer::State {
  asio::any_io_executor ex;
  HttpServerConfig config;
  HttpHandler handler;
  asio::ip::tcp::acceptor acceptor;
  std::list<std::weak_ptr<beast::tcp_stream>> connections;
  bool stopped = false;

  State(asio::any_io_executor e, HttpServerConfig c, HttpHandler h)
      : ex(e), config(std::move(c)), handler(std::move(h)), acceptor(e) {}
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

Task<void> accept_loop(std::shared_ptr<HttpServer::State> state) {
  while (!state->stopped) {
    auto [ec, socket] = co_await state->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (state->stopped || ec == asio::error::operation_aborted) break;
      spdlog::warn("http accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    state->connections.remove_if([](const auto& w) { return w.expired(); });
    state->connections.push_back(stream);
    asio::co_spawn(state->ex, serve_connection(state, stream), Detached{});
  }
}

}  // namespace

HttpServer::HttpServer(asio::any_io_executor ex, HttpServerConfig config, HttpHandler handler)
    : state_(std::make_shared<State>(ex, std::move(config), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  auto& a = state_->acceptor;
  asio::ip::tcp::endpoint ep(asio::ip::make_address(state_->config.host), state_->config.port);
  a.open(ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  port_ = a.local_endpoint().port();
  asio::co_spawn(state_->ex, accept_loop(state_), Detached{});
}

void HttpServer::start_on(int listening_fd) {
  auto& a = state_->acceptor;
  a.assign(asio::ip::tcp::v4(), listening_fd);
  port_ = a.local_endpoint().port();
  asio::co_spawn(state_->ex, accept_loop(state_), Detached{});
}

void HttpServer::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  for (auto& w : state_->connections) {
    if (auto s = w.lock()) s->socket().close(ec);
  }
  state_->connections.clear();
}

HttpResponse make_http_response(http::status status, std::string body, std::string content_type) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, content_type);
  res.set(http::field::server, "yunfn");
  res.body() = std::move(body);
  return res;
}

}  // namespace yunfn
