#include "logs/log_topic_writer.h"

#include <spdlog/spdlog.h>

namespace yunfn::logs {
namespace {

using store::Statement;

size_t job_bytes(const WriteJob& j) {
  size_t n = sizeof j + j.function_log.log.size();
  for (const auto& r : j.records) n += sizeof r + r.content.size();
  return n;
}

// Jobs written per transaction at most (a job is never split): a long batch
// holds the database's write lock while the loop thread may want it.
constexpr size_t kMaxBatchJobs = 1024;

}  // namespace

LogTopicWriter::LogTopicWriter(const std::string& path, size_t max_queued_bytes, OnBatch on_batch)
    : max_queued_bytes_(max_queued_bytes), on_batch_(std::move(on_batch)), db_(path) {
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA synchronous=NORMAL");
  // The loop thread's connection may hold the write lock for a topic change.
  sqlite3_busy_timeout(db_.handle(), 2000);
  thread_ = std::thread([this] { run(); });
}

LogTopicWriter::~LogTopicWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  thread_.join();
}

Status LogTopicWriter::push(WriteJob job) {
  const size_t bytes = job_bytes(job);
  {
    std::lock_guard lock(mu_);
    const bool bounded =
        job.kind == WriteJob::Kind::kRecords || job.kind == WriteJob::Kind::kFunctionLog;
    if (bounded && queued_bytes_ + bytes > max_queued_bytes_) {
      return make_error(errc::kLimitExceededQuota, "log topic records are " +
                                                       std::to_string(queued_bytes_ >> 20) +
                                                       " MB behind the disk; try again later");
    }
    queued_bytes_ += bytes;
    queue_.push_back(std::move(job));
  }
  work_.notify_one();
  return ok_status();
}

void LogTopicWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, everything written
    std::vector<WriteJob> batch;
    size_t bytes = 0;
    while (!queue_.empty() && batch.size() < kMaxBatchJobs) {
      bytes += job_bytes(queue_.front());
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    Outcome out = write_batch(batch);
    on_batch_(std::move(out));
    lock.lock();
    queued_bytes_ -= bytes;
  }
}

void LogTopicWriter::write_records(const std::string& topic_id,
                                   const std::vector<LogRecord>& records, int64_t append_ms,
                                   Outcome& out) {
  if (records.empty()) return;
  uint64_t bytes = 0;
  for (const auto& r : records) {
    Statement(db_,
              "INSERT INTO log_records(topic_id, timestamp_us, append_ms, content) VALUES(?,?,?,?)")
        .bind(1, topic_id)
        .bind(2, r.timestamp_us)
        .bind(3, append_ms)
        .bind(4, r.content)
        .run();
    bytes += r.content.size();
  }
  auto& [last, total] = out.last_seq_and_bytes[topic_id];
  last = sqlite3_last_insert_rowid(db_.handle());
  total += bytes;
  out.counts[topic_id] += records.size();
}

LogTopicWriter::Outcome LogTopicWriter::write_batch(std::vector<WriteJob>& batch) {
  Outcome out;
  uint64_t function_logs = 0;
  try {
    store::Transaction tx(db_);
    for (auto& job : batch) {
      switch (job.kind) {
        case WriteJob::Kind::kRecords:
          write_records(job.topic_id, job.records, job.append_ms, out);
          break;
        case WriteJob::Kind::kFunctionLog:
          ++function_logs;
          write_records(job.topic_id, function_log_records(job.function_log), job.append_ms, out);
          break;
        case WriteJob::Kind::kDropTopic:
          Statement(db_, "DELETE FROM log_records WHERE topic_id=?").bind(1, job.topic_id).run();
          break;
        case WriteJob::Kind::kPurge:
          for (const auto& [topic, cutoff] : job.cutoffs) {
            // Records are appended in seq order, so the expired ones are a prefix.
            Statement first(db_,
                            "SELECT seq FROM log_records WHERE topic_id=? AND append_ms>=? ORDER "
                            "BY seq LIMIT 1");
            first.bind(1, topic).bind(2, cutoff);
            const int64_t keep_from = first.step() ? first.int64(0) : INT64_MAX;
            Statement(db_, "DELETE FROM log_records WHERE topic_id=? AND seq<?")
                .bind(1, topic)
                .bind(2, keep_from)
                .run();
          }
          break;
      }
    }
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::error("log topics: writing {} jobs failed: {}", batch.size(), e.what());
    out = Outcome{};
    out.status = make_error(errc::kInternalErrorSystem,
                            std::string("the log topic store failed: ") + e.what());
    out.dropped_function_logs = function_logs;
  }
  for (auto& job : batch) {
    if (job.done) out.done.push_back(std::move(job.done));
  }
  return out;
}

}  // namespace yunfn::logs
