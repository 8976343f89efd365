// ManualClock: a Clock whose time moves only when a test calls advance(), so
// timeouts, retries, reaping and cron run exactly and at once.
//
// Wall time starts at a fixed date (2026-01-01T00:00:00Z); steady time starts
// at the real steady_clock::now() of construction, so deadlines handed to real
// sockets stay sane. advance() moves both by the same amount.
//
// sleep_until() suspends the calling coroutine on a timer that never expires;
// advance() cancels the timers of the sleepers whose deadline has passed, and
// the test then runs the io_context (poll) to let them resume. A sleep that is
// cancelled (Signal::wait_until races it against a signal with `||`) or whose
// coroutine is destroyed unregisters itself.
//
// Owned by the test and declared before the io_context it is used on (sleepers
// unregister when the context destroys their frames). Not thread-safe: the test
// thread runs the io_context and calls advance().
#pragma once

#include <chrono>
#include <list>
#include <thread>

#include "common/asio.h"
#include "common/clock.h"
#include "common/scope_exit.h"

namespace yunfn::fakes {

class ManualClock final : public Clock {
 public:
  using steady_point = std::chrono::steady_clock::time_point;
  using wall_point = std::chrono::system_clock::time_point;

  // 2026-01-01T00:00:00Z.
  static wall_point start_time() {
    using namespace std::chrono;
    return sys_days{year{2026} / January / 1};
  }

  explicit ManualClock(wall_point wall = start_time())
      : wall_(wall), steady_(std::chrono::steady_clock::now()) {}

  wall_point now() const override { return wall_; }
  steady_point steady_now() const override { return steady_; }

  Task<void> sleep_until(steady_point deadline) const override {
    if (deadline <= steady_) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             asio::steady_timer::time_point::max());
    auto it = sleepers_.insert(sleepers_.end(), Sleeper{deadline, &timer});
    ScopeExit unregister([this, it] { sleepers_.erase(it); });
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  // Moves both clocks forward and wakes the sleepers whose deadline passed
  // (they resume when the test next runs the io_context).
  void advance(std::chrono::steady_clock::duration d) {
    wall_ += std::chrono::duration_cast<wall_point::duration>(d);
    steady_ += d;
    for (auto& s : sleepers_) {
      if (s.deadline <= steady_) s.timer->cancel();
    }
  }

  // Coroutines suspended in sleep_until() now.
  size_t sleepers() const { return sleepers_.size(); }

 private:
  struct Sleeper {
    steady_point deadline;
    asio::steady_timer* timer;  // lives in the sleeping coroutine's frame
  };

  wall_point wall_;
  steady_point steady_;
  mutable std::list<Sleeper> sleepers_;
};

// Runs the io_context on the calling thread until `done()` holds; false when
// it does not within `limit` of real time (a hung test fails instead of hanging).
template <typename Pred>
bool run_until(asio::io_context& ctx, Pred done,
               std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    if (ctx.stopped()) ctx.restart();
    ctx.run_one_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Runs whatever is ready (including loopback I/O, which the kernel completes
// at once) until a few rounds in a row find nothing to do: everything that
// can happen without advancing the clock has happened.
inline void settle(asio::io_context& ctx) {
  for (int quiet = 0; quiet < 5;) {
    if (ctx.stopped()) ctx.restart();
    if (ctx.poll() == 0) {
      ++quiet;
      std::this_thread::yield();
    } else {
      quiet = 0;
    }
  }
}

}  // namespace yunfn::fakes
