// Clock: the one seam through which yunfn reads time and waits for it
// (timeouts, reaping, cron, retries, retention), as LevelDB's Env: every part
// takes a Clock, so tests drive time exactly (tests/unit/fakes/manual_clock.h).
// SystemClock is stateless and safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/asio.h"

namespace yunfn {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for display, records and cron.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for deadlines.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  // Suspends the calling coroutine until steady_now() reaches `deadline`
  // (returns at once when it has); cancellable like any asio wait.
  virtual Task<void> sleep_until(std::chrono::steady_clock::time_point deadline) const = 0;

  // The real clock, for parts that are not given one (the listeners).
  static const Clock& system();
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  Task<void> sleep_until(std::chrono::steady_clock::time_point deadline) const override;
};

// Milliseconds since the Unix epoch.
inline int64_t to_unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "YYYY-MM-DD HH:MM:SS" in UTC, the SCF response time format.
std::string format_scf_time(int64_t unix_ms);
// Parses "YYYY-MM-DD HH:MM:SS" (UTC) into unix ms; -1 when malformed.
int64_t parse_scf_time(const std::string& text);

}  // namespace yunfn
