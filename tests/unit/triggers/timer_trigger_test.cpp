// Tests for TimerTrigger (triggers/timer/timer_trigger.h): a cron trigger
// fires once per scheduled time as a ManualClock is advanced, enqueues the SCF
// timer event as an async event, does not backfill times missed while the
// server was down, and never enqueues one scheduled time twice, even across a
// restart. The AsyncQueue is not started, so fired events stay queued in the
// store (SQLite in memory behind the FakePlatform's FaultyStore) where the
// tests count them.
#include "triggers/timer/timer_trigger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "../fakes/fake_platform.h"

namespace yunfn::triggers {
namespace {

using namespace std::chrono_literals;

class TimerTriggerTest : public ::testing::Test, protected fakes::FakePlatform {
 protected:
  TimerTriggerTest() {
    EXPECT_TRUE(create_function("hello").ok());

    store::TriggerRecord t;
    t.ns = store::kDefaultNamespace;
    t.function_name = "hello";
    t.name = "every-minute";
    t.type = "timer";
    t.trigger_desc = R"({"cron":"0 */1 * * * * *"})";
    t.custom_argument = "tick";
    EXPECT_TRUE(store_.put_trigger(t).ok());
    // Half a minute past the hour (2026-01-01T00:00:30Z): a trigger started
    // exactly on a scheduled time fires it at once (it is due, not missed).
    clock_.advance(30s);
  }
  ~TimerTriggerTest() override {
    timer_.reset();
    fakes::settle(ctx_);
  }

  // (Re)starts the trigger, as a server start does.
  void start_timer() {
    timer_.reset();
    fakes::settle(ctx_);
    timer_.emplace(ctx_.get_executor(), store_, queue_, clock_);
    ASSERT_TRUE(timer_->start().ok());
    fakes::settle(ctx_);
  }
  // Advances the clock in steps, running what becomes due after each.
  void advance(std::chrono::seconds total, std::chrono::seconds step = 30s) {
    for (auto left = total; left > 0s; left -= step) {
      clock_.advance(std::min(step, left));
      fakes::settle(ctx_);
    }
  }

  std::vector<store::AsyncEventRecord> fired() {
    store::AsyncEventQuery q;
    q.function_name = "hello";
    q.limit = 100;
    auto events = sqlite_->query_async_events(q);
    EXPECT_TRUE(events.ok());
    return events.ok() ? events->first : std::vector<store::AsyncEventRecord>{};
  }
  // The "Time" of every fired timer event, sorted.
  std::vector<std::string> fired_times() {
    std::vector<std::string> times;
    for (const auto& e : fired()) times.push_back(Json::parse(e.event).value("Time", ""));
    std::sort(times.begin(), times.end());
    return times;
  }

  std::optional<TimerTrigger> timer_;
};

TEST_F(TimerTriggerTest, FireEnqueuesTheScfTimerEventAsAnAsyncTimerInvocation) {
  start_timer();
  advance(60s);  // 00:01:30
  auto events = fired();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].invoke_type, "TIMER");
  EXPECT_EQ(events[0].qualifier, "$LATEST");
  EXPECT_EQ(Json::parse(events[0].event),
            Json::parse(R"({"Type":"Timer","TriggerName":"every-minute",)"
                        R"("Time":"2026-01-01T00:01:00Z","Message":"tick"})"));
}

TEST_F(TimerTriggerTest, EveryMinuteCronFiresOncePerScheduledMinute) {
  start_timer();
  advance(5min, 10s);  // to 00:05:30; the trigger wakes many times between fires
  EXPECT_EQ(fired_times(), (std::vector<std::string>{"2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z",
                                                     "2026-01-01T00:03:00Z", "2026-01-01T00:04:00Z",
                                                     "2026-01-01T00:05:00Z"}));
  std::set<std::string> ids;
  for (const auto& e : fired()) ids.insert(e.request_id);
  EXPECT_EQ(ids.size(), 5u);
}

TEST_F(TimerTriggerTest, TimesMissedWhileTheServerWasDownAreNotBackfilled) {
  start_timer();
  advance(60s);  // fires 00:01:00
  timer_.reset();
  fakes::settle(ctx_);
  clock_.advance(5min);  // down from 00:01:30 to 00:06:30
  start_timer();
  advance(30s);  // 00:07
  EXPECT_EQ(fired_times(),
            (std::vector<std::string>{"2026-01-01T00:01:00Z", "2026-01-01T00:07:00Z"}));
}

TEST_F(TimerTriggerTest, RestartWithinTheFiredSecondDoesNotFireAgain) {
  start_timer();
  advance(30s);   // fires 00:01:00 and stores it as the last fire
  start_timer();  // still 00:01:00
  advance(30s);
  EXPECT_EQ(fired_times(), (std::vector<std::string>{"2026-01-01T00:01:00Z"}));
}

TEST_F(TimerTriggerTest, SameScheduledTimeIsEnqueuedOnceEvenWhenTheLastFireWasNotStored) {
  store_.fail("put_trigger");  // the last fired time is never stored
  start_timer();
  advance(30s);   // fires 00:01:00
  start_timer();  // still 00:01:00: fires that time again, with the same request id
  advance(30s);
  EXPECT_EQ(store_.failed_calls(), (std::vector<std::string>{"put_trigger", "put_trigger"}));
  EXPECT_EQ(fired_times(), (std::vector<std::string>{"2026-01-01T00:01:00Z"}));
}

}  // namespace
}  // namespace yunfn::triggers
