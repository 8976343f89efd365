// The API-gateway side of an event function: the request target split into
// path and query, the SCF API-gateway event built from a request, the
// function's integration response turned back into an HTTP reply, and the
// error bodies the gateway answers with (docs/gateway.md). Pure; any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "gateway/route_table.h"

namespace yunfn::gateway {

struct RequestTarget {
  std::string path;                   // as sent, without the query
  std::vector<std::string> segments;  // percent-decoded, empty ones dropped
  std::string query;                  // after '?', as sent
};

// Splits and checks a request target. Errors (a 400 for the client) for
// targets that are not origin-form, bad percent-encoding, control characters,
// and "." or ".." segments.
Result<RequestTarget> parse_target(std::string_view target);

// Decodes %XX (and '+' as space when form is set); nullopt when malformed.
std::optional<std::string> percent_decode(std::string_view s, bool form = false);

struct ApigwRequest {
  std::string method;
  std::string path;        // below the function's base, as sent
  std::string query;       // as sent
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;
  std::string source_ip;
  std::string request_id;
  std::string service_id;
};

// The SCF API-gateway event (JSON text) for a request served by `match`.
std::string apigw_event(const ApigwRequest& req, const RouteMatch& match, bool base64_body);

struct GatewayReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
};

// The function's {statusCode, headers, body, isBase64Encoded} as an HTTP reply;
// an error when the shape is wrong (the caller answers kInvalidIntegration).
Result<GatewayReply> integration_reply(const std::string& ret_msg);
// What the gateway answers for an integration response it cannot use.
GatewayReply invalid_integration_reply();

// {"errno":N,"error":"..."} with status N (the gateway's own errors).
GatewayReply gateway_error(int status, const std::string& message, const std::string& request_id = "");
// The SCF error body of a failed invocation ({errorCode, errorMessage,
// requestId, statusCode}); `detail` is the RetMsg (user error JSON) or ErrMsg.
std::string scf_error_body(int scf_status, const std::string& detail, const std::string& request_id);

}  // namespace yunfn::gateway
