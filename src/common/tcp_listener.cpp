#include "common/tcp_listener.h"

#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace yunfn {

struct TcpListener::State {
  asio::any_io_executor ex;
  ConnectionHandler handler;
  size_t max_connections;
  asio::ip::tcp::acceptor acceptor;
  std::list<std::weak_ptr<beast::tcp_stream>> connections;
  size_t open = 0;                   // connection coroutines still running
  Signal* room = nullptr;            // set while the accept loop waits for a free slot
  bool stopped = false;
  std::chrono::steady_clock::time_point last_warning{};
  size_t failures_since_warning = 0;

  State(const asio::any_io_executor& e, ConnectionHandler h, size_t max)
      : ex(e), handler(std::move(h)), max_connections(max), acceptor(e) {}
};

namespace {

using State = TcpListener::State;

// Accept failures that clear up when descriptors or memory are freed.
bool is_resource_shortage(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec.value() == ENFILE;
}

// Logs an accept failure at most once a minute, with how many were not logged.
void warn_accept_failure(State& st, const boost::system::error_code& ec) {
  auto now = Clock::system().steady_now();
  ++st.failures_since_warning;
  if (now - st.last_warning < std::chrono::minutes(1)) return;
  spdlog::warn("accept failed: {} ({} failures in the last minute); backing off", ec.message(),
               st.failures_since_warning);
  st.last_warning = now;
  st.failures_since_warning = 0;
}

// Runs one connection and frees its slot when it ends, however it ends.
Task<void> run_connection(std::shared_ptr<State> st, std::shared_ptr<beast::tcp_stream> stream) {
  struct SlotGuard {
    State& st;
    ~SlotGuard() {  // NOLINT(bugprone-exception-escape): notify() cancels a timer, which does not throw
      --st.open;
      if (st.room != nullptr) st.room->notify();
    }
  } guard{*st};
  try {
    co_await st->handler(std::move(stream));
  } catch (const std::exception& e) {
    spdlog::error("connection handler failed: {}", e.what());
  }
}

Task<void> accept_loop(std::shared_ptr<State> st) {
  auto backoff = std::chrono::milliseconds(10);
  asio::steady_timer timer(st->ex);
  while (!st->stopped) {
    if (st->open >= st->max_connections) {
      Signal room(st->ex);
      st->room = &room;
      co_await room.wait_until(Clock::system(), Clock::system().steady_now() + std::chrono::seconds(1));
      st->room = nullptr;
      continue;
    }
    auto [ec, socket] = co_await st->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (st->stopped || ec == asio::error::operation_aborted) break;
      warn_accept_failure(*st, ec);
      // Retrying at once would spin: wait for descriptors to be freed.
      timer.expires_after(is_resource_shortage(ec) ? backoff : std::chrono::milliseconds(1));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (is_resource_shortage(ec)) backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      continue;
    }
    backoff = std::chrono::milliseconds(10);
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    st->connections.remove_if([](const auto& w) { return w.expired(); });
    st->connections.push_back(stream);
    ++st->open;
    asio::co_spawn(st->ex, run_connection(st, std::move(stream)), Detached{"connection"});
  }
}

}  // namespace

TcpListener::TcpListener(const asio::any_io_executor& ex, ConnectionHandler handler,
                         size_t max_connections)
    : state_(std::make_shared<State>(ex, std::move(handler), max_connections)) {}

// NOLINTNEXTLINE(bugprone-exception-escape): stop() closes sockets with error codes, no throw
TcpListener::~TcpListener() { stop(); }

void TcpListener::start(const std::string& host, unsigned short port) {
  auto& a = state_->acceptor;
  asio::ip::tcp::endpoint ep(asio::ip::make_address(host), port);
  a.open(ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(state_->ex, accept_loop(state_), Detached{"accept loop"});
}

void TcpListener::start_on(int listening_fd) {
  state_->acceptor.assign(asio::ip::tcp::v4(), listening_fd);
  asio::co_spawn(state_->ex, accept_loop(state_), Detached{"accept loop"});
}

void TcpListener::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  if (state_->room != nullptr) state_->room->notify();
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

size_t TcpListener::connection_count() const { return state_->open; }

size_t raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return static_cast<size_t>(lim.rlim_cur);
}

}  // namespace yunfn
