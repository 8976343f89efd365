#include "logs/log_records.h"

#include <array>
#include <charconv>
#include <optional>

#include "common/json.h"
#include "common/utf8.h"

namespace yunfn::logs {
namespace {

// The lines the platform writes around the function's own (logs/invocation_log.h).
constexpr std::array<std::string_view, 5> kPlatformPrefixes = {
    "START RequestId:", "END RequestId:", "Report RequestId:", "Init Report RequestId:",
    "ERROR RequestId:"};

bool is_platform_line(std::string_view line) {
  for (auto p : kPlatformPrefixes) {
    if (line.starts_with(p)) return true;
  }
  return false;
}

// The longest prefix of `text` of at most `max` bytes that ends on a UTF-8
// character boundary (never empty when text is not).
size_t cut_at(std::string_view text, size_t max) {
  if (text.size() <= max) return text.size();
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return n == 0 ? max : n;
}

Error bad_line(size_t line_no, const std::string& why) {
  return make_error(errc::kInvalidParameterPayload,
                    "UploadLog body line " + std::to_string(line_no) + ": " + why);
}

// A timestamp in seconds, milliseconds or microseconds, as microseconds.
std::optional<int64_t> timestamp_us(const Json& v) {
  int64_t t = 0;
  if (v.is_number_integer()) {
    t = v.get<int64_t>();
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), t);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (t <= 0) return std::nullopt;
  if (t < 100'000'000'000LL) return t * 1'000'000;  // seconds (before the year 5138)
  if (t < 100'000'000'000'000LL) return t * 1'000;  // milliseconds
  return t;
}

}  // namespace

std::vector<LogRecord> function_log_records(const FunctionLog& log) {
  std::vector<LogRecord> out;
  const int64_t start_us = log.start_time_ms * 1000;
  const auto log_time_ms = log.start_time_ms + static_cast<int64_t>(log.duration_ms);
  std::string_view rest = log.log;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool platform = is_platform_line(line);
    while (!line.empty()) {
      const size_t n =
          cut_at(line, kMaxRecordBytes - 1024);  // room for the fields around the message
      Json j = {{"SCF_FunctionName", log.function_name},
                {"SCF_Namespace", log.ns},
                {"SCF_Qualifier", log.qualifier},
                {"SCF_RequestId", log.request_id},
                {"SCF_StartTime", log.start_time_ms},
                {"SCF_LogTime", log_time_ms},
                {"SCF_Duration", static_cast<int64_t>(log.duration_ms)},
                {"SCF_MemUsage", static_cast<double>(log.mem_usage_bytes) / (1024.0 * 1024.0)},
                {"SCF_Level", line.starts_with("ERROR RequestId:") ? "ERROR" : "INFO"},
                {"SCF_Message", std::string(line.substr(0, n))},
                {"SCF_Type", platform ? "Platform" : "Custom"},
                {"SCF_StatusCode", log.status_code},
                {"SCF_RetryNum", log.retry_num}};
      out.push_back({start_us + static_cast<int64_t>(out.size()), j.dump()});
      line.remove_prefix(n);
    }
  }
  return out;
}

Result<std::vector<LogRecord>> parse_json_lines(std::string_view body, int64_t now_us) {
  std::vector<LogRecord> out;
  size_t line_no = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    if (json_nesting_exceeds(line, 32)) return bad_line(line_no, "nests deeper than 32 levels");
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded())
      return bad_line(line_no, "is not JSON (the body is JSON lines: one object per line)");
    if (!j.is_object()) return bad_line(line_no, "is not a JSON object");
    auto content = j.find("content");
    if (content == j.end() || content->is_null()) return bad_line(line_no, "has no \"content\"");
    LogRecord r;
    r.content = content->is_string() ? content->get<std::string>() : content->dump();
    if (r.content.size() > kMaxRecordBytes) {
      return bad_line(line_no, "content is " + std::to_string(r.content.size()) +
                                   " bytes; a record holds at most " +
                                   std::to_string(kMaxRecordBytes));
    }
    r.timestamp_us = now_us;
    if (auto ts = j.find("timestamp"); ts != j.end() && !ts->is_null()) {
      auto us = timestamp_us(*ts);
      if (!us)
        return bad_line(line_no,
                        "timestamp must be a positive integer (s, ms or µs since the epoch)");
      r.timestamp_us = *us;
    }
    out.push_back(std::move(r));
  }
  if (out.empty())
    return make_error(errc::kInvalidParameterPayload, "the UploadLog body holds no record");
  return out;
}

}  // namespace yunfn::logs
