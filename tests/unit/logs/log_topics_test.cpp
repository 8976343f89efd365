// Tests for log topics (logs/log_topics.h): records appended through the writer
// thread are on disk when their completion arrives, read back in order, survive
// a reopen with the topics and cursors, and go with their topic; retention
// deletes the expired prefix.
#include "logs/log_topics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../fakes/manual_clock.h"
#include "../temp_dir.h"
#include "../test_support.h"

namespace yunfn::logs {
namespace {

using test_support::fails_with;

std::vector<LogRecord> records(std::initializer_list<const char*> contents) {
  std::vector<LogRecord> out;
  int64_t t = 1;
  for (const char* c : contents) out.push_back({t++, c});
  return out;
}

class LogTopicsTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogTopics> open() {
    auto t = LogTopics::open(dir_.file("logtopics.db").string(), io_.get_executor(), clock_,
                             kDefaultTopicBacklogBytes);
    EXPECT_TRUE(t.ok());
    return std::move(*t);
  }
  // Runs the loop until the append's completion arrives.
  Status append(LogTopics& topics, const std::string& topic, std::vector<LogRecord> rs) {
    std::optional<Status> outcome;
    Status queued = topics.append(topic, std::move(rs), [&](Status s) { outcome = std::move(s); });
    if (!queued.ok()) return queued;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!outcome && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(1));
      io_.restart();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the writer thread commits
    }
    EXPECT_TRUE(outcome.has_value());
    return outcome ? *outcome : ok_status();
  }

  test_support::TempDir dir_;
  fakes::ManualClock clock_;
  asio::io_context io_;
};

TEST_F(LogTopicsTest, AppendedRecordsAreReadBackInOrderAndSurviveAReopen) {
  std::string id;
  int64_t last = 0;
  {
    auto topics = open();
    auto t = topics->create_topic("app", "default", 7);
    ASSERT_TRUE(t.ok());
    id = t->topic_id;
    std::vector<std::pair<std::string, int64_t>> appended;
    topics->on_appended(
        [&](const std::string& topic, int64_t seq) { appended.emplace_back(topic, seq); });
    ASSERT_TRUE(append(*topics, id, records({"a", "b"})).ok());
    ASSERT_TRUE(append(*topics, id, records({"c"})).ok());
    ASSERT_FALSE(appended.empty());
    last = topics->stats(id)->last_seq;
    EXPECT_EQ(appended.back(), std::make_pair(id, last));
    EXPECT_EQ(topics->stats(id)->appended_records, 3u);
    auto read = topics->read(id, 0, 0, 10, 1 << 20);
    ASSERT_TRUE(read.ok());
    ASSERT_EQ(read->size(), 3u);
    EXPECT_EQ((*read)[0].content, "a");
    EXPECT_EQ((*read)[2].content, "c");
    EXPECT_EQ((*read)[2].seq, last);
    // Bounded by count, by seq and by bytes (at least one record).
    EXPECT_EQ(topics->read(id, (*read)[0].seq, 0, 1, 1 << 20)->at(0).content, "b");
    EXPECT_EQ(topics->read(id, 0, (*read)[1].seq, 10, 1 << 20)->size(), 2u);
    EXPECT_EQ(topics->read(id, 0, 0, 10, 0)->size(), 1u);
    EXPECT_EQ(*topics->count_after(id, (*read)[0].seq), 2);
    auto pending = topics->pending(id, 0, 2);
    EXPECT_EQ(*pending, std::make_pair(int64_t{2}, int64_t{2}));
    ASSERT_TRUE(topics->put_cursor("k", {id, 5, 9}).ok());
  }
  auto topics = open();
  auto t = topics->find(id);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->name, "app");
  EXPECT_EQ(t->period_days, 7);
  EXPECT_EQ(topics->stats(id)->last_seq, last);
  auto c = topics->get_cursor("k");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((**c).delivered, 5);
  EXPECT_EQ((**c).pending_end, 9);
  EXPECT_TRUE(fails_with(topics->create_topic("app", "default", 1), "ResourceInUse", "app"));
}

TEST_F(LogTopicsTest, ADeletedTopicTakesItsRecordsAndCursors) {
  auto topics = open();
  auto t = topics->create_topic("gone", "default", 30);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(append(*topics, t->topic_id, records({"x"})).ok());
  ASSERT_TRUE(topics->put_cursor("k", {t->topic_id, 0, 0}).ok());
  ASSERT_TRUE(topics->delete_topic(t->topic_id).ok());
  EXPECT_FALSE(topics->find(t->topic_id));
  EXPECT_TRUE(topics->get_cursor("k")->has_value() == false);
  EXPECT_TRUE(fails_with(topics->append(t->topic_id, records({"y"}), nullptr),
                         "FailedOperation.TopicNotExist", t->topic_id));
  EXPECT_TRUE(
      fails_with(topics->delete_topic(t->topic_id), "FailedOperation.TopicNotExist", t->topic_id));
  auto other = topics->create_topic("other", "default", 30);
  ASSERT_TRUE(
      append(*topics, other->topic_id, records({"z"})).ok());  // after the drop in the queue
  EXPECT_EQ(*topics->count_after(t->topic_id, 0), 0);
}

TEST_F(LogTopicsTest, RetentionDeletesTheRecordsOlderThanThePeriod) {
  auto topics = open();
  auto t = topics->create_topic("short", "default", 1);
  ASSERT_TRUE(append(*topics, t->topic_id, records({"old", "old2"})).ok());
  clock_.advance(std::chrono::hours(20));
  ASSERT_TRUE(append(*topics, t->topic_id, records({"new"})).ok());
  clock_.advance(std::chrono::hours(5));  // the first two are 25 h old, the last 5 h
  topics->purge_expired();
  ASSERT_TRUE(append(*topics, t->topic_id, records({"newest"})).ok());  // written after the purge
  auto left = topics->read(t->topic_id, 0, 0, 10, 1 << 20);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].content, "new");
}

}  // namespace
}  // namespace yunfn::logs
