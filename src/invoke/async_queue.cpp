#include "invoke/async_queue.h"

#include <spdlog/spdlog.h>

#include "common/ids.h"

namespace yunfn::invoke {
namespace {

using store::AsyncState;

int retry_num_of(const store::FunctionRecord& fn) {
  // Async-execution functions are not retried (SCF).
  if (fn.latest.config.async_run_enable) return 0;
  const Json& c = fn.async_config;
  if (c.contains("RetryConfig") && c["RetryConfig"].is_array() && !c["RetryConfig"].empty()) {
    return c["RetryConfig"][0].value("RetryNum", kDefaultRetryNum);
  }
  return kDefaultRetryNum;
}

int64_t msg_ttl_ms(const store::FunctionRecord& fn) {
  return int64_t{fn.async_config.value("MsgTTL", kDefaultMsgTtlS)} * 1000;
}

bool is_throttle(const Error& e) {
  return e.is(errc::kLimitExceededQuota) || e.is(errc::kRequestLimitExceeded);
}

}  // namespace

AsyncQueue::AsyncQueue(asio::any_io_executor ex, store::Store& store, Invoker& invoker,
                       const Clock& clock, AsyncQueueConfig config)
    : ex_(ex), store_(store), invoker_(invoker), clock_(clock), config_(config) {}

AsyncQueue::~AsyncQueue() {
  *alive_ = false;
  if (wake_) wake_->notify();
}

void AsyncQueue::start() {
  int requeued = 0;
  for (auto& e : store_.pending_async_events()) {
    if (e.state == AsyncState::kRunning) {
      // The server stopped while it ran: the attempt counts, the event runs again.
      e.state = AsyncState::kQueued;
      (void)store_.update_async_event(e);
      ++requeued;
    }
    schedule(e.request_id, e.next_attempt_at_ms);
  }
  if (!due_.empty()) {
    spdlog::info("async queue: {} pending events ({} interrupted and retried)", due_.size(),
                 requeued);
  }
  asio::co_spawn(ex_, dispatch_loop(), Detached{});
  asio::co_spawn(ex_, purge_loop(), Detached{});
}

Result<std::string> AsyncQueue::enqueue(InvocationRequest req, const std::string& invoke_type) {
  if (due_.size() >= config_.max_queued) {
    return make_error(errc::kLimitExceededQuota, "the async queue holds the maximum of " +
                                                 std::to_string(config_.max_queued) + " events");
  }
  store::AsyncEventRecord e;
  e.request_id = req.request_id.empty() ? new_request_id() : req.request_id;
  e.ns = req.ns;
  e.function_name = req.function_name;
  e.qualifier = req.qualifier;
  e.invoke_type = invoke_type;
  e.event = std::move(req.event);
  e.accepted_at_ms = e.next_attempt_at_ms = now_ms();
  YUNFN_TRY_STATUS(store_.insert_async_event(e));
  schedule(e.request_id, e.next_attempt_at_ms);
  return e.request_id;
}

void AsyncQueue::schedule(const std::string& request_id, int64_t at_ms) {
  due_.push({at_ms, seq_++, request_id});
  if (wake_) wake_->notify();
}

Task<void> AsyncQueue::dispatch_loop() {
  auto alive = alive_;
  while (*alive) {
    int64_t now = now_ms();
    while (in_flight_ < config_.concurrency && !due_.empty() && due_.top().at_ms <= now) {
      std::string id = due_.top().request_id;
      due_.pop();
      ++in_flight_;
      asio::co_spawn(ex_, run(std::move(id)), Detached{});
    }
    // Sleep until the next event is due, a slot frees up, or a new event arrives.
    auto waiter = std::make_shared<Signal>(ex_);
    wake_ = waiter;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    if (!due_.empty() && in_flight_ < config_.concurrency) {
      deadline = std::min(deadline, std::chrono::steady_clock::now() +
                                        std::chrono::milliseconds(std::max<int64_t>(
                                            0, due_.top().at_ms - now)));
    }
    co_await waiter->wait_until(deadline);
  }
}

Task<void> AsyncQueue::run(std::string request_id) {
  auto alive = alive_;
  auto e = store_.get_async_event(request_id);
  if (!e || e->state != AsyncState::kQueued) {  // terminated while queued
    --in_flight_;
    if (wake_) wake_->notify();
    co_return;
  }
  auto fn = store_.get_function(e->ns, e->function_name);
  e->state = AsyncState::kRunning;
  e->attempts += 1;
  if (e->start_time_ms == 0) e->start_time_ms = now_ms();
  (void)store_.update_async_event(*e);

  auto token = std::make_shared<CancelToken>();
  running_[request_id] = token;
  InvocationRequest req;
  req.ns = e->ns;
  req.function_name = e->function_name;
  req.qualifier = e->qualifier;
  req.event = e->event;
  req.request_id = e->request_id;
  req.source = e->invoke_type;
  req.cancel = token;
  req.retry_num = e->attempts - 1;
  auto result = co_await invoker_.invoke(std::move(req));
  if (!*alive) co_return;
  running_.erase(request_id);
  --in_flight_;
  if (wake_) wake_->notify();

  // Re-read: TerminateAsyncEvent may have marked it meanwhile.
  auto current = store_.get_async_event(request_id);
  if (!current || current->state == AsyncState::kAborted || token->cancelled) {
    if (current && current->state != AsyncState::kAborted) {
      finish(*current, AsyncState::kAborted, 499, "RequestCanceled: the event was terminated");
    }
    co_return;
  }
  *e = *current;
  int64_t now = now_ms();
  bool expired = fn && now - e->accepted_at_ms > msg_ttl_ms(*fn);
  if (!result.ok()) {
    if (is_throttle(result.error()) && !expired) {
      // Not started: no attempt is used up; try again shortly.
      e->attempts -= 1;
      e->state = AsyncState::kQueued;
      e->next_attempt_at_ms = now + config_.throttle_delay.count();
      (void)store_.update_async_event(*e);
      schedule(e->request_id, e->next_attempt_at_ms);
      co_return;
    }
    finish(*e, AsyncState::kFailed, result.error().is(errc::kResourceNotFoundFunction) ? 435 : 500,
           result.error().code + ": " + result.error().message);
    if (fn) dead_letter(*e, *fn);
    co_return;
  }
  if (result->status_code == 200) {
    finish(*e, AsyncState::kFinished, 200, result->ret_msg);
    co_return;
  }
  e->status_code = result->status_code;
  e->result = result->ret_msg;
  int retries_left = fn ? retry_num_of(*fn) - (e->attempts - 1) : 0;
  if (retries_left > 0 && !expired) {
    e->state = AsyncState::kQueued;
    e->next_attempt_at_ms = now + config_.retry_delay.count() * e->attempts;
    (void)store_.update_async_event(*e);
    schedule(e->request_id, e->next_attempt_at_ms);
    co_return;
  }
  finish(*e, AsyncState::kFailed, result->status_code, result->ret_msg);
  if (fn) dead_letter(*e, *fn);
}

void AsyncQueue::finish(store::AsyncEventRecord& e, AsyncState state, int status,
                        std::string result) {
  e.state = state;
  e.status_code = status;
  e.result = std::move(result);
  e.end_time_ms = now_ms();
  (void)store_.update_async_event(e);
}

void AsyncQueue::dead_letter(const store::AsyncEventRecord& e, const store::FunctionRecord& fn) {
  const Json& dlq = fn.async_config.value("DeadLetterConfig", Json::object());
  std::string target = dlq.is_object() ? dlq.value("Name", "") : "";
  if (target.empty()) return;
  // The SCF dead-letter message, delivered as the event of the target function.
  Json message = {{"RequestId", e.request_id},
                  {"ErrorCode", e.status_code},
                  {"ErrorMessage", e.result},
                  {"Body",
                   {{"FunctionName", e.function_name},
                    {"Namespace", e.ns},
                    {"Qualifier", e.qualifier},
                    {"InvocationType", "Event"},
                    {"RequestSource", e.invoke_type},
                    {"ClientContext", e.event},
                    {"RequestId", e.request_id},
                    {"RetryNum", e.attempts - 1}}}};
  InvocationRequest req;
  req.ns = e.ns;
  req.function_name = target;
  req.event = message.dump();
  auto r = enqueue(std::move(req), "DLQ");
  if (!r.ok()) spdlog::warn("dead letter for {} to {} failed: {}", e.request_id, target, r.error().message);
}

Status AsyncQueue::terminate(const std::string& ns, const std::string& fn,
                             const std::string& request_id) {
  auto e = store_.get_async_event(request_id);
  if (!e || e->ns != ns || e->function_name != fn) {
    return make_error(errc::kResourceNotFoundAsyncEvent, "async event " + request_id + " does not exist");
  }
  if (e->state != AsyncState::kQueued && e->state != AsyncState::kRunning) {
    return make_error(errc::kFailedOperationAsyncEventStatus,
                      "async event " + request_id + " has ended; it cannot be terminated");
  }
  bool was_running = e->state == AsyncState::kRunning;
  finish(*e, AsyncState::kAborted, 499, "RequestCanceled: the event was terminated");
  if (was_running) {
    if (auto it = running_.find(request_id); it != running_.end()) it->second->cancel();
  }
  return ok_status();
}

Task<void> AsyncQueue::purge_loop() {
  auto alive = alive_;
  asio::steady_timer timer(ex_);
  while (*alive) {
    int64_t cutoff = now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(config_.retention).count();
    int n = store_.purge_async_events_before(cutoff);
    if (n > 0) spdlog::info("purged {} async event records", n);
    timer.expires_after(std::chrono::minutes(10));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace yunfn::invoke
