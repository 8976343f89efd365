// ApiServer: the TencentCloud API v3 endpoint of the SCF actions. It checks
// the TC3-HMAC-SHA256 signature, dispatches on X-TC-Action and wraps every
// answer in the SCF envelope ({"Response": {..., "RequestId"}}, errors as
// Response.Error with HTTP 200). Also serves GET /healthz and the webhook of
// cos triggers on external buckets (api/cos_webhook_endpoint.h).
// Owned by the server; runs on the loop thread.
#pragma once

#include <memory>
#include <string>

#include "api/api_context.h"
#include "api/tc3_auth.h"
#include "common/http_server.h"

namespace yunfn::api {

struct ApiServerConfig {
  std::string host = "127.0.0.1";
  unsigned short port = 9001;
  Credentials credentials;
  // SCF's own limit for TC3-signed POST requests; ZipFile packages above ~7 MB
  // need a larger limit (--api-body-limit-mb) or code from COS.
  size_t body_limit_bytes = 10 * 1024 * 1024;
  std::shared_ptr<asio::ssl::context> tls;  // set: the API is served over HTTPS
  size_t max_connections = kDefaultMaxConnections;
};

class ApiServer {
 public:
  ApiServer(const asio::any_io_executor& ex, ApiServerConfig config, ApiContext context);
  void start();  // throws when the address cannot be bound
  void stop();
  unsigned short port() const { return http_.port(); }
  // "http(s)://host:port" as a client on this machine reaches the API.
  std::string base_url() const;

 private:
  HttpServerConfig http_config();
  std::optional<HttpResponse> precheck(const http::request_header<>& h) const;
  Task<HttpResponse> handle(HttpRequest& req);
  Task<Result<Json>> dispatch(HttpRequest& req);

  ApiServerConfig config_;
  ApiContext context_;
  ActionRegistry actions_;
  HttpServer http_;
};

// An API connection may be idle (or slow to send a request) this long.
inline constexpr std::chrono::seconds kApiIdleTimeout{60};

}  // namespace yunfn::api
