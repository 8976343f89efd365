// Clock: the seam through which time-dependent logic (timeouts, reaping, cron,
// retries, retention) reads time, so tests can drive it exactly.
// SystemClock is stateless and safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace yunfn {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for display, records and cron.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for deadlines.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
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
