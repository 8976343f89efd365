#include "logs/invocation_log.h"

#include "common/utf8.h"

#include <fmt/format.h>

namespace yunfn::logs {

std::string format_invocation_log(const LogFrame& f) {
  std::string out = fmt::format("START RequestId: {}\n", f.request_id);
  out += f.init_output;
  if (!f.init_output.empty() && f.init_output.back() != '\n') out += '\n';
  if (f.cold_start) {
    out += fmt::format("Init Report RequestId: {} InitDuration: {:.2f}ms Memory: {}MB\n",
                       f.request_id, f.init_duration_ms, f.memory_mb);
  }
  out += f.user_output;
  if (!f.user_output.empty() && f.user_output.back() != '\n') out += '\n';
  if (!f.error.empty()) out += fmt::format("ERROR RequestId: {} Result: {}\n", f.request_id, f.error);
  out += fmt::format("END RequestId: {}\n", f.request_id);
  out += fmt::format("Report RequestId: {} Duration: {:.2f}ms Memory: {}MB MemUsage: {:.2f}MB\n",
                     f.request_id, f.duration_ms, f.memory_mb,
                     static_cast<double>(f.mem_usage_bytes) / (1024.0 * 1024.0));
  // Function output is raw bytes; logs are stored and returned as UTF-8.
  return valid_utf8(std::move(out));
}

std::string tail_log(const std::string& log, size_t max_bytes) {
  if (log.size() <= max_bytes) return log;
  size_t start = log.size() - max_bytes;
  // Never start inside a UTF-8 sequence.
  while (start < log.size() && (static_cast<unsigned char>(log[start]) & 0xC0) == 0x80) ++start;
  if (log[start - 1] == '\n') return log.substr(start);  // the window starts a line
  size_t nl = log.find('\n', start);
  // Cut at the next line start, unless that leaves nothing (one long last line).
  if (nl == std::string::npos || nl + 1 == log.size()) return log.substr(start);
  return log.substr(nl + 1);
}

}  // namespace yunfn::logs
