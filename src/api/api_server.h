// ApiServer: the TencentCloud API v3 endpoint of the SCF actions. It checks
// the TC3-HMAC-SHA256 signature, dispatches on X-TC-Action and wraps every
// answer in the SCF envelope ({"Response": {..., "RequestId"}}, errors as
// Response.Error with HTTP 200). Also serves GET /healthz.
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
};

class ApiServer {
 public:
  ApiServer(asio::any_io_executor ex, ApiServerConfig config, ApiContext context);
  void start();  // throws when the address cannot be bound
  void stop();
  unsigned short port() const { return http_.port(); }

 private:
  Task<HttpResponse> handle(HttpRequest& req);
  Task<Result<Json>> dispatch(HttpRequest& req);

  ApiServerConfig config_;
  ApiContext context_;
  ActionRegistry actions_;
  HttpServer http_;
};

// Request bodies above this size are refused (a 50 MB zip is ~67 MB in base64).
inline constexpr size_t kMaxApiBodyBytes = 72 * 1024 * 1024;

}  // namespace yunfn::api
