// The asio/beast names used across yunfn, in one place. All network and timer
// work runs as C++20 coroutines on the server's io_context.
#pragma once

#include <cstdint>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace yunfn {

class Clock;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

template <typename T = void>
using Task = asio::awaitable<T>;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// The completion of a detached coroutine (co_spawn(ex, task, Detached{"name"})):
// an exception that escapes it is logged with the task's name and counted,
// never dropped. Tasks that own a request, a slot or a lease release it through
// a ScopeExit, so the count is all an escape costs.
struct Detached {
  const char* task = "detached task";
  void operator()(const std::exception_ptr& e) const;
};
// Detached tasks that ended with an exception since the process started.
uint64_t detached_failures();

// A one-shot wake-up for coroutines on a single thread: wait() suspends until
// notify() (or the owner's destruction). Built on a timer that never expires.
class Signal {
 public:
  explicit Signal(const asio::any_io_executor& ex)
      : timer_(ex, asio::steady_timer::time_point::max()) {}
  // Suspends until notify() or until `clock` reaches the deadline; returns true
  // if notified, false on timeout.
  Task<bool> wait_until(const Clock& clock, asio::steady_timer::time_point deadline);
  // Suspends until notify().
  Task<void> wait();
  void notify() {
    notified_ = true;
    timer_.cancel();
  }
  bool notified() const { return notified_; }

 private:
  asio::steady_timer timer_;
  bool notified_ = false;
};

// Runs blocking work (disk, extraction, process set-up) on a worker pool's
// executor and resumes the calling coroutine on its own executor when it is
// done; without an executor (tests) the work runs in place.
template <typename F>
Task<void> run_blocking(const asio::any_io_executor& workers, F f) {
  if (!workers) {
    f();
    co_return;
  }
  co_await asio::co_spawn(
      workers, [f = std::move(f)]() mutable -> Task<void> {
        f();
        co_return;
      },
      asio::use_awaitable);
}

template <typename F>
Task<void> run_blocking(asio::thread_pool& workers, F f) {
  return run_blocking(asio::any_io_executor(workers.get_executor()), std::move(f));
}

}  // namespace yunfn
