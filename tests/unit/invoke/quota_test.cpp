#include "invoke/quota.h"

#include <gtest/gtest.h>

#include "../test_support.h"

namespace yunfn::invoke {
namespace {

using test_support::fails_exactly;

// The SCF documentation's example scaled down: 40 units of 128 MB, B reserves 14.
TEST(QuotaTest, ReservedQuotaCapsAndGuarantees) {
  Quota q({40 * 128, 0});
  ASSERT_TRUE(q.check_reserved("ns/B", 14 * 128).ok());
  q.set_reserved("ns/B", 14 * 128);
  int admitted_a = 0;
  for (int i = 0; i < 40; ++i) admitted_a += q.admit("ns/A", "A", 128).ok();
  EXPECT_EQ(admitted_a, 26);
  int admitted_b = 0;
  for (int i = 0; i < 20; ++i) admitted_b += q.admit("ns/B", "B", 128).ok();
  EXPECT_EQ(admitted_b, 14);
  auto refused = q.admit("ns/B", "B", 128);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "LimitExceeded.Quota");
  EXPECT_NE(refused.error().message.find("reserved quota 1792 MB"), std::string::npos);
  EXPECT_TRUE(fails_exactly(q.admit("ns/A", "A", 128), "LimitExceeded.Quota",
                            "Function [ A ] concurrency exceeded region unreserved quota 3328 MB "
                            "(432 ResourceLimitReached)"));
}

TEST(QuotaTest, ReleaseFreesCapacityAndMemoryIsWeighted) {
  Quota q({4 * 128, 0});
  EXPECT_TRUE(q.admit("ns/big", "big", 256).ok());
  EXPECT_TRUE(q.admit("ns/big", "big", 256).ok());
  // A 256 MB call uses two units.
  EXPECT_TRUE(fails_exactly(q.admit("ns/big", "big", 256), "LimitExceeded.Quota",
                            "Function [ big ] concurrency exceeded region unreserved quota 512 MB "
                            "(432 ResourceLimitReached)"));
  q.release("ns/big", 256);
  EXPECT_TRUE(q.admit("ns/small", "small", 128).ok());
  EXPECT_EQ(q.used_mb(), 256 + 128);
}

TEST(QuotaTest, ReservedZeroRefusesEverything) {
  Quota q({128000, 12800});
  q.set_reserved("ns/f", 0);
  EXPECT_TRUE(fails_exactly(q.admit("ns/f", "f", 128), "LimitExceeded.Quota",
                            "Function [ f ] concurrency exceeded reserved quota 0 MB "
                            "(432 ResourceLimitReached)"));
  q.set_reserved("ns/f", std::nullopt);
  EXPECT_TRUE(q.admit("ns/f", "f", 128).ok());
}

TEST(QuotaTest, ReservedCannotExceedFreeQuota) {
  Quota q({10000, 2000});
  q.set_reserved("ns/a", 5000);
  EXPECT_TRUE(q.check_reserved("ns/b", 3000).ok());
  EXPECT_TRUE(fails_exactly(q.check_reserved("ns/b", 3001), "FailedOperation.ReservedExceedTotal",
                            "ReservedConcurrencyMem 3001 MB exceeds the free account quota 3000 MB "
                            "(total 10000 MB - 2000 MB kept unreserved - 5000 MB reserved by "
                            "other functions)"));
  EXPECT_TRUE(q.check_reserved("ns/a", 8000).ok());  // its own share does not count twice
  EXPECT_TRUE(fails_exactly(q.check_reserved("ns/a", -1),
                            "InvalidParameterValue.ReservedConcurrencyMem",
                            "ReservedConcurrencyMem must not be negative"));
}

TEST(QuotaTest, ProvisionedCountsAgainstShareAndIsChecked) {
  Quota q({1280, 0});
  q.set_reserved("ns/p", 512);
  EXPECT_TRUE(q.check_provisioned("ns/p", 512).ok());
  EXPECT_TRUE(fails_exactly(q.check_provisioned("ns/p", 640),
                            "FailedOperation.ProvisionedExceedReserved",
                            "provisioned instances need 640 MB, over the function's reserved "
                            "quota 512 MB"));
  q.set_provisioned_mb("ns/p", 384);
  EXPECT_EQ(q.used_mb("ns/p"), 384);
  EXPECT_TRUE(q.admit("ns/p", "p", 128).ok());
  EXPECT_TRUE(fails_exactly(q.admit("ns/p", "p", 128), "LimitExceeded.Quota",
                            "Function [ p ] concurrency exceeded reserved quota 512 MB "
                            "(432 ResourceLimitReached)"));
  EXPECT_TRUE(fails_exactly(q.check_reserved("ns/p", 256),
                            "FailedOperation.ProvisionedExceedReserved",
                            "ReservedConcurrencyMem 256 MB is below the function's provisioned "
                            "384 MB"));
}

TEST(QuotaTest, TotalMustCoverReservedAndFloor) {
  Quota q({10000, 1000});
  q.set_reserved("ns/a", 3000);
  EXPECT_TRUE(fails_exactly(q.check_total(3999), "LimitExceeded.TotalConcurrencyMemory",
                            "TotalConcurrencyMem 3999 MB is below the reserved quotas plus the "
                            "unreserved floor (4000 MB)"));
  EXPECT_TRUE(q.check_total(4000).ok());
}

}  // namespace
}  // namespace yunfn::invoke
