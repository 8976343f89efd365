// LogQuota: how many bytes of function output each function may store per
// hour. Output beyond it is dropped from the stored log, with a marker line,
// while the START/END/Report lines of every invocation are always kept; one
// noisy function cannot fill the disk. Owned by the Invoker; loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace yunfn::logs {

class LogQuota {
 public:
  // bytes_per_hour 0: no quota.
  explicit LogQuota(uint64_t bytes_per_hour) : bytes_per_hour_(bytes_per_hour) {}

  // Takes up to `bytes` of `function_key`'s quota for the hour that `now` falls
  // in; returns how many may be stored.
  uint64_t take(const std::string& function_key, uint64_t bytes,
                std::chrono::steady_clock::time_point now);
  uint64_t bytes_per_hour() const { return bytes_per_hour_; }

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    uint64_t used = 0;
  };
  uint64_t bytes_per_hour_;
  std::map<std::string, Window> windows_;
};

// Cuts `output` to what the quota allows, marking the cut.
std::string apply_log_quota(LogQuota& quota, const std::string& function_key, std::string output,
                            std::chrono::steady_clock::time_point now);

}  // namespace yunfn::logs
