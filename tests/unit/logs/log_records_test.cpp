// Tests for the records of log topics (logs/log_records.h): an invocation log
// as one record per line with SCF's CLS fields, and UploadLog's JSON lines.
#include "logs/log_records.h"

#include <gtest/gtest.h>

#include "../test_support.h"
#include "common/json.h"

namespace yunfn::logs {
namespace {

using test_support::fails_with;
constexpr std::string_view kBadBody = "InvalidParameter.Payload";

TEST(LogRecords, AnInvocationLogIsOneRecordPerLineWithScfFields) {
  FunctionLog log{.ns = "default",
                  .function_name = "hello",
                  .qualifier = "$LATEST",
                  .request_id = "r-1",
                  .start_time_ms = 1700000000000,
                  .duration_ms = 12.5,
                  .mem_usage_bytes = 2 * 1024 * 1024,
                  .status_code = 200,
                  .retry_num = 1,
                  .log =
                      "START RequestId: r-1\nhello world\n\nERROR RequestId: r-1 Result: x\n"
                      "END RequestId: r-1\nReport RequestId: r-1 Duration: 12.50ms\n"};
  auto rs = function_log_records(log);
  ASSERT_EQ(rs.size(), 5u);  // the empty line is skipped
  Json user = Json::parse(rs[1].content);
  EXPECT_EQ(user["SCF_Message"], "hello world");
  EXPECT_EQ(user["SCF_Type"], "Custom");
  EXPECT_EQ(user["SCF_RequestId"], "r-1");
  EXPECT_EQ(user["SCF_FunctionName"], "hello");
  EXPECT_EQ(user["SCF_Namespace"], "default");
  EXPECT_EQ(user["SCF_Qualifier"], "$LATEST");
  EXPECT_EQ(user["SCF_StartTime"], 1700000000000);
  EXPECT_EQ(user["SCF_LogTime"], 1700000000012);
  EXPECT_EQ(user["SCF_MemUsage"], 2.0);
  EXPECT_EQ(user["SCF_Level"], "INFO");
  EXPECT_EQ(user["SCF_StatusCode"], 200);
  EXPECT_EQ(user["SCF_RetryNum"], 1);
  EXPECT_EQ(Json::parse(rs[0].content)["SCF_Type"], "Platform");
  EXPECT_EQ(Json::parse(rs[2].content)["SCF_Level"], "ERROR");
  EXPECT_EQ(rs[0].timestamp_us, 1700000000000000);
  EXPECT_EQ(rs[4].timestamp_us, 1700000000000004);  // in order
}

TEST(LogRecords, ALongLineIsCutIntoRecordsThatFit) {
  FunctionLog log;
  log.request_id = "r";
  log.log = std::string(250 * 1024, 'a') + "\n";
  auto rs = function_log_records(log);
  ASSERT_EQ(rs.size(), 3u);
  size_t total = 0;
  for (const auto& r : rs) {
    EXPECT_LE(r.content.size(), kMaxRecordBytes);
    total += Json::parse(r.content)["SCF_Message"].get<std::string>().size();
  }
  EXPECT_EQ(total, 250u * 1024);
}

TEST(LogRecords, JsonLinesTakeContentAndTimestampsInAnyUnit) {
  auto rs = parse_json_lines(
      "{\"content\":\"a\"}\n\n  {\"content\":{\"k\":1},\"timestamp\":1700000000}\r\n"
      "{\"content\":\"c\",\"timestamp\":\"1700000000123\"}\n"
      "{\"content\":\"d\",\"timestamp\":1700000000123456}",
      42);
  ASSERT_TRUE(rs.ok());
  ASSERT_EQ(rs->size(), 4u);
  EXPECT_EQ((*rs)[0].timestamp_us, 42);
  EXPECT_EQ((*rs)[1].content, R"({"k":1})");
  EXPECT_EQ((*rs)[1].timestamp_us, 1700000000000000);
  EXPECT_EQ((*rs)[2].timestamp_us, 1700000000123000);
  EXPECT_EQ((*rs)[3].timestamp_us, 1700000000123456);
}

TEST(LogRecords, ABodyThatIsNotJsonLinesNamesTheLine) {
  EXPECT_TRUE(fails_with(parse_json_lines("{\"content\":\"a\"}\nnot json\n", 1), kBadBody,
                         "line 2: is not JSON"));
  EXPECT_TRUE(fails_with(parse_json_lines("[1,2]", 1), kBadBody, "line 1: is not a JSON object"));
  EXPECT_TRUE(
      fails_with(parse_json_lines("{\"text\":\"a\"}", 1), kBadBody, "line 1: has no \"content\""));
  EXPECT_TRUE(fails_with(parse_json_lines("{\"content\":\"a\",\"timestamp\":-5}", 1), kBadBody,
                         "timestamp"));
  EXPECT_TRUE(fails_with(
      parse_json_lines("{\"content\":\"" + std::string(kMaxRecordBytes + 1, 'x') + "\"}", 1),
      kBadBody, "at most 102400"));
  EXPECT_TRUE(fails_with(parse_json_lines("\n \n", 1), kBadBody, "holds no record"));
}

}  // namespace
}  // namespace yunfn::logs
