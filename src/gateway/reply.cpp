#include "gateway/reply.h"

#include "common/scf_status.h"

namespace yunfn::gateway {

std::vector<std::pair<std::string, std::string>> common_reply_headers(const std::string& request_id,
                                                                      bool cors) {
  std::vector<std::pair<std::string, std::string>> h = {{"X-Api-RequestId", request_id},
                                                        {"x-scf-reqid", request_id}};
  if (cors) h.emplace_back("Access-Control-Allow-Origin", "*");
  return h;
}

GatewayReply failed_invocation(int status_code, const std::string& detail, const std::string& id) {
  GatewayReply r;
  // Throttling is HTTP 429; other failed invocations answer 200 with the SCF error body.
  const bool throttled = status_code == scf_status::kResourceLimitReached ||
                         status_code == scf_status::kResourceLimit;
  r.status = throttled ? 429 : 200;
  r.body = scf_error_body(status_code, detail, id);
  r.headers.emplace_back("x-scf-status", std::to_string(status_code));
  return r;
}

GatewayReply rejected_invocation(const Error& e, const std::string& id) {
  if (e.is(errc::kLimitExceededQuota)) return failed_invocation(scf_status::kResourceLimitReached, e.message, id);
  if (e.is(errc::kRequestLimitExceeded)) return failed_invocation(scf_status::kResourceLimit, e.message, id);
  if (e.code.starts_with("ResourceNotFound")) return gateway_error(404, e.message, id);
  if (e.code.starts_with("InternalError")) return gateway_error(500, e.message, id);
  return gateway_error(502, e.message, id);
}

Task<bool> send_reply(beast::tcp_stream& stream, const GatewayReply& reply, const ReplyContext& ctx) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), ctx.version};
  res.set(http::field::server, "yunfn");
  if (!reply.content_type.empty()) res.set(http::field::content_type, reply.content_type);
  for (const auto& [k, v] : reply.headers) {
    if (beast::iequals(k, "Content-Length") || beast::iequals(k, "Transfer-Encoding")) continue;
    res.insert(k, v);
  }
  for (const auto& [k, v] : ctx.headers) {
    if (res.find(k) == res.end()) res.set(k, v);
  }
  res.keep_alive(ctx.keep_alive);
  // 1xx, 204 and 304 answers have neither a body nor a Content-Length.
  if (reply.status >= 200 && reply.status != 204 && reply.status != 304) {
    res.body() = reply.body;
    res.prepare_payload();
    if (ctx.head) res.body().clear();  // Content-Length still tells the size
  }
  auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  co_return !ec && ctx.keep_alive;
}

}  // namespace yunfn::gateway
