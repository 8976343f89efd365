#include "api/api_server.h"

#include "api/cos_webhook_endpoint.h"
#include "api/params.h"

#include <spdlog/spdlog.h>

#include "common/ids.h"

namespace yunfn::api {
namespace {

HttpResponse envelope(Json response) {
  response["RequestId"] = new_request_id();
  return make_http_response(http::status::ok, Json{{"Response", response}}.dump());
}

HttpResponse error_envelope(const Error& e) {
  return envelope(Json{{"Error", {{"Code", e.code}, {"Message", e.message}}}});
}

// No SCF action nests parameters deeper than a few levels; deeper bodies only
// cost memory to parse.
constexpr int kMaxParamsDepth = 32;

std::string header(const HttpRequest& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string() : std::string(it->value());
}

}  // namespace

ApiServer::ApiServer(const asio::any_io_executor& ex, ApiServerConfig config, ApiContext context)
    : config_(std::move(config)),
      context_(context),
      http_(ex, http_config(), [this](HttpRequest& req) { return handle(req); }) {
  register_function_actions(actions_);
  register_invoke_actions(actions_);
  register_log_actions(actions_);
  register_namespace_actions(actions_);
  register_account_actions(actions_);
  register_version_actions(actions_);
  register_alias_actions(actions_);
  register_concurrency_actions(actions_);
  register_trigger_actions(actions_);
  register_async_actions(actions_);
  register_layer_actions(actions_);
  register_log_topic_actions(actions_);
}

HttpServerConfig ApiServer::http_config() {
  HttpServerConfig c;
  c.host = config_.host;
  c.port = config_.port;
  c.body_limit = config_.body_limit_bytes;
  c.too_large_response = [limit = config_.body_limit_bytes] {
    return error_envelope(make_error(errc::kInvalidParameterRequestTooLarge,
        "the request body is larger than " + std::to_string(limit / (1024 * 1024)) +
            " MB (TC3-signed requests are limited to 10 MB, as in SCF)"));
  };
  c.check_header = [this](const http::request_header<>& h) { return precheck(h); };
  c.tls = config_.tls;
  c.max_connections = config_.max_connections;
  c.header_timeout = kApiIdleTimeout;
  c.body_timeout = kApiIdleTimeout;
  return c;
}

// A request that cannot be authentic is answered before its body is read, so
// unauthenticated clients cannot make the server hold large bodies.
std::optional<HttpResponse> ApiServer::precheck(const http::request_header<>& h) const {
  if (h.method() == http::verb::get && h.target() == "/healthz") return std::nullopt;
  if (is_cos_webhook(std::string_view(h.target().data(), h.target().size()))) {
    return precheck_cos_webhook(context_.cos_webhook, h);
  }
  auto lookup = [&h](std::string_view name) {
    auto it = h.find(beast::string_view(name.data(), name.size()));
    return it == h.end() ? std::string() : std::string(it->value());
  };
  auto now = to_unix_ms(context_.clock.now()) / 1000;
  auto checked = precheck_tc3(lookup, config_.credentials, now);
  if (checked.ok()) return std::nullopt;
  return error_envelope(checked.error());
}

void ApiServer::start() { http_.start(); }

std::string ApiServer::base_url() const {
  std::string host = config_.host;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(config_.tls ? "https" : "http") + "://" + host + ":" + std::to_string(port());
}
void ApiServer::stop() { http_.stop(); }

Task<HttpResponse> ApiServer::handle(HttpRequest& req) {
  if (req.method() == http::verb::get && req.target() == "/healthz") {
    co_return make_http_response(http::status::ok, "{\"status\":\"ok\"}");
  }
  if (is_cos_webhook(std::string_view(req.target().data(), req.target().size()))) {
    co_return serve_cos_webhook(context_.cos_webhook, req);
  }
  auto result = co_await dispatch(req);
  if (!result.ok()) co_return error_envelope(result.error());
  co_return envelope(std::move(*result));
}

Task<Result<Json>> ApiServer::dispatch(HttpRequest& req) {
  if (req.method() != http::verb::post && req.method() != http::verb::get) {
    co_return make_error(errc::kUnsupportedProtocol, "only POST (and GET) requests are accepted");
  }
  std::string target(req.target());
  auto q = target.find('?');
  Tc3Request signed_req{std::string(req.method_string()),
                        q == std::string::npos ? "" : target.substr(q + 1), req.body(),
                        [&req](std::string_view name) { return header(req, name); }};
  auto now = to_unix_ms(context_.clock.now()) / 1000;
  YUNFN_CO_TRY_STATUS(verify_tc3(signed_req, config_.credentials, now));

  std::string action = header(req, "x-tc-action");
  if (action.empty()) co_return make_error(errc::kMissingParameter, "the X-TC-Action header is required");
  if (action == "UploadLog") co_return co_await upload_log(context_, req);
  auto it = actions_.find(action);
  if (it == actions_.end()) {
    co_return make_error(errc::kInvalidAction, "action " + action + " is not supported");
  }
  std::string version = header(req, "x-tc-version");
  if (!version.empty() && version != "2018-04-16") {
    co_return make_error(errc::kNoSuchVersion, "X-TC-Version " + version + " is not supported; use 2018-04-16");
  }
  if (json_nesting_exceeds(req.body(), kMaxParamsDepth)) {
    co_return make_error(errc::kInvalidParameterPayload,
                         "the request body nests deeper than " + std::to_string(kMaxParamsDepth) +
                             " levels");
  }
  Json params = req.body().empty() ? Json::object() : Json::parse(req.body(), nullptr, false);
  if (params.is_discarded() || !params.is_object()) {
    co_return make_error(errc::kInvalidParameterPayload, "the request body is not a JSON object");
  }
  try {
    co_return co_await it->second(context_, params);
  } catch (const std::exception& e) {
    spdlog::error("action {} failed: {}", action, e.what());
    co_return make_error(errc::kInternalError, std::string("internal error: ") + e.what());
  }
}

Result<std::string> namespace_param(const Json& params) {
  Params p(params);
  YUNFN_TRY(ns, p.string("Namespace", store::kDefaultNamespace));
  if (ns.empty()) ns = store::kDefaultNamespace;
  return ns;
}

}  // namespace yunfn::api
