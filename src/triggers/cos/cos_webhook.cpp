#include "triggers/cos/cos_webhook.h"

#include <cctype>
#include <string>

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/ids.h"
#include "triggers/cos/cos_rules.h"
#include "triggers/cos/s3_notification.h"

namespace yunfn::triggers {
namespace {

// Namespaces, function names and bucket domains use no other characters.
bool is_path_segment(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (unsigned char c : s) {
    if (std::isalnum(c) == 0 && c != '-' && c != '_' && c != '.') return false;
  }
  return s != "." && s != "..";
}

Error no_trigger(const WebhookTarget& t) {
  return make_error(errc::kResourceNotFoundTrigger, "cos trigger " + t.trigger_name + " of function " + t.ns +
                                                        "/" + t.function_name + " does not exist");
}

// The same notification sent twice names the same object version at the same
// time: it gets the same request id, which the async queue accepts once.
std::string event_seed(const WebhookTarget& t, const S3Record& r) {
  return "cos-webhook/" + t.ns + "/" + t.function_name + "/" + t.trigger_name + "\n" + r.bucket + "\n" + r.key +
         "\n" + r.event_name + "\n" + r.event_time + "\n" + r.sequencer + "\n" + r.version_id + "\n" + r.etag;
}

cos::ObjectEvent object_event(const S3Record& r, std::string cos_name, const cos_rules::BucketDomain& bucket,
                              const std::string& seed, int64_t now_s) {
  cos::ObjectEvent e;
  // SCF's reqid is a number: a stable one from the event, below 2^52 so JSON readers keep it exact.
  e.seq = static_cast<int64_t>(std::stoull(crypto::sha256_hex(seed).substr(0, 13), nullptr, 16));
  e.event_name = std::move(cos_name);
  e.bucket = bucket.bucket();
  e.key = r.key;
  e.size = r.size;
  e.etag = r.etag;
  e.content_type = r.content_type;
  e.request_id = r.request_id;
  e.source_ip = r.source_ip;
  e.meta = r.meta;
  e.event_time = r.event_time_s > 0 ? r.event_time_s : now_s;
  return e;
}

}  // namespace

CosWebhook::CosWebhook(store::Store& store, invoke::AsyncQueue& queue, const Clock& clock, std::string secret)
    : store_(store), queue_(queue), clock_(clock), secret_(std::move(secret)) {}

Result<WebhookTarget> CosWebhook::parse_path(std::string_view path) {
  WebhookTarget t;
  if (!path.starts_with(kPathPrefix)) return no_trigger(t);
  path.remove_prefix(kPathPrefix.size());
  std::string* parts[] = {&t.ns, &t.function_name, &t.trigger_name};
  for (size_t i = 0; i < 3; ++i) {
    const size_t slash = i < 2 ? path.find('/') : std::string_view::npos;
    const std::string_view segment = path.substr(0, slash);
    if (!is_path_segment(segment) || (i < 2 && slash == std::string_view::npos)) {
      return make_error(errc::kResourceNotFoundTrigger,
                        "a cos webhook path is /cos-webhook/<Namespace>/<FunctionName>/<TriggerName>");
    }
    *parts[i] = std::string(segment);
    path.remove_prefix(i < 2 ? slash + 1 : path.size());
  }
  return t;
}

std::string CosWebhook::path(const WebhookTarget& t) {
  return std::string(kPathPrefix) + t.ns + "/" + t.function_name + "/" + t.trigger_name;
}

std::string CosWebhook::token(const WebhookTarget& t) const {
  const std::string identity = "cos-webhook\n" + t.ns + "\n" + t.function_name + "\n" + t.trigger_name;
  return crypto::hex(crypto::hmac_sha256(secret_, identity)).substr(0, 40);
}

Status CosWebhook::authenticate(const WebhookTarget& t, std::string_view presented) const {
  if (presented.empty()) {
    return make_error(errc::kAuthFailureInvalidAuthorization,
                      "the webhook needs its trigger's token: an Authorization: Bearer <token> header or "
                      "a token=<token> query parameter (ListTriggers shows it as WebhookToken)");
  }
  const std::string want = token(t);
  if (presented.size() != want.size() || !crypto::equal_constant_time(presented, want)) {
    return make_error(errc::kAuthFailureTokenFailure, "the token is not the webhook token of cos trigger " +
                                                          t.trigger_name + " of " + t.ns + "/" + t.function_name);
  }
  return ok_status();
}

Result<WebhookReceipt> CosWebhook::receive(const WebhookTarget& t, std::string_view body) {
  YUNFN_TRY(found, store_.get_trigger(t.ns, t.function_name, "cos", t.trigger_name));
  if (!found) return no_trigger(t);
  YUNFN_TRY(bucket, cos_rules::parse_domain(found->name));
  YUNFN_TRY(rule, cos_rules::parse_rule(found->trigger_desc));
  if (!rule.external()) {
    return make_error(errc::kResourceNotFoundTrigger,
                      "cos trigger " + t.trigger_name + " of " + t.ns + "/" + t.function_name +
                          " watches a bucket of the bucket service; only a trigger whose TriggerDesc has "
                          "\"yunfnExternal\" takes bucket notifications");
  }
  YUNFN_TRY(records, parse_s3_notification(body));
  const int64_t now_s = to_unix_ms(clock_.now()) / 1000;
  WebhookReceipt receipt;
  for (const auto& r : records) {
    std::string cos_name = cos_event_name(r.event_name);
    std::string reason;
    if (!found->enable) {
      reason = "the trigger is disabled";
    } else if (r.bucket != rule.external_bucket) {
      reason = "bucket " + r.bucket + " is not the trigger's (" + rule.external_bucket + ")";
    } else if (cos_name.empty()) {
      reason = "COS has no event for " + r.event_name;
    } else if (!cos_rules::matches(rule, cos_name, r.key)) {
      reason = "the trigger's event and filter do not match";
    }
    if (!reason.empty()) {
      receipt.ignored.push_back({{"Key", r.key}, {"EventName", r.event_name}, {"Reason", reason}});
      continue;
    }
    const std::string seed = event_seed(t, r);
    std::string request_id = request_id_from(seed);
    auto req = cos_rules::cos_invocation(object_event(r, std::move(cos_name), bucket, seed, now_s), bucket,
                                         *found, request_id);
    auto enqueued = queue_.enqueue(std::move(req), "COS");
    // In use: the same notification was accepted before.
    if (!enqueued.ok() && !enqueued.error().is(errc::kResourceInUse)) {
      spdlog::warn("cos webhook {}: event {} of {} not accepted: {}", path(t), r.event_name, r.key,
                   enqueued.error().message);
      return enqueued.error();
    }
    receipt.request_ids.push_back(std::move(request_id));
  }
  return receipt;
}

}  // namespace yunfn::triggers
