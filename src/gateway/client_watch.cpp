#include "gateway/client_watch.h"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>

namespace yunfn::gateway {
namespace {

constexpr std::chrono::milliseconds kSweepPeriod{100};

Task<void> watch(asio::ip::tcp::socket& socket, std::shared_ptr<invoke::CancelToken> token,
                 std::shared_ptr<bool> active) {
  auto [ec] = co_await socket.async_wait(asio::ip::tcp::socket::wait_read,
                                         asio::as_tuple(asio::use_awaitable));
  if (ec || !*active) co_return;  // stopped: the socket may be gone
  char c = 0;
  const ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  // Readable with nothing to read is the client's end of stream; bytes are a
  // pipelined request from a client that is still there.
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    token->abandon();
  }
}

}  // namespace

ClientWatch::ClientWatch(ClientWatches& watches, beast::tcp_stream& client,
                         std::shared_ptr<invoke::CancelToken> token)
    : watches_(watches), socket_(client.socket()), token_(std::move(token)),
      registered_at_(watches.sweeps_) {
  watches_.add(this);
}

ClientWatch::~ClientWatch() {
  watches_.remove(this);
  if (!active_) return;
  *active_ = false;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void ClientWatch::arm() {
  active_ = std::make_shared<bool>(true);
  asio::co_spawn(socket_.get_executor(), watch(socket_, token_, active_),
                 Detached{"gateway client watch"});
}

void ClientWatches::add(ClientWatch* w) {
  w->next_ = head_;
  if (head_) head_->prev_ = w;
  head_ = w;
  if (!sweeping_) {
    sweeping_ = true;
    asio::co_spawn(ex_, sweep(alive_), Detached{"gateway client watches"});
  }
}

void ClientWatches::remove(ClientWatch* w) {
  if (w->prev_) w->prev_->next_ = w->next_;
  else head_ = w->next_;
  if (w->next_) w->next_->prev_ = w->prev_;
  w->prev_ = w->next_ = nullptr;
}

Task<void> ClientWatches::sweep(std::shared_ptr<bool> alive) {
  while (head_) {
    co_await clock_.sleep_until(clock_.steady_now() + kSweepPeriod);
    if (!*alive) co_return;  // the gateway is gone
    ++sweeps_;
    // Registered before the previous sweep: waiting for one period at least.
    for (ClientWatch* w = head_; w; w = w->next_) {
      if (!w->active_ && w->registered_at_ + 1 < sweeps_) w->arm();
    }
  }
  sweeping_ = false;
}

}  // namespace yunfn::gateway
