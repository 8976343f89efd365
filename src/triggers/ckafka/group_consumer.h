// GroupConsumer: one member of a Kafka consumer group reading one topic for a
// ckafka trigger. Librdkafka's consumer calls block, so the member runs on a
// thread of its own, the only thread that touches its rd_kafka_t; the loop
// talks to it through a small mutex-guarded table of partitions:
// - fetched messages go to the loop through `deliver` (called on the
//   consumer thread; it posts them), tagged with the assignment's epoch;
// - the loop brackets each batch with begin_batch()/end_batch(); end_batch
//   records the offset after the batch, which the consumer thread commits (a
//   commit waits for success: what the loop never reported is read again);
// - hold() asks the thread to pause fetching a partition whose backlog is long;
// - on a revocation (rebalance, stop) the thread lets no new batch of those
//   partitions begin, waits for the running ones to end (unless forced) and
//   commits them before giving the partitions up, so another member goes on
//   where this one stopped.
// Owned (shared) by the trigger and its subscription; every method but the
// constructor and destructor may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "triggers/ckafka/ckafka_rules.h"
#include "triggers/ckafka/kafka_clusters.h"

namespace yunfn::triggers {

// What one round of fetching brought.
struct Fetched {
  uint64_t epoch = 0;                    // assignment the messages belong to
  std::vector<ckafka_rules::Message> messages;  // in offset order within a partition
  std::map<int32_t, int64_t> caught_up;  // partition -> end offset reached
};

// A partition's lag as the consumer last saw it.
struct PartitionLag {
  int32_t partition = 0;
  int64_t next_offset = -1;     // first offset not yet done (-1: unknown yet)
  int64_t high_watermark = -1;  // end of the partition (-1: unknown yet)
  int64_t committed = -1;       // last offset committed by this member
};

struct GroupConsumerConfig {
  KafkaCluster cluster;
  std::string topic;
  std::string group;
  ckafka_rules::StartOffset start = ckafka_rules::StartOffset::kLatest;
  std::string label;  // names the trigger in log lines
};

class GroupConsumer {
 public:
  using Deliver = std::function<void(Fetched)>;
  // Starts the thread; errors are configuration errors (a bad Kafka setting).
  static Result<std::shared_ptr<GroupConsumer>> start(GroupConsumerConfig config, Deliver deliver);
  // NOLINTNEXTLINE(bugprone-exception-escape): joins a thread that has been told to stop
  ~GroupConsumer();
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  // Called by the loop around each batch: begin_batch is false when the
  // partition is no longer this member's (or is being given up), and the
  // batch must not run; end_batch's next_offset (-1: none) is committed.
  bool begin_batch(int32_t partition, uint64_t epoch);
  void end_batch(int32_t partition, uint64_t epoch, int64_t next_offset);
  // Whether a batch of the partition may (still) run: false once it is being given up.
  bool owns(int32_t partition, uint64_t epoch) const;
  // Records the offset after messages that needed no batch (skipped by time).
  void mark_done(int32_t partition, uint64_t epoch, int64_t next_offset);
  // Pauses (true) or resumes fetching of a partition.
  void hold(int32_t partition, uint64_t epoch, bool on);
  // Leaves the group: commits what is done and closes. `force`: without
  // waiting for running batches (server shutdown). Returns at once.
  void stop(bool force);
  // stop(true), then waits for the thread (server shutdown).
  void join();
  // The thread has ended: the destructor will not block.
  bool finished() const { return finished_.load(); }
  std::vector<PartitionLag> lag() const;
  std::string last_error() const;

 private:
  struct Partition {
    uint64_t epoch = 0;
    bool revoking = false;
    int in_flight = 0;
    int64_t done = -1;        // next offset to commit
    int64_t committed = -1;   // committed (or being committed) by this member
    int64_t high_watermark = -1;
    bool hold = false;
    bool paused = false;
  };
  GroupConsumer(GroupConsumerConfig config, Deliver deliver);
  void run(rd_kafka_t* rk);
  void poll_round(rd_kafka_t* rk);
  void sync_partitions(rd_kafka_t* rk);
  void commit(rd_kafka_t* rk, const std::vector<int32_t>& partitions);
  void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);
  void revoke(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* parts);
  void note_error(const std::string& text);
  void clear_error();
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);
  static void on_commit(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                        void* opaque);

  const GroupConsumerConfig config_;
  const Deliver deliver_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> forced_{false};
  std::atomic<bool> finished_{false};
  uint64_t epoch_ = 0;                   // consumer thread only
  mutable std::mutex mu_;                // guards parts_ and last_error_
  std::condition_variable batch_ended_;  // a batch ended or stop() was called
  std::map<int32_t, Partition> parts_;   // the assigned partitions
  std::string last_error_;
};

}  // namespace yunfn::triggers
