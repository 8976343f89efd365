// Tests for the SCF-style invocation log text (logs/invocation_log.h): the
// platform lines around the function's output, the cold-start Init Report line,
// the ERROR line, and tail_log cutting a long log at a line start.
#include "logs/invocation_log.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace yunfn::logs {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

LogFrame warm_frame() {
  LogFrame f;
  f.request_id = "9f1c2b3a-0000-4000-8000-000000000001";
  f.user_output = "hello\nworld\n";
  f.duration_ms = 12.5;
  f.memory_mb = 256;
  f.mem_usage_bytes = 3 * 1024 * 1024 / 2;  // 1.5 MB
  return f;
}

TEST(FormatInvocationLog, WarmSuccessHasStartOutputEndReport) {
  LogFrame f = warm_frame();
  std::string log = format_invocation_log(f);
  EXPECT_EQ(log,
            "START RequestId: 9f1c2b3a-0000-4000-8000-000000000001\n"
            "hello\n"
            "world\n"
            "END RequestId: 9f1c2b3a-0000-4000-8000-000000000001\n"
            "Report RequestId: 9f1c2b3a-0000-4000-8000-000000000001 Duration: 12.50ms "
            "Memory: 256MB MemUsage: 1.50MB\n");
  EXPECT_EQ(log.find("Init Report"), std::string::npos);
  EXPECT_EQ(log.find("ERROR"), std::string::npos);
}

TEST(FormatInvocationLog, ColdStartAddsInitReportAfterStart) {
  LogFrame f = warm_frame();
  f.cold_start = true;
  f.init_duration_ms = 87.126;
  auto lines = lines_of(format_invocation_log(f));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], "START RequestId: " + f.request_id);
  EXPECT_EQ(lines[1], "Init Report RequestId: " + f.request_id +
                          " InitDuration: 87.13ms Memory: 256MB");
  EXPECT_EQ(lines[2], "hello");
  EXPECT_EQ(lines[3], "world");
  EXPECT_EQ(lines[4], "END RequestId: " + f.request_id);
  EXPECT_EQ(lines[5].rfind("Report RequestId: " + f.request_id, 0), 0u);
}

TEST(FormatInvocationLog, InitOutputComesBeforeTheInitReport) {
  LogFrame f = warm_frame();
  f.cold_start = true;
  f.init_duration_ms = 5;
  f.init_output = "loading model\nmodel ready";  // no trailing newline
  auto lines = lines_of(format_invocation_log(f));
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[0], "START RequestId: " + f.request_id);
  EXPECT_EQ(lines[1], "loading model");
  EXPECT_EQ(lines[2], "model ready");
  EXPECT_EQ(lines[3].rfind("Init Report RequestId: " + f.request_id, 0), 0u);
  EXPECT_EQ(lines[4], "hello");
}

TEST(FormatInvocationLog, ErrorLineComesAfterOutputAndBeforeEnd) {
  LogFrame f = warm_frame();
  f.error = "Invoking task timed out after 3 seconds";
  auto lines = lines_of(format_invocation_log(f));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[2], "world");
  EXPECT_EQ(lines[3], "ERROR RequestId: " + f.request_id +
                          " Result: Invoking task timed out after 3 seconds");
  EXPECT_EQ(lines[4], "END RequestId: " + f.request_id);
}

TEST(FormatInvocationLog, OutputWithoutTrailingNewlineGetsOne) {
  LogFrame f = warm_frame();
  f.user_output = "no newline at the end";
  auto lines = lines_of(format_invocation_log(f));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1], "no newline at the end");
  EXPECT_EQ(lines[2], "END RequestId: " + f.request_id);
}

TEST(FormatInvocationLog, EmptyOutputAddsNoBlankLine) {
  LogFrame f = warm_frame();
  f.user_output.clear();
  std::string log = format_invocation_log(f);
  auto lines = lines_of(log);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "START RequestId: " + f.request_id);
  EXPECT_EQ(lines[1], "END RequestId: " + f.request_id);
  EXPECT_EQ(log.find("\n\n"), std::string::npos);
}

TEST(FormatInvocationLog, ReportFormatsDurationAndMemoryWithTwoDecimals) {
  LogFrame f = warm_frame();
  f.duration_ms = 0.004;
  f.mem_usage_bytes = 0;
  f.memory_mb = 64;
  auto lines = lines_of(format_invocation_log(f));
  EXPECT_EQ(lines.back(), "Report RequestId: " + f.request_id +
                              " Duration: 0.00ms Memory: 64MB MemUsage: 0.00MB");
  f.duration_ms = 900000;
  f.mem_usage_bytes = int64_t{3072} * 1024 * 1024;
  f.memory_mb = 3072;
  lines = lines_of(format_invocation_log(f));
  EXPECT_EQ(lines.back(), "Report RequestId: " + f.request_id +
                              " Duration: 900000.00ms Memory: 3072MB MemUsage: 3072.00MB");
}

TEST(FormatInvocationLog, UserOutputIsKeptVerbatim) {
  LogFrame f = warm_frame();
  f.user_output = "{} braces {0} and % signs\ttab\n\nblank line above\n";
  std::string log = format_invocation_log(f);
  EXPECT_NE(log.find("\n{} braces {0} and % signs\ttab\n\nblank line above\nEND "),
            std::string::npos)
      << log;
}

// ---------------------------------------------------------------------------
// tail_log
// ---------------------------------------------------------------------------

TEST(TailLog, ShortLogIsReturnedWhole) {
  EXPECT_EQ(tail_log("", 10), "");
  EXPECT_EQ(tail_log("a\nb\n", 4), "a\nb\n");
  EXPECT_EQ(tail_log(std::string(4096, 'x')), std::string(4096, 'x'));  // default 4 KB
}

TEST(TailLog, CutsAtTheFirstLineStartInsideTheWindow) {
  std::string log = "line-one\nline-two\nline-three\n";  // 9 + 9 + 11 bytes
  // The last 15 bytes start inside "line-two"; the result starts at line-three.
  EXPECT_EQ(tail_log(log, 15), "line-three\n");
  // 21 bytes reach back to the newline ending line-one: line-two is whole.
  EXPECT_EQ(tail_log(log, 21), "line-two\nline-three\n");
}

TEST(TailLog, ResultIsASuffixOfAtMostMaxBytesStartingAtALine) {
  std::string log;
  for (int i = 0; i < 500; ++i) log += "log line number " + std::to_string(i) + "\n";
  std::string tail = tail_log(log);
  ASSERT_FALSE(tail.empty());
  EXPECT_LE(tail.size(), 4096u);
  EXPECT_GT(tail.size(), 4096u - 32);  // at most one partial line was dropped
  EXPECT_EQ(log.compare(log.size() - tail.size(), tail.size(), tail), 0);
  EXPECT_EQ(log[log.size() - tail.size() - 1], '\n');
  EXPECT_EQ(tail.rfind("log line number 499\n"), tail.size() - 20);
}

TEST(TailLog, WindowWithoutANewlineIsCutMidLine) {
  std::string log = "head\n" + std::string(100, 'z');
  EXPECT_EQ(tail_log(log, 10), std::string(10, 'z'));
}

TEST(TailLog, WindowStartingExactlyAtALineStartKeepsThatLine) {
  // "aaaa\n" + "bbbb\n": the last 5 bytes are exactly the whole last line.
  EXPECT_EQ(tail_log("aaaa\nbbbb\n", 5), "bbbb\n");
  EXPECT_EQ(tail_log("aaaa\nbbbb\ncc\n", 8), "bbbb\ncc\n");
}

TEST(TailLog, LongLastLineIsNotReducedToNothing) {
  std::string log = "start\n" + std::string(100, 'y') + "\n";
  std::string tail = tail_log(log, 50);
  EXPECT_FALSE(tail.empty());
  EXPECT_LE(tail.size(), 50u);
  EXPECT_EQ(log.compare(log.size() - tail.size(), tail.size(), tail), 0);
}

}  // namespace
}  // namespace yunfn::logs
