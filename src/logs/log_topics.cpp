#include "logs/log_topics.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/ids.h"
#include "logs/log_topic_writer.h"
#include "store/sqlite_db.h"

namespace yunfn::logs {
namespace {

using store::Db;
using store::Statement;

// The schema of logtopics.db (docs/store-schema.md), by PRAGMA user_version.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE log_topics (
  topic_id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  logset_id TEXT NOT NULL,
  period_days INTEGER NOT NULL,
  add_time INTEGER NOT NULL
);
CREATE TABLE log_records (
  seq INTEGER PRIMARY KEY,
  topic_id TEXT NOT NULL,
  timestamp_us INTEGER NOT NULL,
  append_ms INTEGER NOT NULL,
  content TEXT NOT NULL
);
CREATE INDEX log_records_by_topic ON log_records(topic_id, seq);
CREATE TABLE topic_cursors (
  cursor_key TEXT PRIMARY KEY,
  topic_id TEXT NOT NULL,
  delivered INTEGER NOT NULL,
  pending_end INTEGER NOT NULL
);
PRAGMA user_version=1;
)sql";

Error store_failed(const char* op, const std::exception& e) {
  spdlog::error("log topics: {} failed: {}", op, e.what());
  return make_error(errc::kInternalErrorSystem,
                    std::string("the log topic store failed (") + op + "): " + e.what());
}

Error no_topic(const std::string& topic_id) {
  return make_error(errc::kFailedOperationTopicNotExist,
                    "log topic " + topic_id + " does not exist");
}

}  // namespace

struct LogTopics::Connection {
  explicit Connection(const std::string& path) : db(path) {}
  Db db;
};

LogTopics::LogTopics(asio::any_io_executor loop, const Clock& clock)
    : loop_(std::move(loop)), clock_(clock) {}

Result<std::unique_ptr<LogTopics>> LogTopics::open(const std::string& path,
                                                   asio::any_io_executor loop, const Clock& clock,
                                                   size_t max_backlog_bytes) {
  std::unique_ptr<LogTopics> t(new LogTopics(std::move(loop), clock));
  try {
    t->db_ = std::make_unique<Connection>(path);
    Db& db = t->db_->db;
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=NORMAL");
    int64_t v = 0;
    {
      Statement version(db, "PRAGMA user_version");
      if (version.step()) v = version.int64(0);
    }
    if (v > 1)
      throw std::runtime_error("logtopics.db has a newer schema (version " + std::to_string(v) +
                               ")");
    if (v == 0) {
      store::Transaction tx(db);
      db.exec(kSchemaV1);
      tx.commit();
    }
    Statement s(db, "SELECT topic_id, name, logset_id, period_days, add_time FROM log_topics");
    while (s.step()) {
      LogTopic topic{s.text(0), s.text(1), s.text(2), static_cast<int>(s.int64(3)), s.int64(4)};
      Statement last(db, "SELECT MAX(seq) FROM log_records WHERE topic_id=?");
      last.bind(1, topic.topic_id);
      t->stats_[topic.topic_id].last_seq = last.step() && !last.is_null(0) ? last.int64(0) : 0;
      t->topics_.emplace(topic.topic_id, std::move(topic));
    }
    LogTopics* self = t.get();
    std::weak_ptr<bool> alive = t->alive_;
    t->writer_ = std::make_unique<LogTopicWriter>(
        path, max_backlog_bytes, [self, alive](LogTopicWriter::Outcome o) {
          auto ex = self->loop_;
          asio::post(ex, [self, alive, o = std::move(o)]() mutable {
            auto live = alive.lock();
            if (!live || !*live) return;
            for (auto& done : o.done) done(o.status);
            self->dropped_function_logs_ += o.dropped_function_logs;
            self->committed(o.last_seq_and_bytes, o.counts);
          });
        });
  } catch (const std::exception& e) {
    return make_error(errc::kInternalErrorSystem,
                      "cannot open the log topic store " + path + ": " + e.what());
  }
  return t;
}

LogTopics::~LogTopics() {
  *alive_ = false;
  writer_.reset();  // writes what is queued; its completions are no longer delivered
}

void LogTopics::committed(
    const std::map<std::string, std::pair<int64_t, uint64_t>>& last_seq_and_bytes,
    const std::map<std::string, uint64_t>& counts) {
  for (const auto& [topic, seq_bytes] : last_seq_and_bytes) {
    auto it = stats_.find(topic);
    if (it == stats_.end()) continue;  // deleted meanwhile
    it->second.last_seq = std::max(it->second.last_seq, seq_bytes.first);
    it->second.appended_bytes += seq_bytes.second;
    auto c = counts.find(topic);
    if (c != counts.end()) it->second.appended_records += c->second;
    if (on_appended_) on_appended_(topic, it->second.last_seq);
  }
}

Result<LogTopic> LogTopics::create_topic(const std::string& name, const std::string& logset_id,
                                         int period_days) {
  for (const auto& [id, t] : topics_) {
    if (t.name == name) {
      std::string why = "a log topic named " + name;
      why += " exists: ";
      why += id;
      return make_error(errc::kResourceInUse, why);
    }
  }
  LogTopic t{random_uuid(), name, logset_id, period_days, to_unix_ms(clock_.now())};
  try {
    Statement(db_->db,
              "INSERT INTO log_topics(topic_id, name, logset_id, period_days, add_time) "
              "VALUES(?,?,?,?,?)")
        .bind(1, t.topic_id)
        .bind(2, t.name)
        .bind(3, t.logset_id)
        .bind(4, t.period_days)
        .bind(5, t.add_time_ms)
        .run();
  } catch (const std::exception& e) {
    return store_failed("create topic", e);
  }
  topics_.emplace(t.topic_id, t);
  stats_[t.topic_id] = TopicStats{};
  return t;
}

std::optional<LogTopic> LogTopics::find(const std::string& topic_id) const {
  auto it = topics_.find(topic_id);
  if (it == topics_.end()) return std::nullopt;
  return it->second;
}

std::vector<LogTopic> LogTopics::list() const {
  std::vector<LogTopic> out;
  for (const auto& [id, t] : topics_) out.push_back(t);
  std::sort(out.begin(), out.end(), [](const LogTopic& a, const LogTopic& b) {
    return a.add_time_ms != b.add_time_ms ? a.add_time_ms < b.add_time_ms : a.name < b.name;
  });
  return out;
}

const TopicStats* LogTopics::stats(const std::string& topic_id) const {
  auto it = stats_.find(topic_id);
  return it == stats_.end() ? nullptr : &it->second;
}

Status LogTopics::delete_topic(const std::string& topic_id) {
  if (!topics_.contains(topic_id)) return no_topic(topic_id);
  try {
    store::Transaction tx(db_->db);
    Statement(db_->db, "DELETE FROM log_topics WHERE topic_id=?").bind(1, topic_id).run();
    Statement(db_->db, "DELETE FROM topic_cursors WHERE topic_id=?").bind(1, topic_id).run();
    tx.commit();
  } catch (const std::exception& e) {
    return store_failed("delete topic", e);
  }
  topics_.erase(topic_id);
  stats_.erase(topic_id);
  // Queued after every append accepted for the topic, so it removes them too.
  WriteJob drop;
  drop.kind = WriteJob::Kind::kDropTopic;
  drop.topic_id = topic_id;
  (void)writer_->push(std::move(drop));  // never refused
  return ok_status();
}

Status LogTopics::append(const std::string& topic_id, std::vector<LogRecord> records,
                         AppendDone done) {
  if (!topics_.contains(topic_id)) return no_topic(topic_id);
  WriteJob job;
  job.kind = WriteJob::Kind::kRecords;
  job.topic_id = topic_id;
  job.append_ms = to_unix_ms(clock_.now());
  job.records = std::move(records);
  job.done = std::move(done);
  return writer_->push(std::move(job));
}

Task<Status> LogTopics::append_durably(const std::string& topic_id,
                                       std::vector<LogRecord> records) {
  struct Wait {
    explicit Wait(const asio::any_io_executor& ex) : signal(ex) {}
    Signal signal;
    Status outcome = ok_status();
  };
  auto wait = std::make_shared<Wait>(loop_);
  std::weak_ptr<Wait> waiting = wait;
  auto queued = append(topic_id, std::move(records), [waiting](Status s) {
    if (auto w = waiting.lock()) {
      w->outcome = std::move(s);
      w->signal.notify();
    }
  });
  if (!queued.ok()) co_return queued;
  co_await wait->signal.wait();
  co_return wait->outcome;
}

void LogTopics::append_function_log(const std::string& topic_id, FunctionLog log) {
  if (!topics_.contains(topic_id)) return;  // the topic was deleted after the function named it
  WriteJob job;
  job.kind = WriteJob::Kind::kFunctionLog;
  job.topic_id = topic_id;
  job.append_ms = to_unix_ms(clock_.now());
  job.function_log = std::move(log);
  if (!writer_->push(std::move(job)).ok()) ++dropped_function_logs_;
}

uint64_t LogTopics::dropped_function_logs() const { return dropped_function_logs_; }

Result<std::vector<StoredRecord>> LogTopics::read(const std::string& topic_id, int64_t after_seq,
                                                  int64_t upto_seq, size_t max_records,
                                                  size_t max_bytes) {
  std::vector<StoredRecord> out;
  try {
    Statement s(
        db_->db,
        "SELECT seq, timestamp_us, content FROM log_records WHERE topic_id=? AND seq>? AND seq<=? "
        "ORDER BY seq LIMIT ?");
    s.bind(1, topic_id)
        .bind(2, after_seq)
        .bind(3, upto_seq > 0 ? upto_seq : INT64_MAX)
        .bind(4, static_cast<int64_t>(max_records));
    size_t bytes = 0;
    while (s.step()) {
      StoredRecord r{s.int64(0), s.int64(1), s.text(2)};
      bytes += r.content.size();
      if (!out.empty() && bytes > max_bytes) break;
      out.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    return store_failed("read records", e);
  }
  return out;
}

Result<int64_t> LogTopics::count_after(const std::string& topic_id, int64_t after_seq) {
  try {
    Statement s(db_->db, "SELECT COUNT(*) FROM log_records WHERE topic_id=? AND seq>?");
    s.bind(1, topic_id).bind(2, after_seq);
    return s.step() ? s.int64(0) : int64_t{0};
  } catch (const std::exception& e) {
    return store_failed("count records", e);
  }
}

Result<std::pair<int64_t, int64_t>> LogTopics::pending(const std::string& topic_id,
                                                       int64_t after_seq, size_t max_records) {
  try {
    Statement s(db_->db,
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(content AS BLOB))), 0) FROM (SELECT "
                "content FROM "
                "log_records WHERE topic_id=? AND seq>? ORDER BY seq LIMIT ?)");
    s.bind(1, topic_id).bind(2, after_seq).bind(3, static_cast<int64_t>(max_records));
    if (!s.step()) return std::pair<int64_t, int64_t>{0, 0};
    return std::pair<int64_t, int64_t>{s.int64(0), s.int64(1)};
  } catch (const std::exception& e) {
    return store_failed("count pending records", e);
  }
}

Result<std::optional<TopicCursor>> LogTopics::get_cursor(const std::string& key) {
  try {
    Statement s(db_->db,
                "SELECT topic_id, delivered, pending_end FROM topic_cursors WHERE cursor_key=?");
    s.bind(1, key);
    if (!s.step()) return std::optional<TopicCursor>();
    return std::optional<TopicCursor>(TopicCursor{s.text(0), s.int64(1), s.int64(2)});
  } catch (const std::exception& e) {
    return store_failed("read cursor", e);
  }
}

Status LogTopics::put_cursor(const std::string& key, const TopicCursor& c) {
  try {
    Statement(
        db_->db,
        "INSERT INTO topic_cursors(cursor_key, topic_id, delivered, pending_end) VALUES(?,?,?,?) "
        "ON CONFLICT(cursor_key) DO UPDATE SET topic_id=excluded.topic_id, "
        "delivered=excluded.delivered, "
        "pending_end=excluded.pending_end")
        .bind(1, key)
        .bind(2, c.topic_id)
        .bind(3, c.delivered)
        .bind(4, c.pending_end)
        .run();
  } catch (const std::exception& e) {
    return store_failed("write cursor", e);
  }
  return ok_status();
}

Status LogTopics::delete_cursor(const std::string& key) {
  try {
    Statement(db_->db, "DELETE FROM topic_cursors WHERE cursor_key=?").bind(1, key).run();
  } catch (const std::exception& e) {
    return store_failed("delete cursor", e);
  }
  return ok_status();
}

Result<std::vector<std::string>> LogTopics::cursor_keys() {
  std::vector<std::string> out;
  try {
    Statement s(db_->db, "SELECT cursor_key FROM topic_cursors");
    while (s.step()) out.push_back(s.text(0));
  } catch (const std::exception& e) {
    return store_failed("list cursors", e);
  }
  return out;
}

void LogTopics::purge_expired() {
  WriteJob job;
  job.kind = WriteJob::Kind::kPurge;
  const int64_t now = to_unix_ms(clock_.now());
  for (const auto& [id, t] : topics_) job.cutoffs[id] = now - int64_t{t.period_days} * 86400 * 1000;
  if (!job.cutoffs.empty()) (void)writer_->push(std::move(job));  // never refused
}

}  // namespace yunfn::logs
