#include "common/asio.h"

#include <atomic>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace yunfn {
namespace {
std::atomic<uint64_t> g_detached_failures{0};
}  // namespace

void Detached::operator()(const std::exception_ptr& e) const {
  if (!e) return;
  g_detached_failures.fetch_add(1, std::memory_order_relaxed);
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{} ended with an exception: {}", task, ex.what());
  } catch (...) {
    spdlog::error("{} ended with an unknown exception", task);
  }
}

uint64_t detached_failures() { return g_detached_failures.load(std::memory_order_relaxed); }

Task<bool> Signal::wait_until(const Clock& clock, asio::steady_timer::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  if (notified_) co_return true;
  // Whichever finishes first wins; the other wait is cancelled.
  co_await (timer_.async_wait(asio::as_tuple(asio::use_awaitable)) || clock.sleep_until(deadline));
  co_return notified_;
}

Task<void> Signal::wait() {
  if (notified_) co_return;
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace yunfn
