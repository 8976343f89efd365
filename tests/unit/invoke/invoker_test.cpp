// Tests for Invoker (invoke/invoker.h) wired as the server wires it, with test
// doubles at the edges: instances are FakeSandbox coroutines speaking the
// runtime API over loopback, time is a ManualClock (a timeout is a clock
// advance, not a wait), the store is SQLite in memory behind a FaultyStore
// (all of it a FakePlatform). The io_context runs on the test thread, driven
// by run_until()/settle().
#include "invoke/invoker.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "../fakes/fake_platform.h"

namespace yunfn::invoke {
namespace {

using namespace std::chrono_literals;
using fakes::FakeAction;
using fakes::FakeCall;

class InvokerTest : public ::testing::Test, protected fakes::FakePlatform {
 protected:
  using Outcome = std::optional<Result<InvocationResult>>;

  InvokerTest() { EXPECT_TRUE(create_function("hello").ok()); }

  // Publishes $LATEST of "hello" and returns the version number.
  std::string publish() {
    auto v = versions_.publish(store::kDefaultNamespace, "hello", "");
    EXPECT_TRUE(v.ok());
    return v.ok() ? v->version : "";
  }

  static InvocationRequest request(const std::string& qualifier = store::kLatest) {
    InvocationRequest req;
    req.function_name = "hello";
    req.qualifier = qualifier;
    req.event = R"({"key":"value"})";
    return req;
  }

  // Starts an invocation; the outcome is set when it ends.
  std::shared_ptr<Outcome> start(InvocationRequest req) {
    auto out = std::make_shared<Outcome>();
    asio::co_spawn(
        ctx_,
        [](Invoker* invoker, InvocationRequest req, std::shared_ptr<Outcome> out) -> Task<void> {
          out->emplace(co_await invoker->invoke(std::move(req)));
        }(&invoker_, std::move(req), out),
        Detached{"test invocation"});
    return out;
  }

  // Runs an invocation to its end.
  Result<InvocationResult> invoke(InvocationRequest req) {
    auto out = start(std::move(req));
    EXPECT_TRUE(fakes::run_until(ctx_, [&] { return out->has_value(); }));
    if (!out->has_value()) return make_error(errc::kInternalError, "the invocation did not end");
    return std::move(**out);
  }

  size_t calls() const { return sandbox_.journal().calls.size(); }
};

TEST_F(InvokerTest, SyncInvokeReturnsTheScriptedBodyAndStoresTheRecord) {
  sandbox_.script().on_event = [](const FakeCall& call) {
    return FakeAction::respond(R"({"echo":)" + call.event + "}").with_log("handling it");
  };
  auto r = invoke(request());
  ASSERT_TRUE(r.ok()) << r.error().code;
  EXPECT_EQ(r->status_code, 200);
  EXPECT_EQ(r->ret_msg, R"({"echo":{"key":"value"}})");

  store::InvocationQuery q;
  q.function_name = "hello";
  q.request_id = r->request_id;
  auto [rows, total] = store_.query_invocations(q).value();
  ASSERT_EQ(total, 1);
  EXPECT_EQ(rows[0].status_code, 200);
  EXPECT_EQ(rows[0].ret_msg, r->ret_msg);
  EXPECT_NE(rows[0].log.find("handling it"), std::string::npos) << rows[0].log;
}

TEST_F(InvokerTest, AliasWeightOneRoutesEveryCallToTheAdditionalVersion) {
  ASSERT_EQ(publish(), "1");
  ASSERT_EQ(publish(), "2");
  store::AliasRecord alias;
  alias.name = "canary";
  alias.function_version = "1";
  alias.routing_config =
      Json::parse(R"({"AdditionalVersionWeights":[{"Version":"2","Weight":1}]})");
  ASSERT_TRUE(versions_.create_alias(store::kDefaultNamespace, "hello", alias).ok());

  for (int i = 0; i < 3; ++i) {
    auto r = invoke(request("canary"));
    ASSERT_TRUE(r.ok()) << r.error().code;
    EXPECT_EQ(r->version, "2");
  }
  for (const auto& call : sandbox_.journal().calls) EXPECT_EQ(call.version, "2");
}

TEST_F(InvokerTest, AliasRoutingKeyRuleSendsOnlyMatchingCallsToTheAdditionalVersion) {
  ASSERT_EQ(publish(), "1");
  ASSERT_EQ(publish(), "2");
  store::AliasRecord alias;
  alias.name = "rules";
  alias.function_version = "1";
  alias.routing_config = Json::parse(
      R"({"AddtionVersionMatchs":[{"Version":"2","Key":"invoke.headers.User","Method":"exact","Expression":"alice"}]})");
  ASSERT_TRUE(versions_.create_alias(store::kDefaultNamespace, "hello", alias).ok());

  auto alice = request("rules");
  alice.routing_key = R"({"User":"alice"})";
  auto bob = request("rules");
  bob.routing_key = R"({"User":"bob"})";
  auto to_alice = invoke(alice);
  auto to_bob = invoke(bob);
  ASSERT_TRUE(to_alice.ok() && to_bob.ok());
  EXPECT_EQ(to_alice->version + "," + to_bob->version, "2,1");
}

TEST_F(InvokerTest, QuotaRefusesWhenTheAccountTotalIsInUse) {
  quota_.set_total(128);  // one 128 MB instance at a time
  sandbox_.script().on_event = [](const FakeCall&) { return FakeAction::hang(); };
  auto first = start(request());
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return calls() == 1; }));

  auto second = invoke(request());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "LimitExceeded.Quota");
  EXPECT_EQ(invoker_.metrics().at("default", "hello", "$LATEST")->throttles, 1);
  EXPECT_EQ(calls(), 1u);
}

TEST_F(InvokerTest, ProvisionedInstanceServesWithoutTakingQuota) {
  std::string v = publish();
  auto fn = store_.get_function(store::kDefaultNamespace, "hello").value().value();
  auto version = store_.get_version(store::kDefaultNamespace, "hello", v).value().value();
  auto pool = invoker_.pool_for(fn, version).value();
  pool->set_provisioned(1);
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return pool->provisioned_available() == 1; }));
  quota_.set_total(0);  // an on-demand call would be refused

  auto r = invoke(request(v));
  ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  EXPECT_EQ(r->status_code, 200);
  EXPECT_FALSE(r->cold_start);
  EXPECT_EQ(sandbox_.journal().launched, 1);
}

TEST_F(InvokerTest, HangingFunctionTimesOutWhenTheClockPassesItsTimeoutAndIsKilled) {
  sandbox_.script().on_event = [](const FakeCall&) { return FakeAction::hang(); };
  auto out = start(request());
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return calls() == 1; }));
  clock_.advance(2999ms);
  fakes::settle(ctx_);
  EXPECT_FALSE(out->has_value());  // not before the 3 s Timeout

  clock_.advance(1ms);
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return out->has_value(); }));
  ASSERT_TRUE(out->value().ok());
  EXPECT_EQ(out->value()->status_code, 433);
  EXPECT_EQ(sandbox_.journal().killed, 1);
  EXPECT_EQ(sandbox_.journal().running, 0);
}

TEST_F(InvokerTest, CrashIsStatus439AndTheNextCallStartsANewInstance) {
  sandbox_.script().on_event = [](const FakeCall& call) {
    return call.event == R"({"crash":true})" ? FakeAction::crash() : FakeAction::respond("{}");
  };
  auto crash = request();
  crash.event = R"({"crash":true})";
  auto crashed = invoke(crash);
  ASSERT_TRUE(crashed.ok());
  EXPECT_EQ(crashed->status_code, 439);
  auto next = invoke(request());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status_code, 200);
  EXPECT_TRUE(next->cold_start);
  EXPECT_EQ(sandbox_.journal().launched, 2);
}

TEST_F(InvokerTest, InitErrorIsStatus445) {
  sandbox_.script().init = fakes::FakeInit::kFail;
  auto r = invoke(request());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status_code, 445);
  EXPECT_NE(r->ret_msg.find("init failed on purpose"), std::string::npos) << r->ret_msg;
}

TEST_F(InvokerTest, RuntimeNeverReadyIsStatus450WhenTheClockPassesTheInitTimeout) {
  sandbox_.script().init = fakes::FakeInit::kNeverReady;
  auto out = start(request());
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return sandbox_.journal().launched == 1; }));
  fakes::settle(ctx_);
  clock_.advance(65s);  // InitTimeout
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return out->has_value(); }));
  ASSERT_TRUE(out->value().ok());
  EXPECT_EQ(out->value()->status_code, 450);
  EXPECT_EQ(sandbox_.journal().killed, 1);
}

TEST_F(InvokerTest, MissingFunctionIsResourceNotFoundFunction) {
  auto req = request();
  req.function_name = "nope";
  auto r = invoke(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ResourceNotFound.Function");
}

TEST_F(InvokerTest, FailedRecordWriteStillReturnsTheResultAndCountsALostRecord) {
  sandbox_.script().on_event = [](const FakeCall&) { return FakeAction::respond(R"("done")"); };
  store_.fail("insert_invocation");
  auto r = invoke(request());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status_code, 200);
  EXPECT_EQ(r->ret_msg, R"("done")");
  EXPECT_EQ(invoker_.metrics().lost_records, 1);
}

}  // namespace
}  // namespace yunfn::invoke
