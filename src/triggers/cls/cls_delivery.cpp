#include "triggers/cls/cls_delivery.h"

#include <spdlog/spdlog.h>

#include <cstdint>

#include "common/ids.h"

namespace yunfn::triggers {
namespace {

// The most content one batch reads: a larger backlog goes out batch after batch.
constexpr size_t kMaxBatchBytes = 8 * 1024 * 1024;
// How long to wait before trying again after a store failure or a full queue,
// and how often an idle trigger looks at its topic without being woken.
constexpr auto kRetry = std::chrono::seconds(1);
constexpr auto kPoll = std::chrono::seconds(1);

}  // namespace

ClsDelivery::ClsDelivery(const ClsServices& services, store::TriggerRecord trigger,
                         cls_rules::Desc desc, std::string key)
    : services_(services),
      trigger_(std::move(trigger)),
      desc_(std::move(desc)),
      key_(std::move(key)) {}

Result<std::shared_ptr<ClsDelivery>> ClsDelivery::start(const ClsServices& services,
                                                        store::TriggerRecord trigger,
                                                        cls_rules::Desc desc, std::string key) {
  std::shared_ptr<ClsDelivery> d(
      new ClsDelivery(services, std::move(trigger), std::move(desc), std::move(key)));
  YUNFN_TRY(cursor, services.topics.get_cursor(d->key_));
  if (cursor) {
    d->cursor_ = *cursor;
  } else {
    const logs::TopicStats* stats = services.topics.stats(d->desc_.topic_id);
    const int64_t end = stats ? stats->last_seq : 0;
    d->cursor_ = {d->desc_.topic_id, end, end};
    YUNFN_TRY_STATUS(services.topics.put_cursor(d->key_, d->cursor_));
  }
  asio::co_spawn(services.ex, d->run(), Detached{"cls trigger delivery"});
  return d;
}

void ClsDelivery::stop() {
  stopped_ = true;
  wake();
}

void ClsDelivery::wake() {
  if (wake_) wake_->notify();
}

Task<void> ClsDelivery::wait_until(std::chrono::steady_clock::time_point deadline) {
  auto waiter = std::make_shared<Signal>(services_.ex);
  wake_ = waiter;
  co_await waiter->wait_until(services_.clock, deadline);
}

Task<void> ClsDelivery::run() {
  auto self = shared_from_this();  // alive while this runs
  while (!stopped_) {
    if (cursor_.pending_end > cursor_.delivered) {
      const bool done = co_await hand_over(cursor_.pending_end);
      if (!done) co_await wait_until(services_.clock.steady_now() + kRetry);
      continue;
    }
    const logs::TopicStats* stats = services_.topics.stats(desc_.topic_id);
    if (!stats || stats->last_seq <= cursor_.delivered) {
      co_await wait_until(services_.clock.steady_now() + kPoll);
      continue;
    }
    const bool due = co_await gather();
    if (!due) break;
    const bool done = co_await hand_over(0);
    if (!done) co_await wait_until(services_.clock.steady_now() + kRetry);
  }
}

Task<bool> ClsDelivery::gather() {
  const auto window_end = services_.clock.steady_now() + std::chrono::seconds(desc_.max_wait_s);
  auto base = services_.topics.pending(desc_.topic_id, cursor_.delivered,
                                       static_cast<size_t>(desc_.max_size));
  if (!base.ok())
    co_return !stopped_;  // the store logged it; the batch goes out now and will retry
  // Counted from here on without reading the records again.
  const logs::TopicStats* stats = services_.topics.stats(desc_.topic_id);
  if (!stats) co_return !stopped_;
  const uint64_t records0 = stats->appended_records;
  const uint64_t bytes0 = stats->appended_bytes;
  while (!stopped_) {
    stats = services_.topics.stats(desc_.topic_id);
    if (!stats) break;  // the topic is gone; hand_over finds nothing
    const auto count =
        static_cast<double>(base->first) + static_cast<double>(stats->appended_records - records0);
    const auto bytes =
        static_cast<double>(base->second) + static_cast<double>(stats->appended_bytes - bytes0);
    if (count >= desc_.max_size ||
        bytes * ratio_ >= static_cast<double>(cls_rules::kMaxPieceBytes) ||
        bytes >= static_cast<double>(kMaxBatchBytes) ||
        services_.clock.steady_now() >= window_end) {
      break;
    }
    co_await wait_until(window_end);
  }
  co_return !stopped_;
}

Task<bool> ClsDelivery::hand_over(int64_t upto) {
  auto read =
      upto > 0 ? services_.topics.read(desc_.topic_id, cursor_.delivered, upto, SIZE_MAX, SIZE_MAX)
               : services_.topics.read(desc_.topic_id, cursor_.delivered, 0,
                                       static_cast<size_t>(desc_.max_size), kMaxBatchBytes);
  if (!read.ok()) co_return false;
  const std::vector<logs::StoredRecord>& records = *read;
  if (records.empty()) {  // expired or deleted meanwhile
    if (upto > 0) {
      cursor_.delivered = upto;
      co_return services_.topics.put_cursor(key_, cursor_).ok();
    }
    co_return true;
  }
  const int64_t batch_start = cursor_.delivered;
  if (upto == 0) {
    cursor_.pending_end = records.back().seq;
    if (!services_.topics.put_cursor(key_, cursor_).ok()) {
      cursor_.pending_end = cursor_.delivered;
      co_return false;
    }
  }
  auto topic = services_.topics.find(desc_.topic_id);
  const std::string topic_name = topic ? topic->name : "";
  // The cut runs on a worker; the lambda holds plain pointers into this frame
  // (GCC 12 destroys a coroutine's by-value lambda argument twice).
  struct Cut {
    const std::vector<logs::StoredRecord>* records;
    const std::string* topic_id;
    const std::string* topic_name;
    std::vector<cls_rules::Piece> pieces;
  };
  Cut cut{&records, &desc_.topic_id, &topic_name, {}};
  Cut* c = &cut;
  co_await run_blocking(services_.workers, [c] {
    c->pieces = cls_rules::clslogs_events(*c->topic_id, *c->topic_name, *c->records);
  });
  size_t raw = 0;
  size_t compressed = 0;
  for (const auto& r : records) raw += r.content.size();
  for (const auto& p : cut.pieces) compressed += p.compressed_bytes;
  if (raw > 0) ratio_ = std::max(0.01, static_cast<double>(compressed) / static_cast<double>(raw));
  for (size_t i = 0; i < cut.pieces.size(); ++i) {
    if (stopped_) co_return false;
    const bool queued = co_await enqueue(cut.pieces[i], i, batch_start);
    if (!queued) co_return false;
  }
  cursor_.delivered = cursor_.pending_end;
  if (!services_.topics.put_cursor(key_, cursor_).ok())
    co_return false;  // redone (deduplicated) later
  co_return true;
}

Task<bool> ClsDelivery::enqueue(const cls_rules::Piece& piece, size_t index, int64_t batch_start) {
  invoke::InvocationRequest req;
  req.ns = trigger_.ns;
  req.function_name = trigger_.function_name;
  req.qualifier = trigger_.qualifier;
  req.source = "cls";
  req.event = piece.event;
  req.request_id =
      request_id_from(key_ + "/" + std::to_string(batch_start) + "-" +
                      std::to_string(cursor_.pending_end) + "/" + std::to_string(index));
  while (!stopped_) {
    auto r = services_.queue.enqueue(req, "CLS");
    if (r.ok() || r.error().is(errc::kResourceInUse))
      co_return true;  // in use: enqueued before a restart
    if (!r.error().is(errc::kInternalErrorSystem) && !r.error().is(errc::kLimitExceededQuota)) {
      spdlog::warn("cls trigger {} of {}/{}: records {}-{} dropped: {}", trigger_.name, trigger_.ns,
                   trigger_.function_name, piece.first_seq, piece.last_seq, r.error().message);
      co_return true;
    }
    // The store failed or the queue is full: the same piece again later.
    co_await wait_until(services_.clock.steady_now() + kRetry);
  }
  co_return false;
}

Json ClsDelivery::status() {
  const logs::TopicStats* stats = services_.topics.stats(desc_.topic_id);
  auto lag = services_.topics.count_after(desc_.topic_id, cursor_.delivered);
  return {{"TopicId", desc_.topic_id},
          {"Delivered", cursor_.delivered},
          {"PendingEnd", cursor_.pending_end},
          {"LastSeq", stats ? stats->last_seq : 0},
          {"Lag", lag.ok() ? *lag : -1}};
}

}  // namespace yunfn::triggers
