// LogTopicWriter: the thread that writes log-topic records, through a SQLite
// connection of its own, one transaction per batch: everything queued while
// the previous batch was being written goes into the next one (group commit),
// so a burst of appends costs a few commits, not one each. It also deletes
// the records of deleted topics and those past their topic's retention.
// The queue is bounded in bytes: when the disk falls that far behind, push()
// refuses the job, so a stalled disk costs refused appends, never memory.
// A batch that fails (disk full) is reported failed to its appenders, and
// its function logs are counted as dropped.
// Owned by LogTopics; push() is safe from any thread; the outcome callback
// runs on the writer thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "logs/log_records.h"
#include "store/sqlite_db.h"

namespace yunfn::logs {

struct WriteJob {
  enum class Kind { kRecords, kFunctionLog, kDropTopic, kPurge };
  Kind kind = Kind::kRecords;
  std::string topic_id;
  int64_t append_ms = 0;             // when it was queued (the records' retention starts then)
  std::vector<LogRecord> records;    // kRecords
  FunctionLog function_log;          // kFunctionLog
  std::function<void(Status)> done;  // kRecords: told the outcome (may be empty)
  std::map<std::string, int64_t>
      cutoffs;  // kPurge: topic id -> records appended before this (ms) go
};

class LogTopicWriter {
 public:
  // What one batch did, for the owner (called on the writer thread).
  struct Outcome {
    Status status = ok_status();
    std::vector<std::function<void(Status)>> done;  // the batch's appenders
    std::map<std::string, std::pair<int64_t, uint64_t>> last_seq_and_bytes;  // by topic
    std::map<std::string, uint64_t> counts;  // records written, by topic
    uint64_t dropped_function_logs = 0;
  };
  using OnBatch = std::function<void(Outcome)>;

  // Opens its connection to the database at `path` (throws store::SqliteError).
  LogTopicWriter(const std::string& path, size_t max_queued_bytes, OnBatch on_batch);
  // Writes what is queued, then stops.
  ~LogTopicWriter();
  LogTopicWriter(const LogTopicWriter&) = delete;
  LogTopicWriter& operator=(const LogTopicWriter&) = delete;

  // Queues a job; LimitExceeded.Quota when the backlog is full (purge and
  // drop jobs are always taken).
  Status push(WriteJob job);

 private:
  void run();
  Outcome write_batch(std::vector<WriteJob>& batch);
  void write_records(const std::string& topic_id, const std::vector<LogRecord>& records,
                     int64_t append_ms, Outcome& out);

  const size_t max_queued_bytes_;
  OnBatch on_batch_;
  std::mutex mu_;  // guards queue_, queued_bytes_ and stopping_
  std::condition_variable work_;
  std::deque<WriteJob> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  store::Db db_;
  std::thread thread_;
};

}  // namespace yunfn::logs
