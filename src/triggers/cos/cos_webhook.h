// CosWebhook: where the bucket notifications of an external S3-compatible
// store (MinIO, Ceph RGW) enter yunfn. A `cos` trigger whose TriggerDesc has
// "yunfnExternal":{"bucket":"<name in the store>"} is fed by the store's
// webhook instead of the bucket service; the API listener serves it at
// POST /cos-webhook/<Namespace>/<FunctionName>/<TriggerName> (docs/cos.md).
// Each trigger has its own token: an HMAC of the trigger's identity under the
// server's secret key, so it is never stored and survives restarts.
// Every notified object event that the trigger's rule matches is enqueued as
// an async invocation (InvokeType COS) with SCF's COS event, under a request
// id derived from the event and the trigger: a store that sends the same
// notification again (a retry after a lost answer) does not run the function
// twice.
// Owned by the server; loop thread only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "invoke/async_queue.h"
#include "store/store.h"

namespace yunfn::triggers {

// The trigger a webhook is for.
struct WebhookTarget {
  std::string ns;
  std::string function_name;
  std::string trigger_name;  // the bucket domain
};

// What one notification did.
struct WebhookReceipt {
  // The async events of the accepted records (a record accepted before, by a
  // retried notification, gives the same id again).
  std::vector<std::string> request_ids;
  // The records that run nothing: [{"Key","EventName","Reason"}].
  Json ignored = Json::array();
};

class CosWebhook {
 public:
  // The path every webhook URL starts with.
  static constexpr std::string_view kPathPrefix = "/cos-webhook/";

  // `secret` is the server's secret key, from which the tokens derive.
  CosWebhook(store::Store& store, invoke::AsyncQueue& queue, const Clock& clock, std::string secret);

  // The trigger named by a webhook path (without its query);
  // ResourceNotFound.Trigger when the path names none.
  static Result<WebhookTarget> parse_path(std::string_view path);
  // The path of a trigger's webhook.
  static std::string path(const WebhookTarget& t);
  // The token of a trigger's webhook.
  std::string token(const WebhookTarget& t) const;
  // Checks a presented token: AuthFailure.InvalidAuthorization when there is
  // none, AuthFailure.TokenFailure when it is not the trigger's.
  Status authenticate(const WebhookTarget& t, std::string_view presented) const;

  // Handles one notification body for an authenticated target. Errors:
  // ResourceNotFound.Trigger (no such cos trigger, or one on a bucket of the
  // bucket service), InvalidParameter.Payload naming the field (nothing is
  // enqueued), and the async queue's LimitExceeded.Quota / InternalError.System
  // (the store should send it again; records enqueued before are not run twice).
  Result<WebhookReceipt> receive(const WebhookTarget& t, std::string_view body);

 private:
  store::Store& store_;
  invoke::AsyncQueue& queue_;
  const Clock& clock_;
  std::string secret_;
};

}  // namespace yunfn::triggers
