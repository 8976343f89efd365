// ScaleLimiter: SCF's scale-up limit for on-demand instances: a burst of
// cold starts at once, then a steady number of new instances per minute
// (a token bucket). Provisioned instances do not draw from it.
// Owned by the PoolManager; loop thread only.
#pragma once

#include <algorithm>
#include <chrono>

namespace yunfn::pool {

struct ScaleLimiterConfig {
  int burst = 1000;            // cold starts allowed at once
  int per_minute = 500;        // new instances per minute after the burst
};

class ScaleLimiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  ScaleLimiter(ScaleLimiterConfig config, time_point now)
      : config_(config), tokens_(config.burst), last_(now) {}

  // Takes one cold-start token if available.
  bool try_take(time_point now) {
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  double tokens(time_point now) {
    refill(now);
    return tokens_;
  }

 private:
  void refill(time_point now) {
    double minutes = std::chrono::duration<double>(now - last_).count() / 60.0;
    last_ = now;
    tokens_ = std::min<double>(config_.burst, tokens_ + minutes * config_.per_minute);
  }

  ScaleLimiterConfig config_;
  double tokens_;
  time_point last_;
};

}  // namespace yunfn::pool
