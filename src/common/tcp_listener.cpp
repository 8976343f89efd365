#include "common/tcp_listener.h"

#include <spdlog/spdlog.h>

namespace yunfn {

struct TcpListener::State {
  asio::any_io_executor ex;
  ConnectionHandler handler;
  asio::ip::tcp::acceptor acceptor;
  std::list<std::weak_ptr<beast::tcp_stream>> connections;
  bool stopped = false;

  State(asio::any_io_executor e, ConnectionHandler h) : ex(e), handler(std::move(h)), acceptor(e) {}
};

namespace {

Task<void> accept_loop(std::shared_ptr<TcpListener::State> st) {
  while (!st->stopped) {
    auto [ec, socket] = co_await st->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (st->stopped || ec == asio::error::operation_aborted) break;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    st->connections.remove_if([](const auto& w) { return w.expired(); });
    st->connections.push_back(stream);
    asio::co_spawn(st->ex, st->handler(stream), Detached{});
  }
}

}  // namespace

TcpListener::TcpListener(asio::any_io_executor ex, ConnectionHandler handler)
    : state_(std::make_shared<State>(ex, std::move(handler))) {}

TcpListener::~TcpListener() { stop(); }

void TcpListener::start(const std::string& host, unsigned short port) {
  auto& a = state_->acceptor;
  asio::ip::tcp::endpoint ep(asio::ip::make_address(host), port);
  a.open(ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(state_->ex, accept_loop(state_), Detached{});
}

void TcpListener::start_on(int listening_fd) {
  state_->acceptor.assign(asio::ip::tcp::v4(), listening_fd);
  asio::co_spawn(state_->ex, accept_loop(state_), Detached{});
}

void TcpListener::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  for (auto& w : state_->connections) {
    if (auto s = w.lock()) s->socket().close(ec);
  }
  state_->connections.clear();
}

bool TcpListener::stopped() const { return state_->stopped; }

unsigned short TcpListener::port() const {
  boost::system::error_code ec;
  auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace yunfn
