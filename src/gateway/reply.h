// Writing a GatewayReply to the client with the headers every gateway answer
// carries (request id, CORS). Loop thread only.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/asio.h"
#include "gateway/apigw_event.h"

namespace yunfn::gateway {

struct ReplyContext {
  unsigned version = 11;       // HTTP version of the request
  bool keep_alive = true;      // the client allows another request
  bool head = false;           // HEAD request: no body on the wire
  std::vector<std::pair<std::string, std::string>> headers;  // added to the reply
};

// The headers every reply of a request gets: its request id, and CORS when the
// route enables it.
std::vector<std::pair<std::string, std::string>> common_reply_headers(const std::string& request_id,
                                                                      bool cors);

// The answer of an invocation that ran and failed: throttles are 429, the rest
// 200 with the SCF error body and x-scf-status (as SCF's gateway answers).
GatewayReply failed_invocation(int status_code, const std::string& detail, const std::string& id);
// The answer of an invocation the Invoker refused (throttled, missing, ...).
GatewayReply rejected_invocation(const Error& e, const std::string& id);

// Writes the reply; returns whether the connection stays usable.
Task<bool> send_reply(beast::tcp_stream& stream, const GatewayReply& reply, const ReplyContext& ctx);

}  // namespace yunfn::gateway
