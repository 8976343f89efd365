// LogTopics: yunfn's log topics (docs/triggers.md "Log topics"), named,
// durable, retained streams of records in a SQLite database of their own
// (<data-dir>/logtopics.db, docs/store-schema.md). Records come from the
// invocation logs of functions whose ClsTopicId names a topic and from the
// UploadLog action; `cls` triggers read them in order through cursors kept
// here. Appends go to a writer thread with a connection of its own, one
// transaction per batch (group commit), so neither an invocation nor an
// ingest request waits for another's disk write; reads, topic changes and
// cursors use the loop thread's connection (WAL lets both work at once).
// Owned by the server. Every method runs on the loop thread; the callbacks
// (append completions, on_appended) are posted to it. The destructor writes
// what is queued, then stops the writer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "common/result.h"
#include "logs/log_records.h"

namespace yunfn::logs {

struct LogTopic {
  std::string topic_id;   // a UUID, assigned at creation
  std::string name;       // 1-255 characters, unique
  std::string logset_id;  // the logset it belongs to (ClsLogsetId)
  int period_days = 30;   // records are kept this long after they are appended
  int64_t add_time_ms = 0;
};

// What the loop thread knows of a topic's records without reading them.
struct TopicStats {
  int64_t last_seq = 0;           // the seq of its last committed record; 0: none
  uint64_t appended_records = 0;  // records committed since the server started
  uint64_t appended_bytes = 0;    // their content bytes
};

// A reader's place in a topic (a cls trigger's cursor).
struct TopicCursor {
  std::string topic_id;
  int64_t delivered = 0;    // every record up to this seq has been handed over
  int64_t pending_end = 0;  // > delivered: the batch (delivered, pending_end] is being handed over
};

inline constexpr int kDefaultPeriodDays = 30;
inline constexpr size_t kDefaultTopicBacklogBytes = 64 * 1024 * 1024;

class LogTopicWriter;

class LogTopics {
 public:
  // Opens (creating) the database; InternalError.System when it cannot.
  static Result<std::unique_ptr<LogTopics>> open(const std::string& path,
                                                 asio::any_io_executor loop, const Clock& clock,
                                                 size_t max_backlog_bytes);
  ~LogTopics();
  LogTopics(const LogTopics&) = delete;
  LogTopics& operator=(const LogTopics&) = delete;

  // Creates a topic under a new id. Errors: ResourceInUse (the name is taken),
  // InternalError.System.
  Result<LogTopic> create_topic(const std::string& name, const std::string& logset_id,
                                int period_days);
  std::optional<LogTopic> find(const std::string& topic_id) const;
  std::vector<LogTopic> list() const;
  // Deletes the topic, its records and the cursors on it. Errors:
  // FailedOperation.TopicNotExist, InternalError.System.
  Status delete_topic(const std::string& topic_id);
  const TopicStats* stats(const std::string& topic_id) const;

  // Queues records for the topic; `done` (optional) gets the outcome once they
  // are on disk. Errors, at once: FailedOperation.TopicNotExist, and
  // LimitExceeded.Quota when the writer is that far behind the disk.
  using AppendDone = std::function<void(Status)>;
  Status append(const std::string& topic_id, std::vector<LogRecord> records, AppendDone done);
  // append() and a wait until the records are on disk (UploadLog).
  Task<Status> append_durably(const std::string& topic_id, std::vector<LogRecord> records);
  // Queues an invocation log; the writer makes its records
  // (function_log_records). A full backlog drops it (counted).
  void append_function_log(const std::string& topic_id, FunctionLog log);
  // Function logs dropped (backlog full, disk failure) since start.
  uint64_t dropped_function_logs() const;
  // Called with (topic id, last seq) after records of a topic were committed.
  using Appended = std::function<void(const std::string& topic_id, int64_t last_seq)>;
  void on_appended(Appended f) { on_appended_ = std::move(f); }

  // Up to `max_records` records of the topic after `after_seq` (and at most
  // `upto_seq` when that is > 0), in order; stops before the record that would
  // pass `max_bytes` of content (but always returns at least one record).
  Result<std::vector<StoredRecord>> read(const std::string& topic_id, int64_t after_seq,
                                         int64_t upto_seq, size_t max_records, size_t max_bytes);
  // How many records of the topic come after `after_seq`.
  Result<int64_t> count_after(const std::string& topic_id, int64_t after_seq);
  // The number and content bytes of the first `max_records` records after `after_seq`.
  Result<std::pair<int64_t, int64_t>> pending(const std::string& topic_id, int64_t after_seq,
                                              size_t max_records);

  // Cursors by key (a cls trigger's identity).
  Result<std::optional<TopicCursor>> get_cursor(const std::string& key);
  Status put_cursor(const std::string& key, const TopicCursor& c);
  Status delete_cursor(const std::string& key);
  Result<std::vector<std::string>> cursor_keys();

  // Has the writer delete the records older than their topic's period.
  void purge_expired();

 private:
  LogTopics(asio::any_io_executor loop, const Clock& clock);
  void committed(const std::map<std::string, std::pair<int64_t, uint64_t>>& last_seq_and_bytes,
                 const std::map<std::string, uint64_t>& counts);

  asio::any_io_executor loop_;
  const Clock& clock_;
  struct Connection;
  std::unique_ptr<Connection> db_;  // the loop thread's
  std::unique_ptr<LogTopicWriter> writer_;
  std::map<std::string, LogTopic> topics_;   // by id
  std::map<std::string, TopicStats> stats_;  // by id
  Appended on_appended_;
  uint64_t dropped_function_logs_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::logs
