#include "common/asio.h"

#include <boost/asio/experimental/awaitable_operators.hpp>

namespace yunfn {

Task<bool> Signal::wait_until(asio::steady_timer::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  if (notified_) co_return true;
  // Whichever finishes first wins; the other wait is cancelled.
  asio::steady_timer bound(timer_.get_executor(), deadline);
  co_await (timer_.async_wait(asio::as_tuple(asio::use_awaitable)) ||
            bound.async_wait(asio::as_tuple(asio::use_awaitable)));
  co_return notified_;
}

}  // namespace yunfn
