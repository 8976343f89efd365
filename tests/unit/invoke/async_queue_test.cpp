// Tests for AsyncQueue (invoke/async_queue.h): retries by the SCF policy, the
// dead-letter message, MsgTTL, TerminateAsyncEvent, crash recovery and store
// failures. The queue runs events through a real Invoker whose instances are
// FakeSandbox coroutines; retry delays pass by advancing a ManualClock (the
// default 60 s retry_delay costs nothing), and the io_context runs on the
// test thread.
#include "invoke/async_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../fakes/fake_platform.h"

namespace yunfn::invoke {
namespace {

using namespace std::chrono_literals;
using fakes::FakeAction;
using fakes::FakeCall;
using store::AsyncState;

class AsyncQueueTest : public ::testing::Test, protected fakes::FakePlatform {
 protected:
  AsyncQueueTest() {
    EXPECT_TRUE(create_function("hello").ok());
    EXPECT_TRUE(create_function("dlq").ok());
    // Every call of `hello` is stamped with the seconds since the test began.
    sandbox_.script().on_event = [this](const FakeCall& call) {
      if (call.function == "hello") seconds_at_call_.push_back(elapsed_s());
      return FakeAction::respond(R"("ok")");
    };
  }
  // The script stamps into seconds_at_call_: the instances go before it does.
  ~AsyncQueueTest() override { shutdown(); }

  void set_async_config(const char* json) {
    ASSERT_TRUE(store_.set_async_config(store::kDefaultNamespace, "hello", Json::parse(json)).ok());
  }
  // `hello` answers every event with an error (status 430).
  void hello_errors() {
    sandbox_.script().on_event = [this](const FakeCall& call) {
      if (call.function != "hello") return FakeAction::respond(R"("ok")");
      seconds_at_call_.push_back(elapsed_s());
      return FakeAction::error(R"({"errorMessage":"boom"})");
    };
  }

  std::string enqueue(const std::string& event = R"({"n":1})") {
    InvocationRequest req;
    req.function_name = "hello";
    req.event = event;
    auto id = queue_.enqueue(req, "API");
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : "";
  }
  // The stored state of an event (read past the FaultyStore).
  store::AsyncEventRecord event(const std::string& id) {
    auto e = sqlite_->get_async_event(id);
    EXPECT_TRUE(e.ok() && e->has_value());
    return e.ok() && e->has_value() ? **e : store::AsyncEventRecord{};
  }
  bool ended(const std::string& id) {
    auto s = event(id).state;
    return s != AsyncState::kQueued && s != AsyncState::kRunning;
  }
  // Advances the clock in steps of at most a second (the dispatcher's longest
  // sleep), running what becomes due at each step.
  void advance(std::chrono::seconds d) {
    fakes::settle(ctx_);
    for (auto left = d; left > 0s; left -= 1s) {
      clock_.advance(1s);
      fakes::settle(ctx_);
    }
  }
  long elapsed_s() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - start_).count();
  }
  size_t hello_calls() const { return seconds_at_call_.size(); }

  const std::chrono::system_clock::time_point start_ = clock_.now();
  std::vector<long> seconds_at_call_;
};

TEST_F(AsyncQueueTest, ErroringEventIsRetriedTwiceAfter60And120Seconds) {
  hello_errors();
  ASSERT_TRUE(queue_.start().ok());
  std::string id = enqueue();
  advance(300s);

  EXPECT_EQ(seconds_at_call_, (std::vector<long>{0, 60, 180}));
  auto e = event(id);
  EXPECT_EQ(e.state, AsyncState::kFailed);
  EXPECT_EQ(e.attempts, 3);
  EXPECT_EQ(e.status_code, 430);
  EXPECT_EQ(queue_.in_flight(), 0);
}

TEST_F(AsyncQueueTest, ExhaustedEventSendsTheScfDeadLetterMessageToTheDeadLetterFunction) {
  set_async_config(R"({"DeadLetterConfig":{"Type":"scf","Name":"dlq"}})");
  hello_errors();
  ASSERT_TRUE(queue_.start().ok());
  std::string id = enqueue(R"({"n":7})");
  advance(180s);
  ASSERT_TRUE(
      fakes::run_until(ctx_, [&] { return sandbox_.journal().calls_of("dlq").size() == 1; }));

  Json expected = {{"RequestId", id},
                   {"ErrorCode", 430},
                   {"ErrorMessage", R"({"errorMessage":"boom"})"},
                   {"Body",
                    {{"FunctionName", "hello"},
                     {"Namespace", "default"},
                     {"Qualifier", "$LATEST"},
                     {"InvocationType", "Event"},
                     {"RequestSource", "API"},
                     {"ClientContext", R"({"n":7})"},
                     {"RequestId", id},
                     {"RetryNum", 2}}}};
  EXPECT_EQ(Json::parse(sandbox_.journal().calls_of("dlq")[0].event), expected);
}

TEST_F(AsyncQueueTest, MsgTtlPassingDuringAnAttemptStopsTheRetries) {
  // Attempts hang until the 3 s Timeout: the first runs 0-3 s, the retry
  // 63-66 s; the TTL (64 s) passes during the retry, so no third attempt,
  // though RetryNum allows five.
  set_async_config(R"({"RetryConfig":[{"RetryNum":5}],"MsgTTL":64})");
  sandbox_.script().on_event = [this](const FakeCall&) {
    seconds_at_call_.push_back(elapsed_s());
    return FakeAction::hang();
  };
  ASSERT_TRUE(queue_.start().ok());
  std::string id = enqueue();
  advance(300s);

  EXPECT_EQ(seconds_at_call_, (std::vector<long>{0, 63}));
  auto e = event(id);
  EXPECT_EQ(e.state, AsyncState::kFailed);
  EXPECT_EQ(e.status_code, 433);
}

// SCF (like Lambda's maximum event age) discards an event once its MsgTTL
// has passed: a retry that falls due after the TTL is not started.
// A retry that would start after MsgTTL is not made: the event fails instead.
TEST_F(AsyncQueueTest, RetryDueAfterMsgTtlIsNotStarted) {
  set_async_config(R"({"RetryConfig":[{"RetryNum":5}],"MsgTTL":90})");
  hello_errors();
  ASSERT_TRUE(queue_.start().ok());
  std::string id = enqueue();
  advance(300s);

  // Attempts at 0 s and 60 s; the next would be at 180 s, past the 90 s TTL.
  EXPECT_EQ(seconds_at_call_, (std::vector<long>{0, 60}));
  EXPECT_EQ(event(id).state, AsyncState::kFailed);
}

TEST_F(AsyncQueueTest, TerminatedQueuedEventIsAbortedAndNeverRuns) {
  ASSERT_TRUE(queue_.start().ok());
  fakes::settle(ctx_);
  std::string id = enqueue();
  ASSERT_TRUE(queue_.terminate(store::kDefaultNamespace, "hello", id).ok());
  fakes::settle(ctx_);
  advance(60s);

  EXPECT_EQ(sandbox_.journal().calls.size(), 0u);
  auto e = event(id);
  EXPECT_EQ(e.state, AsyncState::kAborted);
  EXPECT_EQ(e.status_code, 499);
}

TEST_F(AsyncQueueTest, EventStoredRunningAtStartIsRequeuedAndRunsOnce) {
  // What a server killed during the first attempt leaves behind.
  store::AsyncEventRecord e;
  e.request_id = "crashed-event";
  e.ns = store::kDefaultNamespace;
  e.function_name = "hello";
  e.qualifier = store::kLatest;
  e.invoke_type = "API";
  e.event = R"({"n":2})";
  e.state = AsyncState::kRunning;
  e.attempts = 1;
  e.accepted_at_ms = e.next_attempt_at_ms = e.start_time_ms = to_unix_ms(clock_.now());
  ASSERT_TRUE(sqlite_->insert_async_event(e).ok());

  ASSERT_TRUE(queue_.start().ok());
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return ended("crashed-event"); }));
  advance(300s);

  EXPECT_EQ(seconds_at_call_, (std::vector<long>{0}));
  auto after = event("crashed-event");
  EXPECT_EQ(after.state, AsyncState::kFinished);
  EXPECT_EQ(after.attempts, 2);  // the interrupted attempt counts
}

TEST_F(AsyncQueueTest, FailedStatusWriteFreesTheSlotAndIsWrittenOnceTheStoreHeals) {
  // The disk fills up while the event runs: its final status cannot be written.
  sandbox_.script().on_event = [this](const FakeCall&) {
    store_.fail("update_async_event");
    return FakeAction::respond(R"("done")");
  };
  ASSERT_TRUE(queue_.start().ok());
  std::string id = enqueue();
  ASSERT_TRUE(fakes::run_until(
      ctx_, [&] { return sandbox_.journal().calls.size() == 1 && queue_.in_flight() == 0; }));
  fakes::settle(ctx_);
  ASSERT_EQ(event(id).state, AsyncState::kRunning);

  store_.heal();
  clock_.advance(1s);  // store_retry_delay
  ASSERT_TRUE(fakes::run_until(ctx_, [&] { return ended(id); }));
  auto e = event(id);
  EXPECT_EQ(e.state, AsyncState::kFinished);
  EXPECT_EQ(e.result, R"("done")");
  EXPECT_EQ(queue_.in_flight(), 0);
  EXPECT_EQ(sandbox_.journal().calls.size(), 1u);
}

}  // namespace
}  // namespace yunfn::invoke
