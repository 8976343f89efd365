// Web-function proxying: forwards one HTTP request (already routed, header
// read) to port 9000 of an instance and streams the response back, both
// bodies relayed in chunks so large ones are never held whole. Adds the
// X-Scf-* request headers and the request-id response headers, enforces the
// function's timeout and the trigger's serviceTimeout, and answers the
// gateway's error replies when the exchange fails before a response started.
// Loop thread only.
#pragma once

#include <string>
#include <vector>

#include "common/asio.h"
#include "gateway/client_watch.h"
#include "gateway/route_table.h"
#include "invoke/invoker.h"

namespace yunfn::gateway {

struct WebRequest {
  std::string ns;
  std::string function_name;
  std::string qualifier;
  std::string request_id;
  std::string target;     // path below the function's base, with the query
  const ApigwRoute* route = nullptr;
  std::vector<std::pair<std::string, std::string>> reply_headers;  // added to every reply
};

// Proxies the request whose header `head` holds; returns whether the client
// connection can carry another request.
Task<bool> proxy_web_request(invoke::Invoker& invoker, const Clock& clock, ClientWatches& watches,
                             beast::tcp_stream& client,
                             beast::flat_buffer& buffer, http::request_parser<http::empty_body>& head,
                             WebRequest req);

}  // namespace yunfn::gateway
