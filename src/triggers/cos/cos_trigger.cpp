#include "triggers/cos/cos_trigger.h"

#include <spdlog/spdlog.h>

#include "common/ids.h"

namespace yunfn::triggers {
namespace {

constexpr size_t kBatch = 256;
// The outbox wakes the trigger after each write; this catches anything missed
// (and retries after a store failure).
constexpr auto kPoll = std::chrono::seconds(1);

// A stable request id for one object event delivered to one trigger.
std::string event_request_id(const cos::ObjectEvent& e, const store::TriggerRecord& t) {
  return request_id_from(std::to_string(e.seq) + "/" + e.bucket + "/" + e.key + "/" + e.etag + "/" +
                         std::to_string(e.event_time) + "->" + t.ns + "/" + t.function_name);
}

}  // namespace

CosTrigger::CosTrigger(asio::any_io_executor ex, store::Store& store, invoke::AsyncQueue& queue,
                       cos::ObjectEventSource* source, const Clock& clock, const CosWebhook& webhook,
                       std::function<std::string()> api_base_url)
    : ex_(std::move(ex)),
      store_(store),
      queue_(queue),
      source_(source),
      clock_(clock),
      webhook_(webhook),
      api_base_url_(std::move(api_base_url)) {}

// NOLINTNEXTLINE(bugprone-exception-escape): notify() cancels a timer, no throw
CosTrigger::~CosTrigger() {
  *alive_ = false;
  if (wake_) wake_->notify();
}

Status CosTrigger::check_name(const std::string& name) {
  YUNFN_TRY(domain, cos_rules::parse_domain(name));
  (void)domain;
  return ok_status();
}

Status CosTrigger::check(store::TriggerRecord& trigger) {
  YUNFN_TRY(bucket, cos_rules::parse_domain(trigger.name));
  YUNFN_TRY(rule, cos_rules::parse_rule(trigger.trigger_desc));
  if (!rule.external() && !source_) {
    return make_error(errc::kResourceNotFoundCos,
                      "the bucket service is off (yunfn server --cos-listen off): only a bucket of an external "
                      "store (TriggerDesc \"yunfnExternal\") can trigger");
  }
  if (!rule.external() && !source_->bucket_exists(bucket.bucket())) {
    return make_error(errc::kResourceNotFoundCos,
                      "bucket " + bucket.bucket() +
                          " does not exist in the bucket service (for a bucket of an external store, add "
                          "\"yunfnExternal\":{\"bucket\":\"<its name there>\"} to TriggerDesc)");
  }
  YUNFN_TRY(all, store_.list_triggers("", ""));
  for (const auto& other : all) {
    if (other.type != "cos" || (other.ns == trigger.ns && other.function_name == trigger.function_name &&
                                other.name == trigger.name)) {
      continue;
    }
    auto other_bucket = cos_rules::parse_domain(other.name);
    auto other_rule = cos_rules::parse_rule(other.trigger_desc);
    if (!other_bucket.ok() || !other_rule.ok() || other_bucket->bucket() != bucket.bucket()) continue;
    if (cos_rules::overlap(rule, *other_rule)) {
      return make_error(errc::kResourceInUseCos,
                        "an object event of bucket " + bucket.bucket() + " could fire both this trigger and " +
                            other.ns + "/" + other.function_name + "'s (" + other.trigger_desc +
                            "): an event may trigger one function only; use distinct events or "
                            "prefix/suffix filters that no key matches both");
    }
  }
  trigger.trigger_desc = cos_rules::rule_desc(rule);
  return ok_status();
}

void CosTrigger::describe(const store::TriggerRecord& trigger, std::map<std::string, std::string>& out) {
  auto rule = cos_rules::parse_rule(trigger.trigger_desc);
  if (!rule.ok() || !rule->external()) return;
  const WebhookTarget target{trigger.ns, trigger.function_name, trigger.name};
  out["WebhookUrl"] = api_base_url_() + CosWebhook::path(target);
  out["WebhookToken"] = webhook_.token(target);
}

Status CosTrigger::start() {
  YUNFN_TRY_STATUS(reload());
  if (!source_) return ok_status();
  std::weak_ptr<bool> alive = alive_;
  source_->on_new_events([this, alive, ex = ex_] {
    asio::post(ex, [this, alive] {
      auto live = alive.lock();
      if (live && *live && wake_) wake_->notify();
    });
  });
  asio::co_spawn(ex_, loop(), Detached{"cos trigger"});
  return ok_status();
}

Status CosTrigger::changed() {
  YUNFN_TRY_STATUS(reload());
  if (wake_) wake_->notify();
  return ok_status();
}

Status CosTrigger::reload() {
  YUNFN_TRY(triggers, store_.list_triggers("", ""));
  std::vector<Bound> bound;
  for (auto& t : triggers) {
    if (t.type != "cos" || !t.enable) continue;
    auto bucket = cos_rules::parse_domain(t.name);
    auto rule = cos_rules::parse_rule(t.trigger_desc);
    if (bucket.ok() && rule.ok() && !rule->external()) {
      bound.push_back({std::move(t), std::move(*bucket), std::move(*rule)});
    }
  }
  bound_ = std::move(bound);
  return ok_status();
}

Task<void> CosTrigger::loop() {
  auto alive = alive_;
  while (*alive) {
    auto waiter = std::make_shared<Signal>(ex_);
    wake_ = waiter;
    // Drains the outbox, batch after batch, until it is empty or must wait.
    while (*alive && deliver()) {
    }
    if (!*alive) break;
    co_await waiter->wait_until(clock_, clock_.steady_now() + kPoll);
  }
}

bool CosTrigger::deliver() {
  auto events = source_->pending(kBatch);
  if (events.empty()) return false;
  int64_t done = 0;
  for (const auto& e : events) {
    for (const auto& b : bound_) {
      if (b.bucket.bucket() == e.bucket && cos_rules::matches(b.rule, e.event_name, e.key) && !fire(e, b)) {
        if (done > 0) source_->acknowledge(done);
        return false;
      }
    }
    done = e.seq;
  }
  source_->acknowledge(done);
  return events.size() == kBatch;
}

bool CosTrigger::fire(const cos::ObjectEvent& e, const Bound& b) {
  const auto& t = b.trigger;
  auto r = queue_.enqueue(cos_rules::cos_invocation(e, b.bucket, t, event_request_id(e, t)), "COS");
  if (r.ok() || r.error().is(errc::kResourceInUse)) return true;  // in use: enqueued before a crash
  if (r.error().is(errc::kInternalErrorSystem) || r.error().is(errc::kLimitExceededQuota)) {
    spdlog::warn("cos trigger {}: event {} of {} held for a retry: {}", t.name, e.event_name, e.key,
                 r.error().message);
    return false;  // the store failed or the queue is full: kept in the outbox
  }
  spdlog::warn("cos trigger {} of {}/{}: event {} of {} dropped: {}", t.name, t.ns, t.function_name, e.event_name,
               e.key, r.error().message);
  return true;
}

}  // namespace yunfn::triggers
