// CosTrigger: the `cos` trigger type. TriggerName is the bucket's domain
// (`<bucket>-<appid>.cos.<region>.myqcloud.com`), TriggerDesc the event and
// key filter (`{"event":"cos:ObjectCreated:*","filter":{"Prefix":"","Suffix":".jpg"}}`);
// rules on one bucket that one object event could both fire are refused.
// Object events come from the bucket service's outbox, written in the same
// transaction as the object: each one that matches an enabled trigger is
// enqueued as an async invocation (InvokeType COS) with a request id derived
// from the event and the trigger, then acknowledged. A crash in between
// enqueues it again under the same id, which the queue refuses as a duplicate,
// so every acknowledged write fires once.
// A trigger whose TriggerDesc has "yunfnExternal" binds a bucket of an
// external store instead: its events come through the CosWebhook, and
// ListTriggers shows its WebhookUrl and WebhookToken.
// Owned by the server; loop thread only (the outbox wakes it from its own thread).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "cos/object_events.h"
#include "invoke/async_queue.h"
#include "store/store.h"
#include "triggers/cos/cos_rules.h"
#include "triggers/cos/cos_webhook.h"
#include "triggers/trigger_types.h"

namespace yunfn::triggers {

class CosTrigger final : public TriggerType {
 public:
  // `source` is null when the bucket service is off: only triggers on external
  // buckets are accepted then. `api_base_url` gives the API listener's URL,
  // where `webhook` is served.
  CosTrigger(asio::any_io_executor ex, store::Store& store, invoke::AsyncQueue& queue,
             cos::ObjectEventSource* source, const Clock& clock, const CosWebhook& webhook,
             std::function<std::string()> api_base_url);
  ~CosTrigger() override;  // NOLINT(bugprone-exception-escape): see the definition

  Status check_name(const std::string& name) override;
  Status check(store::TriggerRecord& trigger) override;
  Status changed() override;
  void describe(const store::TriggerRecord& trigger, std::map<std::string, std::string>& out) override;
  Status start();

 private:
  struct Bound {
    store::TriggerRecord trigger;
    cos_rules::BucketDomain bucket;
    cos_rules::Rule rule;
  };
  Status reload();
  Task<void> loop();
  // Enqueues the pending object events; false when they must be tried again later.
  bool deliver();
  // Enqueues one event for one trigger; false when it must be tried again later.
  bool fire(const cos::ObjectEvent& e, const Bound& b);

  asio::any_io_executor ex_;
  store::Store& store_;
  invoke::AsyncQueue& queue_;
  cos::ObjectEventSource* source_;
  const Clock& clock_;
  const CosWebhook& webhook_;
  std::function<std::string()> api_base_url_;
  std::vector<Bound> bound_;  // the enabled cos triggers on buckets of the bucket service
  std::shared_ptr<Signal> wake_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace yunfn::triggers
