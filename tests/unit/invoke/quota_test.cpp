#include "invoke/quota.h"

#include <gtest/gtest.h>

namespace yunfn::invoke {
namespace {

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
  auto refused_a = q.admit("ns/A", "A", 128);
  EXPECT_NE(refused_a.error().message.find("region unreserved quota 3328 MB"), std::string::npos);
}

TEST(QuotaTest, ReleaseFreesCapacityAndMemoryIsWeighted) {
  Quota q({4 * 128, 0});
  EXPECT_TRUE(q.admit("ns/big", "big", 256).ok());
  EXPECT_TRUE(q.admit("ns/big", "big", 256).ok());
  EXPECT_FALSE(q.admit("ns/big", "big", 256).ok());  // a 256 MB call uses two units
  q.release("ns/big", 256);
  EXPECT_TRUE(q.admit("ns/small", "small", 128).ok());
  EXPECT_EQ(q.used_mb(), 256 + 128);
}

TEST(QuotaTest, ReservedZeroRefusesEverything) {
  Quota q({128000, 12800});
  q.set_reserved("ns/f", 0);
  EXPECT_FALSE(q.admit("ns/f", "f", 128).ok());
  q.set_reserved("ns/f", std::nullopt);
  EXPECT_TRUE(q.admit("ns/f", "f", 128).ok());
}

TEST(QuotaTest, ReservedCannotExceedFreeQuota) {
  Quota q({10000, 2000});
  q.set_reserved("ns/a", 5000);
  EXPECT_TRUE(q.check_reserved("ns/b", 3000).ok());
  auto r = q.check_reserved("ns/b", 3001);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "FailedOperation.ReservedExceedTotal");
  EXPECT_TRUE(q.check_reserved("ns/a", 8000).ok());  // its own share does not count twice
  EXPECT_FALSE(q.check_reserved("ns/a", -1).ok());
}

TEST(QuotaTest, ProvisionedCountsAgainstShareAndIsChecked) {
  Quota q({1280, 0});
  q.set_reserved("ns/p", 512);
  EXPECT_TRUE(q.check_provisioned("ns/p", 512).ok());
  EXPECT_EQ(q.check_provisioned("ns/p", 640).error().code, "FailedOperation.ProvisionedExceedReserved");
  q.set_provisioned_mb("ns/p", 384);
  EXPECT_EQ(q.used_mb("ns/p"), 384);
  EXPECT_TRUE(q.admit("ns/p", "p", 128).ok());
  EXPECT_FALSE(q.admit("ns/p", "p", 128).ok());
  EXPECT_EQ(q.check_reserved("ns/p", 256).error().code, "FailedOperation.ProvisionedExceedReserved");
}

TEST(QuotaTest, TotalMustCoverReservedAndFloor) {
  Quota q({10000, 1000});
  q.set_reserved("ns/a", 3000);
  EXPECT_FALSE(q.check_total(3999).ok());
  EXPECT_TRUE(q.check_total(4000).ok());
}

}  // namespace
}  // namespace yunfn::invoke
