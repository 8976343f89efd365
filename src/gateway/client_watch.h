// ClientWatch: while a gateway request waits for its answer, notices the
// client hanging up and abandons the request's invocation (CancelToken::abandon):
// one still waiting for an instance leaves the queue, one running goes on.
// Lives on the connection's coroutine, between reading the request and writing
// the answer.
// ClientWatches arms a watch only once its request has waited a sweep period
// (100 to 200 ms): most requests are answered sooner and never pay for a wait
// on their client's socket. Loop thread only.
#pragma once

#include <cstdint>
#include <memory>

#include "common/asio.h"
#include "common/clock.h"
#include "invoke/invocation.h"

namespace yunfn::gateway {

class ClientWatches;

class ClientWatch {
 public:
  ClientWatch(ClientWatches& watches, beast::tcp_stream& client,
              std::shared_ptr<invoke::CancelToken> token);
  // Stops watching: the connection's socket is read or written next.
  ~ClientWatch();
  ClientWatch(const ClientWatch&) = delete;
  ClientWatch& operator=(const ClientWatch&) = delete;

 private:
  friend class ClientWatches;
  void arm();

  ClientWatches& watches_;
  asio::ip::tcp::socket& socket_;
  std::shared_ptr<invoke::CancelToken> token_;
  std::shared_ptr<bool> active_;  // set once armed; false when the watch ends
  uint64_t registered_at_;        // the sweep count when the request began
  ClientWatch* prev_ = nullptr;
  ClientWatch* next_ = nullptr;
};

class ClientWatches {
 public:
  ClientWatches(asio::any_io_executor ex, const Clock& clock) : ex_(std::move(ex)), clock_(clock) {}
  ~ClientWatches() { *alive_ = false; }
  ClientWatches(const ClientWatches&) = delete;
  ClientWatches& operator=(const ClientWatches&) = delete;

 private:
  friend class ClientWatch;
  void add(ClientWatch* w);
  void remove(ClientWatch* w);
  Task<void> sweep(std::shared_ptr<bool> alive);

  asio::any_io_executor ex_;
  const Clock& clock_;
  ClientWatch* head_ = nullptr;
  uint64_t sweeps_ = 0;
  bool sweeping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::gateway
