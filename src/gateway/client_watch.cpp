#include "gateway/client_watch.h"

#include <sys/socket.h>

#include <cerrno>

namespace yunfn::gateway {
namespace {

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

ClientWatch::ClientWatch(beast::tcp_stream& client, std::shared_ptr<invoke::CancelToken> token)
    : socket_(client.socket()) {
  asio::co_spawn(socket_.get_executor(), watch(socket_, std::move(token), active_),
                 Detached{"gateway client watch"});
}

ClientWatch::~ClientWatch() {
  *active_ = false;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

}  // namespace yunfn::gateway
