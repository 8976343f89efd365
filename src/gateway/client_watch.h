// ClientWatch: while a gateway request waits for its answer, notices the
// client hanging up and abandons the request's invocation (CancelToken::abandon):
// one still waiting for an instance leaves the queue, one running goes on.
// Lives on the connection's coroutine, between reading the request and writing
// the answer; loop thread only.
#pragma once

#include <memory>

#include "common/asio.h"
#include "invoke/invocation.h"

namespace yunfn::gateway {

class ClientWatch {
 public:
  ClientWatch(beast::tcp_stream& client, std::shared_ptr<invoke::CancelToken> token);
  // Stops watching: the connection's socket is read or written next.
  ~ClientWatch();
  ClientWatch(const ClientWatch&) = delete;
  ClientWatch& operator=(const ClientWatch&) = delete;

 private:
  asio::ip::tcp::socket& socket_;
  std::shared_ptr<bool> active_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::gateway
