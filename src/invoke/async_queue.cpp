#include "invoke/async_queue.h"

#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/scf_status.h"
#include "common/scope_exit.h"

namespace yunfn::invoke {
namespace {

using store::AsyncState;

AsyncQueue::DeadLetter dead_letter_of(const store::AsyncEventRecord& e) {
  return {.request_id = e.request_id, .status_code = e.status_code, .error = e.result, .ns = e.ns,
          .function_name = e.function_name, .qualifier = e.qualifier, .invocation_type = "Event",
          .source = e.invoke_type, .event = e.event, .retry_num = e.attempts - 1, .delivery_id = ""};
}

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
    : ex_(std::move(ex)), store_(store), invoker_(invoker), clock_(clock), config_(config) {}

// NOLINTNEXTLINE(bugprone-exception-escape): notify() cancels a timer, no throw
AsyncQueue::~AsyncQueue() {
  *alive_ = false;
  if (wake_) wake_->notify();
}

Status AsyncQueue::start() {
  int requeued = 0;
  YUNFN_TRY(pending, store_.pending_async_events());
  for (auto& e : pending) {
    if (e.state == AsyncState::kRunning) {
      // The server stopped while it ran: the attempt counts, the event runs again.
      e.state = AsyncState::kQueued;
      YUNFN_TRY_STATUS(store_.update_async_event(e));
      ++requeued;
    }
    schedule(e.request_id, e.next_attempt_at_ms);
  }
  if (!due_.empty()) {
    spdlog::info("async queue: {} pending events ({} interrupted and retried)", due_.size(),
                 requeued);
  }
  asio::co_spawn(ex_, dispatch_loop(), Detached{"async dispatcher"});
  asio::co_spawn(ex_, purge_loop(), Detached{"async purge"});
  return ok_status();
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
      asio::co_spawn(ex_, run(std::move(id)), Detached{"async event"});
    }
    // Sleep until the next event is due, a slot frees up, or a new event arrives.
    auto waiter = std::make_shared<Signal>(ex_);
    wake_ = waiter;
    auto deadline = clock_.steady_now() + std::chrono::seconds(1);
    if (!due_.empty() && in_flight_ < config_.concurrency) {
      deadline = std::min(deadline, clock_.steady_now() + std::chrono::milliseconds(std::max<int64_t>(
                                                              0, due_.top().at_ms - now)));
    }
    co_await waiter->wait_until(clock_, deadline);
  }
}

Task<void> AsyncQueue::run(std::string request_id) {
  auto alive = alive_;
  // The slot is given back however this ends: a result, a store failure, an
  // exception (logged by Detached), or the queue going away.
  ScopeExit release_slot([this, alive, &request_id] {
    if (!*alive) return;
    running_.erase(request_id);
    --in_flight_;
    if (wake_) wake_->notify();
  });
  auto read = store_.get_async_event(request_id);
  if (!read.ok()) {  // the store logged why; the event stays queued for a later try
    schedule(request_id, now_ms() + config_.store_retry_delay.count());
    co_return;
  }
  auto& e = *read;
  // Terminated while queued. (A RUNNING row here is this server's own earlier
  // attempt whose requeue could not be written.)
  if (!e || (e->state != AsyncState::kQueued && e->state != AsyncState::kRunning)) co_return;
  auto fn = store_.get_function(e->ns, e->function_name);
  if (!fn.ok()) {
    schedule(request_id, now_ms() + config_.store_retry_delay.count());
    co_return;
  }
  const std::optional<store::FunctionRecord>& function = *fn;
  if (function && now_ms() - e->accepted_at_ms > msg_ttl_ms(*function)) {
    // Past its MsgTTL (a restart or throttling delayed it): dropped, not run.
    if (e->attempts == 0) {
      finish(*e, AsyncState::kFailed, 500,
             "the event's MsgTTL passed before it could run; it was not run");
    } else {
      finish(*e, AsyncState::kFailed, e->status_code, e->result);
    }
    send_dead_letter(*function, dead_letter_of(*e));
    co_return;
  }
  e->state = AsyncState::kRunning;
  e->attempts += 1;
  if (e->start_time_ms == 0) e->start_time_ms = now_ms();
  if (!store_.update_async_event(*e).ok()) {
    // Not started: an attempt that cannot be recorded is not made.
    schedule(request_id, now_ms() + config_.store_retry_delay.count());
    co_return;
  }

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

  // Re-read: TerminateAsyncEvent may have marked it meanwhile.
  auto reread = store_.get_async_event(request_id);
  if (reread.ok() && *reread) *e = std::move(**reread);
  if ((reread.ok() && !*reread) || e->state == AsyncState::kAborted || token->cancelled) {
    if (reread.ok() && *reread && e->state != AsyncState::kAborted) {
      finish(*e, AsyncState::kAborted, scf_status::kRequestCanceled, "RequestCanceled: the event was terminated");
    }
    co_return;
  }
  int64_t now = now_ms();
  // Whether a retry at `at` would come after the event's MsgTTL.
  auto expired_at = [&](int64_t at) {
    return function && at - e->accepted_at_ms > msg_ttl_ms(*function);
  };
  if (!result.ok()) {
    const int64_t retry_at = now + config_.throttle_delay.count();
    if (is_throttle(result.error()) && !expired_at(retry_at)) {
      // Not started: no attempt is used up; try again shortly.
      e->attempts -= 1;
      requeue(*e, retry_at);
      co_return;
    }
    finish(*e, AsyncState::kFailed, result.error().is(errc::kResourceNotFoundFunction) ? scf_status::kFunctionNotFound : 500,
           result.error().code + ": " + result.error().message);
    if (function) send_dead_letter(*function, dead_letter_of(*e));
    co_return;
  }
  if (result->status_code == 200) {
    finish(*e, AsyncState::kFinished, 200, result->ret_msg);
    co_return;
  }
  e->status_code = result->status_code;
  e->result = result->ret_msg;
  int retries_left = function ? retry_num_of(*function) - (e->attempts - 1) : 0;
  const int64_t retry_at = now + config_.retry_delay.count() * e->attempts;
  if (retries_left > 0 && !expired_at(retry_at)) {
    requeue(*e, retry_at);
    co_return;
  }
  finish(*e, AsyncState::kFailed, result->status_code, result->ret_msg);
  if (function) send_dead_letter(*function, dead_letter_of(*e));
}

void AsyncQueue::requeue(store::AsyncEventRecord& e, int64_t at_ms) {
  e.state = AsyncState::kQueued;
  e.next_attempt_at_ms = at_ms;
  persist(e);
  schedule(e.request_id, at_ms);
}

void AsyncQueue::finish(store::AsyncEventRecord& e, AsyncState state, int status,
                        std::string result) {
  e.state = state;
  e.status_code = status;
  e.result = std::move(result);
  e.end_time_ms = now_ms();
  persist(e);
}

void AsyncQueue::persist(const store::AsyncEventRecord& e) {
  if (store_.update_async_event(e).ok()) return;
  // The store logged why (a full disk, say): keep trying, so the event's
  // status is right once the store takes writes again.
  asio::co_spawn(ex_, persist_later(e), Detached{"async status write"});
}

Task<void> AsyncQueue::persist_later(store::AsyncEventRecord e) {
  auto alive = alive_;
  while (*alive) {
    co_await clock_.sleep_until(clock_.steady_now() + config_.store_retry_delay);
    if (!*alive) co_return;
    // A newer state written meanwhile (terminate, a later attempt) wins.
    auto current = store_.get_async_event(e.request_id);
    if (current.ok() && (!*current || (*current)->attempts > e.attempts ||
                         (*current)->state == e.state)) {
      co_return;
    }
    if (current.ok() && store_.update_async_event(e).ok()) co_return;
  }
}

void AsyncQueue::send_dead_letter(const store::FunctionRecord& fn, const DeadLetter& d) {
  const Json& dlq = fn.async_config.value("DeadLetterConfig", Json::object());
  std::string target = dlq.is_object() ? dlq.value("Name", "") : "";
  if (target.empty()) return;
  // The SCF dead-letter message, delivered as the event of the target function.
  Json message = {{"RequestId", d.request_id},
                  {"ErrorCode", d.status_code},
                  {"ErrorMessage", d.error},
                  {"Body",
                   {{"FunctionName", d.function_name},
                    {"Namespace", d.ns},
                    {"Qualifier", d.qualifier},
                    {"InvocationType", d.invocation_type},
                    {"RequestSource", d.source},
                    {"ClientContext", d.event},
                    {"RequestId", d.request_id},
                    {"RetryNum", d.retry_num}}}};
  InvocationRequest req;
  req.ns = d.ns;
  req.function_name = target;
  req.request_id = d.delivery_id;
  req.event = message.dump();
  auto r = enqueue(std::move(req), "DLQ");
  if (!r.ok() && !r.error().is(errc::kResourceInUse)) {
    spdlog::warn("dead letter for {} to {} failed: {}", d.request_id, target, r.error().message);
  }
}

Status AsyncQueue::terminate(const std::string& ns, const std::string& fn,
                             const std::string& request_id) {
  YUNFN_TRY(e, store_.get_async_event(request_id));
  if (!e || e->ns != ns || e->function_name != fn) {
    return make_error(errc::kResourceNotFoundAsyncEvent, "async event " + request_id + " does not exist");
  }
  if (e->state != AsyncState::kQueued && e->state != AsyncState::kRunning) {
    return make_error(errc::kFailedOperationAsyncEventStatus,
                      "async event " + request_id + " has ended; it cannot be terminated");
  }
  bool was_running = e->state == AsyncState::kRunning;
  finish(*e, AsyncState::kAborted, scf_status::kRequestCanceled, "RequestCanceled: the event was terminated");
  if (was_running) {
    if (auto it = running_.find(request_id); it != running_.end()) it->second->cancel();
  }
  return ok_status();
}

Task<void> AsyncQueue::purge_loop() {
  auto alive = alive_;
  while (*alive) {
    int64_t cutoff = now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(config_.retention).count();
    auto purged = store_.purge_async_events_before(cutoff);  // a failure is logged by the store
    if (purged.ok() && *purged > 0) spdlog::info("purged {} async event records", *purged);
    co_await clock_.sleep_until(clock_.steady_now() + std::chrono::minutes(10));
  }
}

}  // namespace yunfn::invoke
