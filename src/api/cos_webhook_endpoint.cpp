#include "api/cos_webhook_endpoint.h"

#include "common/json.h"

namespace yunfn::api {
namespace {

// No S3 notification nests deeper than a few levels.
constexpr int kMaxNotificationDepth = 16;

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// The value of one query parameter ("" when absent); tokens are hex, so no decoding.
std::string_view query_param(std::string_view target, std::string_view name) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=') {
      return item.substr(name.size() + 1);
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return {};
}

// MinIO sends its auth_token as `Bearer <token>` (or verbatim when it has a
// space of its own); Ceph can only put it in the endpoint URL.
std::string token_of(const http::request_header<>& h) {
  auto it = h.find(http::field::authorization);
  if (it != h.end()) {
    std::string_view v(it->value().data(), it->value().size());
    constexpr std::string_view kBearer = "bearer ";
    if (v.size() > kBearer.size() && beast::iequals(v.substr(0, kBearer.size()), kBearer)) {
      v.remove_prefix(kBearer.size());
    }
    if (!v.empty()) return std::string(v);
  }
  const std::string_view target(h.target().data(), h.target().size());
  return std::string(query_param(target, "token"));
}

http::status status_of(const Error& e) {
  if (e.is(errc::kResourceNotFoundTrigger)) return http::status::not_found;
  if (e.is(errc::kAuthFailureInvalidAuthorization)) return http::status::unauthorized;
  if (e.is(errc::kAuthFailureTokenFailure)) return http::status::forbidden;
  if (e.is(errc::kInvalidParameterPayload)) return http::status::bad_request;
  if (e.is(errc::kUnsupportedProtocol)) return http::status::method_not_allowed;
  if (e.is(errc::kLimitExceededQuota)) return http::status::service_unavailable;
  return http::status::internal_server_error;
}

HttpResponse error_answer(const Error& e) {
  return make_http_response(status_of(e), Json{{"Error", {{"Code", e.code}, {"Message", e.message}}}}.dump());
}

}  // namespace

bool is_cos_webhook(std::string_view target) {
  return path_of(target).starts_with(triggers::CosWebhook::kPathPrefix);
}

std::optional<HttpResponse> precheck_cos_webhook(const triggers::CosWebhook& webhook,
                                                 const http::request_header<>& header) {
  if (header.method() != http::verb::post) {
    auto answer = error_answer(make_error(errc::kUnsupportedProtocol, "the cos webhook takes POST requests"));
    answer.set(http::field::allow, "POST");
    return answer;
  }
  const std::string_view target(header.target().data(), header.target().size());
  auto trigger = triggers::CosWebhook::parse_path(path_of(target));
  if (!trigger.ok()) return error_answer(trigger.error());
  auto authenticated = webhook.authenticate(*trigger, token_of(header));
  if (!authenticated.ok()) return error_answer(authenticated.error());
  return std::nullopt;
}

HttpResponse serve_cos_webhook(triggers::CosWebhook& webhook, const HttpRequest& req) {
  const std::string_view target(req.target().data(), req.target().size());
  auto trigger = triggers::CosWebhook::parse_path(path_of(target));
  if (!trigger.ok()) return error_answer(trigger.error());
  if (json_nesting_exceeds(req.body(), kMaxNotificationDepth)) {
    return error_answer(make_error(errc::kInvalidParameterPayload,
                                   "body: nests deeper than " + std::to_string(kMaxNotificationDepth) + " levels"));
  }
  auto receipt = webhook.receive(*trigger, req.body());
  if (!receipt.ok()) return error_answer(receipt.error());
  return make_http_response(http::status::ok, Json{{"Accepted", receipt->request_ids.size()},
                                                   {"RequestIds", receipt->request_ids},
                                                   {"Ignored", receipt->ignored}}
                                                  .dump());
}

}  // namespace yunfn::api
