// ClsDelivery: one enabled cls trigger at work. It follows its log topic from
// a durable cursor (logs::TopicCursor): when records come after the cursor a
// batch window opens, and the batch goes out when the window (`max_wait`)
// ends, when `max_size` records are in, or when they would make 128 KB of
// gzip (SCF delivers such a batch at once). A batch is read, cut into pieces
// of at most 128 KB compressed (cls_rules::clslogs_events) and each piece is
// enqueued on the durable async queue (InvokeType CLS) under a request id
// derived from the trigger, the batch and the piece.
// The cursor makes a restart exact: the batch's end is written before its
// pieces are enqueued, and the cursor moves past it after; a batch caught in
// between is cut again from the same records into the same pieces, and the
// queue refuses the ids it already holds. So no record is lost and none is
// delivered twice (the async queue itself runs an event that a crash caught
// running once more).
// Owned (shared) by ClsTrigger and its coroutine; loop thread only.
#pragma once

#include <memory>
#include <string>

#include "common/asio.h"
#include "common/clock.h"
#include "common/json.h"
#include "invoke/async_queue.h"
#include "logs/log_topics.h"
#include "store/records.h"
#include "triggers/cls/cls_rules.h"

namespace yunfn::triggers {

struct ClsServices {
  asio::any_io_executor ex;
  asio::any_io_executor workers;  // compresses the batches
  logs::LogTopics& topics;
  invoke::AsyncQueue& queue;
  const Clock& clock;
};

class ClsDelivery : public std::enable_shared_from_this<ClsDelivery> {
 public:
  // Loads the trigger's cursor (`key`), or makes one at the topic's end (a new
  // trigger gets the records that come after it), and starts delivering.
  static Result<std::shared_ptr<ClsDelivery>> start(const ClsServices& services,
                                                    store::TriggerRecord trigger,
                                                    cls_rules::Desc desc, std::string key);
  // Stops after the piece being enqueued (the rest of its batch goes out
  // when the trigger runs again). Returns at once.
  void stop();
  // New records arrived in the topic.
  void wake();

  const store::TriggerRecord& trigger() const { return trigger_; }
  const std::string& topic_id() const { return desc_.topic_id; }
  // The cursor and the lag behind the topic's end (GetTriggerStatus).
  Json status();

 private:
  ClsDelivery(const ClsServices& services, store::TriggerRecord trigger, cls_rules::Desc desc,
              std::string key);
  Task<void> run();
  // Waits for a wake() or the deadline (or stop()).
  Task<void> wait_until(std::chrono::steady_clock::time_point deadline);
  // Waits until a batch should go out; false when stopped first.
  Task<bool> gather();
  // Hands over the batch after the cursor (`upto` > 0: exactly the records up
  // to that seq, a batch begun before). False when it must be tried later.
  Task<bool> hand_over(int64_t upto);
  Task<bool> enqueue(const cls_rules::Piece& piece, size_t index, int64_t batch_start);

  ClsServices services_;
  store::TriggerRecord trigger_;
  cls_rules::Desc desc_;
  std::string key_;
  logs::TopicCursor cursor_;
  double ratio_ = 0.25;  // gzip bytes per content byte, from the last batch
  bool stopped_ = false;
  std::shared_ptr<Signal> wake_;
};

}  // namespace yunfn::triggers
