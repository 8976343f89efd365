// Tests for ConcurrencyService (invoke/concurrency.h): reserved quota checks
// against the account total, and provisioned instances applied to the pools,
// which start them through a FakeSandbox (instances are coroutines speaking
// the runtime API; time is a ManualClock; the io_context runs on the test
// thread).
#include "invoke/concurrency.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../fakes/fake_platform.h"

namespace yunfn::invoke {
namespace {

using namespace std::chrono_literals;

class ConcurrencyTest : public ::testing::Test, protected fakes::FakePlatform {
 protected:
  // 1 GB for the account, 128 MB kept unreserved; "hello" takes 128 MB an instance.
  ConcurrencyTest() : FakePlatform({1024, 128}) {
    EXPECT_TRUE(create_function("hello").ok());
    auto v = versions_.publish(store::kDefaultNamespace, "hello", "");
    EXPECT_TRUE(v.ok() && v->version == "1");
  }

  int available() {
    auto s = concurrency_.provisioned_status(store::kDefaultNamespace, "hello", "1");
    EXPECT_TRUE(s.ok());
    return s.ok() ? s->available : -1;
  }
  const fakes::FakeJournal& journal() const { return sandbox_.journal(); }
};

TEST_F(ConcurrencyTest, ReservedQuotaAboveTheAccountTotalIsRefused) {
  auto r = concurrency_.put_reserved(store::kDefaultNamespace, "hello", 2048);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "FailedOperation.ReservedExceedTotal");
  EXPECT_EQ(concurrency_.get_reserved(store::kDefaultNamespace, "hello").value(), std::nullopt);
}

TEST_F(ConcurrencyTest, ProvisionedCountStartsThatManyInstancesThroughTheSandbox) {
  ASSERT_TRUE(concurrency_.put_provisioned(store::kDefaultNamespace, "hello", "1", 2).ok());
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return available() == 2; }));
  fakes::settle(ctx_);
  EXPECT_EQ(journal().launched, 2);
  EXPECT_EQ(journal().running, 2);
  EXPECT_EQ(quota_.provisioned_mb("default/hello"), 256);
}

TEST_F(ConcurrencyTest, DeleteProvisionedStopsTheInstances) {
  ASSERT_TRUE(concurrency_.put_provisioned(store::kDefaultNamespace, "hello", "1", 2).ok());
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return available() == 2; }));

  ASSERT_TRUE(concurrency_.delete_provisioned(store::kDefaultNamespace, "hello", "1").ok());
  fakes::settle(ctx_);
  EXPECT_EQ(available(), 0);
  EXPECT_EQ(journal().killed, 2);
  EXPECT_EQ(journal().running, 0);
  EXPECT_EQ(quota_.provisioned_mb("default/hello"), 0);
}

TEST_F(ConcurrencyTest, LoadStartsTheStoredProvisionedInstances) {
  ASSERT_TRUE(store_.put_provisioned({store::kDefaultNamespace, "hello", "1", 3, 0}).ok());
  ASSERT_TRUE(concurrency_.load().ok());
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return available() == 3; }));
  EXPECT_EQ(quota_.provisioned_mb("default/hello"), 384);
}

TEST_F(ConcurrencyTest, ProvisionedStartFailureIsReportedAndRetriedAfterFiveSeconds) {
  sandbox_.script().init = fakes::FakeInit::kFail;
  ASSERT_TRUE(concurrency_.put_provisioned(store::kDefaultNamespace, "hello", "1", 1).ok());
  ASSERT_TRUE(fakes::run_until(ctx_, [&] {
    auto s = concurrency_.provisioned_status(store::kDefaultNamespace, "hello", "1");
    return s.ok() && !s->error.empty();
  }));
  EXPECT_EQ(concurrency_.provisioned_status(store::kDefaultNamespace, "hello", "1")->error,
            "function initialization failed: init failed on purpose");
  clock_.advance(4999ms);
  fakes::settle(ctx_);
  EXPECT_EQ(journal().launched, 1);

  sandbox_.script().init = fakes::FakeInit::kReady;
  clock_.advance(1ms);
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return available() == 1; }));
  EXPECT_EQ(journal().launched, 2);
}

}  // namespace
}  // namespace yunfn::invoke
