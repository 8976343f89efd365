// The HTTP side of the cos trigger webhook (triggers/cos/cos_webhook.h), served
// on the API listener next to the SCF actions: POST
// /cos-webhook/<Namespace>/<FunctionName>/<TriggerName> with the trigger's
// token in `Authorization: Bearer <token>` (MinIO's auth_token) or in a
// `token=<token>` query parameter (Ceph's push-endpoint URL). Answers are JSON
// with HTTP statuses a store's retry logic understands: 200 with the accepted
// request ids, 400 bad payload, 401 no token, 403 wrong token, 404 no such
// trigger, 405 not a POST, 503/500 try again later.
// Called by ApiServer on the loop thread.
#pragma once

#include <optional>
#include <string_view>

#include "common/asio.h"
#include "triggers/cos/cos_webhook.h"

namespace yunfn::api {

// Whether a request target (path and query) is for the webhook.
bool is_cos_webhook(std::string_view target);
// Checks the method, the path and the token before the body is read; an
// answer when the request is refused.
std::optional<HttpResponse> precheck_cos_webhook(const triggers::CosWebhook& webhook,
                                                 const http::request_header<>& header);
// Handles a request that passed precheck_cos_webhook.
HttpResponse serve_cos_webhook(triggers::CosWebhook& webhook, const HttpRequest& req);

}  // namespace yunfn::api
