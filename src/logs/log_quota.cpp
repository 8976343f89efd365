#include "logs/log_quota.h"

#include <fmt/format.h>

namespace yunfn::logs {

uint64_t LogQuota::take(const std::string& function_key, uint64_t bytes,
                        std::chrono::steady_clock::time_point now) {
  if (bytes_per_hour_ == 0) return bytes;
  Window& w = windows_[function_key];
  if (w.used == 0 || now - w.start >= std::chrono::hours(1)) w = Window{now, 0};
  uint64_t allowed = std::min(bytes, bytes_per_hour_ - w.used);
  w.used += allowed;
  return allowed;
}

std::string apply_log_quota(LogQuota& quota, const std::string& function_key, std::string output,
                            std::chrono::steady_clock::time_point now) {
  uint64_t allowed = quota.take(function_key, output.size(), now);
  if (allowed == output.size()) return output;
  output.resize(allowed);
  if (!output.empty() && output.back() != '\n') output += '\n';
  output += fmt::format(
      "[yunfn] log quota exceeded: this function may store {} MB of output per hour; the rest of "
      "this invocation's output was dropped\n",
      quota.bytes_per_hour() / (1024 * 1024));
  return output;
}

}  // namespace yunfn::logs
