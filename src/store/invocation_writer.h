// InvocationWriter: writes invocation records on a thread of its own, through
// a connection of its own, one transaction per batch (group commit): the
// invoke path hands a record over and never waits for the disk. Records that
// arrive while a batch commits form the next batch.
// The queue is bounded (bytes of records): when the disk falls that far
// behind, push() refuses the record and the caller counts it as lost, so a
// stalled disk costs records, never memory or a frozen server. A batch that
// fails (disk full, database locked) stays queued and is retried.
// A kill -9 loses the records still queued: those of invocations that ended
// in the last moments before it (normally one batch, a few milliseconds).
// Owned by the SQLite store; push() and flush() are safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "store/records.h"
#include "store/sqlite_db.h"

namespace yunfn::store {

inline constexpr size_t kDefaultInvocationBacklogBytes = 32 * 1024 * 1024;

class InvocationWriter {
 public:
  // Opens its connection to the database at `path` (throws SqliteError).
  InvocationWriter(const std::string& path, size_t max_queued_bytes);
  // Writes what is queued (a few retries when the disk fails), then stops.
  ~InvocationWriter();
  InvocationWriter(const InvocationWriter&) = delete;
  InvocationWriter& operator=(const InvocationWriter&) = delete;

  // Queues a record; InternalError.System when the backlog is full.
  Status push(InvocationRecord r);
  // Waits until every record pushed before the call is on disk, at most
  // `timeout` (readers call it so that they see their own invocations).
  void flush(std::chrono::milliseconds timeout);
  // Records refused because the backlog was full, since start.
  uint64_t dropped() const;

  // The INSERT of one record on `db` (throws SqliteError).
  static void insert(Db& db, const InvocationRecord& r);

  // For tests: holds the writer (as a stalled disk would) until resumed.
  void pause(bool paused);

 private:
  void run();
  // Writes one batch in one transaction; false when it failed.
  bool write_batch(const std::vector<InvocationRecord>& batch);

  const size_t max_queued_bytes_;
  mutable std::mutex mu_;
  std::condition_variable work_;     // records queued, or stopping
  std::condition_variable written_;  // a batch landed
  std::deque<InvocationRecord> queue_;
  size_t queued_bytes_ = 0;
  uint64_t pushed_ = 0;   // records accepted so far
  uint64_t written_count_ = 0;
  uint64_t dropped_ = 0;
  bool dropping_ = false;  // records are being refused (logged once per episode)
  bool stopping_ = false;
  bool paused_ = false;
  bool idle_ = true;       // the writer sleeps until push() wakes it
  int flush_waiting_ = 0;  // readers waiting in flush()
  Db db_;
  std::thread thread_;
};

}  // namespace yunfn::store
