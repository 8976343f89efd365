// CkafkaSubscription: one enabled ckafka trigger at work. Its GroupConsumer
// fetches; here, on the loop thread, each partition is a lane that gathers
// messages into a batch and goes out when `maxMsgNum` messages are in, when
// the partition has no more for now (caught up), or when the batch wait
// (`timeOut`) ends, at most 6 MB of messages unless one message alone is
// bigger. A lane invokes the function synchronously with the SCF CKafka event,
// one batch at a time, so a partition's messages are handled in order; lanes
// run in parallel, as many as the function's concurrency admits (a throttled
// lane waits and tries again).
// A batch's outcome: success: the offsets after it are committed; an
// execution error (the function failed, timed out, crashed): tried again up to
// `retry` times, then skipped, logged, and sent to the function's dead-letter
// function when it has one; a throttle or platform error: tried again with
// backoff, without using up an attempt.
// Owned (shared) by CkafkaTrigger and its lane coroutines; loop thread only.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "common/json.h"
#include "invoke/async_queue.h"
#include "invoke/invoker.h"
#include "store/store.h"
#include "triggers/ckafka/ckafka_rules.h"
#include "triggers/ckafka/group_consumer.h"

namespace yunfn::triggers {

struct CkafkaServices {
  asio::any_io_executor ex;
  invoke::Invoker& invoker;
  invoke::AsyncQueue& queue;  // dead letters
  store::Store& store;
  const Clock& clock;
};

class CkafkaSubscription : public std::enable_shared_from_this<CkafkaSubscription> {
 public:
  struct Params {
    store::TriggerRecord trigger;
    ckafka_rules::Desc desc;
    ckafka_rules::Source source;
    KafkaCluster cluster;
  };
  // Joins the trigger's consumer group. Errors: a bad Kafka setting.
  static Result<std::shared_ptr<CkafkaSubscription>> start(const CkafkaServices& services, Params params);
  // Stops taking batches and leaves the group once the running batches end
  // (`force`: at once). Returns at once.
  void stop(bool force);

  const store::TriggerRecord& trigger() const { return params_.trigger; }
  const std::shared_ptr<GroupConsumer>& consumer() const { return consumer_; }
  // The group, and per partition the next offset, the end and the lag (GetTriggerStatus).
  Json status() const;

 private:
  struct Lane {
    uint64_t epoch = 0;
    std::deque<ckafka_rules::Message> buffer;
    size_t bytes = 0;
    int64_t caught_up_at = -1;  // end offset when the partition was last read to its end
    bool running = false;
    bool held = false;          // fetching paused: the backlog is long
    std::chrono::steady_clock::time_point first_at;  // when the oldest buffered message came
    std::shared_ptr<Signal> wake;  // more messages came
  };
  CkafkaSubscription(const CkafkaServices& services, Params params);
  void on_fetched(Fetched f);
  Lane& lane_for(int32_t partition, uint64_t epoch);
  bool batch_ready(const Lane& lane) const;
  std::vector<ckafka_rules::Message> take_batch(Lane& lane);
  void update_hold(int32_t partition, Lane& lane);
  Task<void> run_lane(std::shared_ptr<CkafkaSubscription> self, int32_t partition);
  // Runs one batch to its end: true when done (delivered or skipped), false
  // when the lane stopped or lost the partition first.
  Task<bool> deliver(int32_t partition, uint64_t epoch, std::vector<ckafka_rules::Message> batch);
  Task<void> pause_for(std::chrono::milliseconds delay);
  void dead_letter(const std::string& event, const std::vector<ckafka_rules::Message>& batch, int attempts,
                   const invoke::InvocationResult& last);

  CkafkaServices services_;
  const Params params_;
  std::string label_;  // ns/function/trigger, for log lines
  std::shared_ptr<GroupConsumer> consumer_;
  std::map<int32_t, Lane> lanes_;
  bool stopping_ = false;
  std::shared_ptr<Signal> stopped_;  // notified by stop(): ends every backoff pause
};

}  // namespace yunfn::triggers
