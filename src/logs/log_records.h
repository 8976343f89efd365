// The records of yunfn log topics (docs/triggers.md "Log topics"): what is
// appended (one log line or one ingested JSON line), what is read back, and
// how the two sources make them: an invocation's framed log becomes one record
// per line with SCF's CLS fields (spec 13.2), an UploadLog body of JSON lines
// one record per line. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yunfn::logs {

// The largest content of one record. A longer function log line is cut into
// several records; UploadLog refuses a longer line. Even incompressible, a
// record this size fits in one 128 KB piece of a cls trigger's event.
inline constexpr size_t kMaxRecordBytes = 100 * 1024;

struct LogRecord {
  int64_t timestamp_us = 0;  // the record's time, microseconds since the epoch
  std::string content;
};

// A record as stored: `seq` orders every record of every topic (larger = later).
struct StoredRecord {
  int64_t seq = 0;
  int64_t timestamp_us = 0;
  std::string content;
};

// What the Invoker hands over for a function whose ClsTopicId names a topic.
struct FunctionLog {
  std::string ns;
  std::string function_name;
  std::string qualifier;  // the version that ran
  std::string request_id;
  int64_t start_time_ms = 0;
  double duration_ms = 0;
  int64_t mem_usage_bytes = 0;
  int status_code = 200;
  int retry_num = 0;
  std::string log;  // the framed log (START ... Report)
};

// One record per line of the log (empty lines skipped; lines over
// kMaxRecordBytes cut), its content a JSON object with SCF's CLS fields
// SCF_FunctionName, SCF_Namespace, SCF_Qualifier, SCF_RequestId, SCF_StartTime,
// SCF_LogTime, SCF_Duration, SCF_MemUsage, SCF_Level, SCF_Message, SCF_Type
// (Platform for START/END/Report/... lines, Custom for the function's own),
// SCF_StatusCode, SCF_RetryNum. Timestamps count up by 1 µs per line from the
// start of the invocation, so the lines keep their order.
std::vector<LogRecord> function_log_records(const FunctionLog& log);

// Parses an UploadLog body: JSON lines, each an object with "content" (a
// string, or any other JSON value, kept as its JSON text) and an optional
// "timestamp" (an integer or a numeric string in seconds, milliseconds or
// microseconds since the epoch, told apart by size; default `now_us`).
// Blank lines are skipped. Errors: InvalidParameter.Payload naming the line
// (not JSON, not an object, no content, content over kMaxRecordBytes, a bad
// timestamp) or saying the body holds no record; nothing is kept then.
Result<std::vector<LogRecord>> parse_json_lines(std::string_view body, int64_t now_us);

}  // namespace yunfn::logs
