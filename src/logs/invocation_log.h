// The text of an invocation's log as SCF shows it: START, the function's own
// output, END and the Report line (with an Init Report line on cold starts).
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>

namespace yunfn::logs {

struct LogFrame {
  std::string request_id;
  std::string init_output;     // what the instance wrote during init (cold start)
  std::string user_output;     // what the instance wrote during the invocation
  std::string error;           // platform error text, empty on success
  bool cold_start = false;
  double init_duration_ms = 0;
  double duration_ms = 0;
  int memory_mb = 128;
  int64_t mem_usage_bytes = 0;
};

std::string format_invocation_log(const LogFrame& f);

// The last `max_bytes` of a log, cut at a line start, as LogType Tail returns it.
std::string tail_log(const std::string& log, size_t max_bytes = 4096);

}  // namespace yunfn::logs
