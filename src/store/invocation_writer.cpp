#include "store/invocation_writer.h"

#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace yunfn::store {
namespace {

// Records written per transaction at most: a long batch would hold the
// database's write lock while the API waits for it.
constexpr size_t kMaxBatch = 512;
// How long the writer lets records gather before it writes them: one commit
// (and one wake-up of this thread) per few milliseconds instead of per record.
constexpr auto kGatherDelay = std::chrono::milliseconds(5);
// Pause before retrying a batch that failed, and attempts on shutdown.
constexpr auto kRetryDelay = std::chrono::milliseconds(100);
constexpr int kShutdownAttempts = 5;

size_t record_bytes(const InvocationRecord& r) {
  return sizeof r + r.request_id.size() + r.ns.size() + r.function_name.size() +
         r.qualifier.size() + r.ret_msg.size() + r.log.size();
}

}  // namespace

InvocationWriter::InvocationWriter(const std::string& path, size_t max_queued_bytes)
    : max_queued_bytes_(max_queued_bytes), db_(path) {
  db_.exec("PRAGMA synchronous=NORMAL");
  // Records are indexed by their random request id: each insert touches a leaf
  // of that index anywhere in the file. 16 MB of cache keeps the leaves of
  // several hundred thousand records in memory instead of reading them back.
  db_.exec("PRAGMA cache_size=-16384");
  thread_ = std::thread([this] { run(); });
}

InvocationWriter::~InvocationWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    paused_ = false;
  }
  work_.notify_all();
  thread_.join();
}

Status InvocationWriter::push(InvocationRecord r) {
  const size_t bytes = record_bytes(r);
  {
    std::lock_guard lock(mu_);
    if (queued_bytes_ + bytes > max_queued_bytes_) {
      ++dropped_;
      if (!std::exchange(dropping_, true)) {  // said once per episode, not per record
        spdlog::error("store: invocation records are {} MB behind the disk; new records are "
                      "dropped until it catches up", queued_bytes_ >> 20);
      }
      return make_error(errc::kInternalErrorSystem,
                        "the store failed (insert invocation): the invocation log is " +
                            std::to_string(queued_bytes_ >> 20) + " MB behind the disk");
    }
    queued_bytes_ += bytes;
    ++pushed_;
    queue_.push_back(std::move(r));
    // A writer that is gathering or writing takes this record with the others.
    if (!idle_) return ok_status();
    idle_ = false;
  }
  work_.notify_one();
  return ok_status();
}

void InvocationWriter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const uint64_t target = pushed_;
  if (written_count_ >= target) return;
  ++flush_waiting_;  // a reader waits: no gathering delay
  work_.notify_all();
  written_.wait_for(lock, timeout, [&] { return written_count_ >= target; });
  --flush_waiting_;
}

uint64_t InvocationWriter::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void InvocationWriter::pause(bool paused) {
  {
    std::lock_guard lock(mu_);
    paused_ = paused;
  }
  work_.notify_all();
}

void InvocationWriter::run() {
  int failures_at_stop = 0;
  std::vector<InvocationRecord> batch;  // taken from the queue, still counted in its bytes
  size_t batch_bytes = 0;
  std::unique_lock lock(mu_);
  for (;;) {
    idle_ = batch.empty() && queue_.empty();
    work_.wait(lock, [&] { return stopping_ || (!paused_ && (!batch.empty() || !queue_.empty())); });
    idle_ = false;
    if (batch.empty() && !stopping_ && !flush_waiting_ && queue_.size() < kMaxBatch) {
      work_.wait_for(lock, kGatherDelay, [&] { return stopping_ || flush_waiting_; });
    }
    while (batch.size() < kMaxBatch && !queue_.empty()) {
      batch_bytes += record_bytes(queue_.front());
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (batch.empty()) return;  // stopping, everything written
    lock.unlock();
    const bool ok = write_batch(batch);
    lock.lock();
    if (ok) {
      queued_bytes_ -= batch_bytes;
      written_count_ += batch.size();
      batch.clear();
      batch_bytes = 0;
      dropping_ = false;
      written_.notify_all();
      continue;
    }
    if (stopping_ && ++failures_at_stop >= kShutdownAttempts) {
      spdlog::error("store: {} invocation records could not be written before stopping",
                    batch.size() + queue_.size());
      return;
    }
    work_.wait_for(lock, kRetryDelay, [] { return false; });
  }
}

void InvocationWriter::insert(Db& db, const InvocationRecord& r) {
  Statement(db,
            "INSERT INTO invocations(request_id, namespace, function_name, qualifier, "
            "start_time, duration_ms, bill_duration_ms, mem_usage_bytes, ret_code, "
            "status_code, ret_msg, log, retry_num, cold_start) "
            "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, r.request_id).bind(2, r.ns).bind(3, r.function_name).bind(4, r.qualifier)
      .bind(5, r.start_time_ms).bind(6, r.duration_ms).bind(7, r.bill_duration_ms)
      .bind(8, r.mem_usage_bytes).bind(9, r.ret_code).bind(10, r.status_code)
      .bind(11, r.ret_msg).bind(12, r.log).bind(13, r.retry_num)
      .bind(14, static_cast<int64_t>(r.cold_start))
      .run();
}

bool InvocationWriter::write_batch(const std::vector<InvocationRecord>& batch) {
  try {
    Transaction tx(db_);
    for (const InvocationRecord& r : batch) insert(db_, r);
    tx.commit();
    return true;
  } catch (const std::exception& e) {
    spdlog::error("store: writing {} invocation records failed (kept, retried): {}", batch.size(),
                  e.what());
    return false;
  }
}

}  // namespace yunfn::store
