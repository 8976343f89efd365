// Tests for logs/log_quota.h: output stored per function and hour.
#include "logs/log_quota.h"

#include <gtest/gtest.h>

namespace yunfn::logs {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
const auto kStart = std::chrono::steady_clock::time_point{} + hours(100);

TEST(LogQuotaTest, TakesUpToTheHourlyBudgetPerFunction) {
  LogQuota quota(1000);
  EXPECT_EQ(quota.take("ns/a", 600, kStart), 600u);
  EXPECT_EQ(quota.take("ns/a", 600, kStart + minutes(10)), 400u);
  EXPECT_EQ(quota.take("ns/a", 1, kStart + minutes(20)), 0u);
  EXPECT_EQ(quota.take("ns/b", 600, kStart + minutes(20)), 600u);  // each function its own
}

TEST(LogQuotaTest, ANewHourStartsAFreshBudget) {
  LogQuota quota(1000);
  EXPECT_EQ(quota.take("ns/a", 1000, kStart), 1000u);
  EXPECT_EQ(quota.take("ns/a", 10, kStart + minutes(59)), 0u);
  EXPECT_EQ(quota.take("ns/a", 10, kStart + hours(1)), 10u);
}

TEST(LogQuotaTest, ZeroMeansNoQuota) {
  LogQuota quota(0);
  EXPECT_EQ(quota.take("ns/a", 1u << 30, kStart), 1u << 30);
}

TEST(LogQuotaTest, CutOutputIsMarked) {
  LogQuota quota(2 * 1024 * 1024);
  std::string big(3 * 1024 * 1024, 'x');
  std::string kept = apply_log_quota(quota, "ns/a", big, kStart);
  EXPECT_EQ(kept.substr(0, 2 * 1024 * 1024), big.substr(0, 2 * 1024 * 1024));
  EXPECT_NE(kept.find("[yunfn] log quota exceeded: this function may store 2 MB of output per hour"),
            std::string::npos);
  std::string next = apply_log_quota(quota, "ns/a", "later\n", kStart + minutes(1));
  EXPECT_EQ(next.rfind("[yunfn] log quota exceeded", 0), 0u) << next;
  EXPECT_EQ(apply_log_quota(quota, "ns/b", "fine\n", kStart), "fine\n");
}

}  // namespace
}  // namespace yunfn::logs
