#include "triggers/ckafka/ckafka_subscription.h"

#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/scf_status.h"

namespace yunfn::triggers {
namespace {

using ckafka_rules::Message;
using std::chrono::milliseconds;

// A lane's backlog past which its partition stops being fetched, and below
// which fetching resumes.
constexpr size_t kHoldBytes = 32 * 1024 * 1024;
constexpr size_t kResumeBytes = 16 * 1024 * 1024;
size_t hold_count(int max_msg_num) { return std::max<size_t>(2 * static_cast<size_t>(max_msg_num), 1000); }

// Waits between attempts: throttles and platform errors back off up to
// 10 s; execution errors up to 5 s.
constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxPlatformBackoff{10000};
constexpr milliseconds kMaxRetryDelay{5000};

// Statuses that say the platform, not the function, failed (spec 14).
bool platform_status(int status) {
  return status == scf_status::kInternalError || status == scf_status::kResourceLimit ||
         status == scf_status::kResourceLimitReached || status == scf_status::kRequestCanceled;
}

}  // namespace

CkafkaSubscription::CkafkaSubscription(const CkafkaServices& services, Params params)
    : services_(services),
      params_(std::move(params)),
      label_(params_.trigger.ns + "/" + params_.trigger.function_name + "/" + params_.trigger.name),
      stopped_(std::make_shared<Signal>(services.ex)) {}

Result<std::shared_ptr<CkafkaSubscription>> CkafkaSubscription::start(const CkafkaServices& services,
                                                                       Params params) {
  std::shared_ptr<CkafkaSubscription> self(new CkafkaSubscription(services, std::move(params)));
  const auto& p = self->params_;
  GroupConsumerConfig config{p.cluster, p.source.topic,
                             p.desc.consumer_group.empty() ? ckafka_rules::default_group(p.trigger)
                                                           : p.desc.consumer_group,
                             p.desc.offset, self->label_};
  // Called on the consumer's thread: hands the messages to the loop.
  std::weak_ptr<CkafkaSubscription> weak = self;
  auto deliver = [weak, ex = services.ex](Fetched f) {
    asio::post(ex, [weak, f = std::move(f)]() mutable {
      if (auto s = weak.lock()) s->on_fetched(std::move(f));
    });
  };
  YUNFN_TRY(consumer, GroupConsumer::start(std::move(config), std::move(deliver)));
  self->consumer_ = std::move(consumer);
  return self;
}

void CkafkaSubscription::stop(bool force) {
  stopping_ = true;
  stopped_->notify();
  for (auto& [p, lane] : lanes_) {
    if (lane.wake) lane.wake->notify();
  }
  consumer_->stop(force);
}

CkafkaSubscription::Lane& CkafkaSubscription::lane_for(int32_t partition, uint64_t epoch) {
  Lane& lane = lanes_[partition];
  if (lane.epoch != epoch) {
    // A new assignment: what was buffered under the old one is read again
    // from the committed offset.
    lane.epoch = epoch;
    lane.buffer.clear();
    lane.bytes = 0;
    lane.caught_up_at = -1;
    lane.held = false;
  }
  return lane;
}

void CkafkaSubscription::on_fetched(Fetched f) {
  if (stopping_) return;
  const auto now = services_.clock.steady_now();
  std::vector<int32_t> touched;
  for (auto& m : f.messages) {
    Lane& lane = lane_for(m.partition, f.epoch);
    if (lane.epoch > f.epoch) continue;
    if (params_.desc.offset == ckafka_rules::StartOffset::kTimestamp) {
      m.before_start = m.timestamp_ms < params_.desc.timestamp_ms;
    }
    if (lane.buffer.empty()) lane.first_at = now;
    lane.bytes += m.value.size();
    if (touched.empty() || touched.back() != m.partition) touched.push_back(m.partition);
    lane.buffer.push_back(std::move(m));
  }
  for (const auto& [p, end] : f.caught_up) {
    lane_for(p, f.epoch).caught_up_at = end;
    touched.push_back(p);
  }
  for (int32_t p : touched) {
    Lane& lane = lanes_[p];
    if (lane.wake) lane.wake->notify();
    update_hold(p, lane);
    if (lane.running) continue;
    if (!lane.buffer.empty()) {
      lane.running = true;
      asio::co_spawn(services_.ex, run_lane(shared_from_this(), p), Detached{"ckafka lane"});
    } else if (lane.caught_up_at >= 0) {
      // Nothing pending: the end is this group's position (kept across restarts).
      consumer_->mark_done(p, lane.epoch, lane.caught_up_at);
    }
  }
}

bool CkafkaSubscription::batch_ready(const Lane& lane) const {
  if (lane.buffer.empty()) return false;
  if (lane.buffer.size() >= static_cast<size_t>(params_.desc.max_msg_num)) return true;
  if (lane.bytes >= ckafka_rules::kMaxEventBytes) return true;
  if (lane.caught_up_at >= 0 && lane.caught_up_at == lane.buffer.back().offset + 1) return true;
  return services_.clock.steady_now() >= lane.first_at + std::chrono::seconds(params_.desc.timeout_s);
}

std::vector<Message> CkafkaSubscription::take_batch(Lane& lane) {
  std::vector<Message> batch;
  size_t bytes = 0;
  while (!lane.buffer.empty() && batch.size() < static_cast<size_t>(params_.desc.max_msg_num)) {
    const size_t b = ckafka_rules::record_bytes(lane.buffer.front());
    if (!batch.empty() && bytes + b > ckafka_rules::kMaxEventBytes) break;  // a big message goes alone
    bytes += b;
    lane.bytes -= lane.buffer.front().value.size();
    batch.push_back(std::move(lane.buffer.front()));
    lane.buffer.pop_front();
  }
  // What is left waits at most one more batch wait.
  lane.first_at = services_.clock.steady_now();
  return batch;
}

void CkafkaSubscription::update_hold(int32_t partition, Lane& lane) {
  const bool over = lane.buffer.size() >= hold_count(params_.desc.max_msg_num) || lane.bytes >= kHoldBytes;
  const bool under = lane.buffer.size() <= static_cast<size_t>(params_.desc.max_msg_num) && lane.bytes < kResumeBytes;
  if ((!lane.held && over) || (lane.held && under)) {
    lane.held = !lane.held;
    consumer_->hold(partition, lane.epoch, lane.held);
  }
}

Task<void> CkafkaSubscription::run_lane(std::shared_ptr<CkafkaSubscription> self, int32_t partition) {
  Lane& lane = lanes_[partition];  // map nodes stay put; lanes are never erased
  while (!stopping_ && !lane.buffer.empty()) {
    while (!stopping_ && !lane.buffer.empty() && !batch_ready(lane)) {
      lane.wake = std::make_shared<Signal>(services_.ex);
      auto wake = lane.wake;
      co_await wake->wait_until(services_.clock, lane.first_at + std::chrono::seconds(params_.desc.timeout_s));
    }
    if (stopping_ || lane.buffer.empty()) break;
    const uint64_t epoch = lane.epoch;
    if (!consumer_->begin_batch(partition, epoch)) {  // given up: another member reads it now
      lane.buffer.clear();
      lane.bytes = 0;
      break;
    }
    std::vector<Message> batch = take_batch(lane);
    update_hold(partition, lane);
    const int64_t next = batch.back().offset + 1;
    const bool done = co_await deliver(partition, epoch, std::move(batch));
    consumer_->end_batch(partition, epoch, done ? next : -1);
    if (!done) {
      // Stopped or given up: the rest is read again by the partition's next owner.
      if (lane.epoch == epoch) {
        lane.buffer.clear();
        lane.bytes = 0;
      }
      break;
    }
  }
  lane.running = false;
  if (!stopping_ && lane.buffer.empty() && lane.caught_up_at >= 0) {
    consumer_->mark_done(partition, lane.epoch, lane.caught_up_at);
  }
  if (!stopping_ && !lane.buffer.empty() && !lane.running) {  // a new epoch's messages came meanwhile
    lane.running = true;
    asio::co_spawn(services_.ex, run_lane(self, partition), Detached{"ckafka lane"});
  }
}

Task<void> CkafkaSubscription::pause_for(milliseconds delay) {
  auto stopped = stopped_;
  co_await stopped->wait_until(services_.clock, services_.clock.steady_now() + delay);
}

Task<bool> CkafkaSubscription::deliver(int32_t partition, uint64_t epoch, std::vector<Message> batch) {
  const auto& t = params_.trigger;
  const std::string event = ckafka_rules::ckafka_event(params_.source.topic, batch);
  if (event.empty()) co_return true;  // every message was stamped before the start time
  int failures = 0;
  milliseconds backoff = kFirstBackoff;
  for (;;) {
    if (stopping_ || !consumer_->owns(partition, epoch)) co_return false;
    invoke::InvocationRequest req;
    req.ns = t.ns;
    req.function_name = t.function_name;
    req.qualifier = t.qualifier;
    req.event = event;
    req.source = "ckafka";
    req.retry_num = failures;
    auto r = co_await services_.invoker.invoke(std::move(req));
    if (r.ok() && r->status_code == scf_status::kSuccess) co_return true;
    if (!r.ok() || platform_status(r->status_code)) {
      const std::string why = r.ok() ? std::to_string(r->status_code) + " " + r->ret_msg
                                     : r.error().code + ": " + r.error().message;
      if (backoff == kFirstBackoff) {
        spdlog::warn("ckafka trigger {}: partition {} offsets {}-{}: {}; trying again with backoff", label_,
                     partition, batch.front().offset, batch.back().offset, why);
      }
      co_await pause_for(backoff);
      backoff = std::min(backoff * 2, kMaxPlatformBackoff);
      continue;
    }
    backoff = kFirstBackoff;
    if (++failures > params_.desc.retry) {
      spdlog::warn("ckafka trigger {}: partition {} offsets {}-{} skipped after {} failed attempts (last status {}: "
                   "{})",
                   label_, partition, batch.front().offset, batch.back().offset, failures, r->status_code,
                   r->ret_msg.substr(0, 500));
      dead_letter(event, batch, failures, *r);
      co_return true;
    }
    co_await pause_for(std::min(kFirstBackoff * (1 << std::min(failures - 1, 10)), kMaxRetryDelay));
  }
}

void CkafkaSubscription::dead_letter(const std::string& event, const std::vector<Message>& batch, int attempts,
                                     const invoke::InvocationResult& last) {
  const auto& t = params_.trigger;
  auto fn = services_.store.get_function(t.ns, t.function_name);
  if (!fn.ok() || !*fn) return;
  // Stable per batch: a batch skipped again after a crash is not sent twice.
  const std::string id = request_id_from(ckafka_rules::default_group(t) + "/" + std::to_string(batch.front().partition) +
                                         "/" + std::to_string(batch.front().offset) + "-" +
                                         std::to_string(batch.back().offset));
  services_.queue.send_dead_letter(**fn, {.request_id = id, .status_code = last.status_code, .error = last.ret_msg,
                                          .ns = t.ns, .function_name = t.function_name, .qualifier = t.qualifier,
                                          .invocation_type = "RequestResponse", .source = "CKAFKA", .event = event,
                                          .retry_num = attempts - 1, .delivery_id = id});
}

Json CkafkaSubscription::status() const {
  Json parts = Json::array();
  int64_t total = 0;
  for (const auto& p : consumer_->lag()) {
    int64_t next = p.next_offset;
    if (auto it = lanes_.find(p.partition); next < 0 && it != lanes_.end() && !it->second.buffer.empty()) {
      next = it->second.buffer.front().offset;
    }
    Json part = {{"Partition", p.partition}, {"Offset", next}, {"HighWatermark", p.high_watermark}};
    if (next >= 0 && p.high_watermark >= 0) {
      part["Lag"] = std::max<int64_t>(0, p.high_watermark - next);
      total += part["Lag"].get<int64_t>();
    } else {
      part["Lag"] = nullptr;
    }
    parts.push_back(std::move(part));
  }
  const auto& d = params_.desc;
  return Json{{"ConsumerGroup", d.consumer_group.empty() ? ckafka_rules::default_group(params_.trigger) : d.consumer_group},
              {"Cluster", params_.source.cluster_id},
              {"Topic", params_.source.topic},
              {"Partitions", std::move(parts)},
              {"Lag", total},
              {"LastError", consumer_->last_error()}};
}

}  // namespace yunfn::triggers
