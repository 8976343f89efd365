#include "gateway/web_proxy.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "common/scf_status.h"
#include "gateway/client_watch.h"
#include "gateway/gateway_server.h"
#include "gateway/reply.h"

namespace yunfn::gateway {
namespace {


// Interim (1xx) answers skipped before a web function's final one.
constexpr int kMaxInterimAnswers = 8;

enum class Side { kNone, kIn, kOut };

struct RelayError {
  Side side = Side::kNone;
  boost::system::error_code ec;
};

// The most of a body relayed per read.
constexpr uint64_t kRelayChunk = 64 * 1024;

// Copies a message whose header `p` has read from `in` to `out`: the header,
// then the body in chunks as it arrives (framing redone by the serializer).
template <bool isRequest>
Task<RelayError> relay(beast::tcp_stream& in, beast::flat_buffer& in_buffer,
                       http::parser<isRequest, http::buffer_body>& p, beast::tcp_stream& out) {
  // Allocated when a body arrives, no larger than it, and never zero-filled:
  // most messages through here are small or bodiless.
  std::unique_ptr<char[]> buf;
  size_t buf_size = 0;
  auto& body = p.get().body();
  body.data = nullptr;
  body.size = 0;
  body.more = !p.is_done();
  http::serializer<isRequest, http::buffer_body> sr{p.get()};
  if (!p.is_done() && in_buffer.size() == 0) {
    // None of the body is here yet: the header goes now, as a stream may wait
    // long for its first bytes. Otherwise it goes with them, in one write.
    auto [hec, hn] = co_await http::async_write_header(out, sr, asio::as_tuple(asio::use_awaitable));
    if (hec) co_return RelayError{Side::kOut, hec};
  }
  while (!sr.is_done()) {
    if (!p.is_done()) {
      if (!buf) {
        const uint64_t length = p.content_length().value_or(kRelayChunk);
        buf_size = static_cast<size_t>(std::min(length, kRelayChunk));
        buf = std::make_unique_for_overwrite<char[]>(buf_size);
      }
      body.data = buf.get();
      body.size = buf_size;
      auto [ec, n] = co_await http::async_read(in, in_buffer, p, asio::as_tuple(asio::use_awaitable));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return RelayError{Side::kIn, ec};
      body.size = buf_size - body.size;
      body.data = buf.get();
      body.more = !p.is_done();
    } else {
      body.data = nullptr;
      body.size = 0;
      body.more = false;
    }
    auto [wec, wn] = co_await http::async_write(out, sr, asio::as_tuple(asio::use_awaitable));
    if (wec == http::error::need_buffer) wec = {};
    if (wec) co_return RelayError{Side::kOut, wec};
  }
  co_return RelayError{};
}

bool hop_by_hop(std::string_view name) {
  for (const char* h : {"Connection", "Keep-Alive", "Proxy-Connection", "Upgrade", "TE", "Trailer",
                        "Expect"}) {
    if (beast::iequals(name, h)) return true;
  }
  return name.size() >= 6 && beast::iequals(name.substr(0, 6), "X-Scf-");
}

// What happened to the exchange, for the reply when none was started.
struct Exchange {
  bool response_started = false;
  bool response_done = false;
  bool client_gone = false;
  bool too_large = false;
  bool service_timeout = false;
};

}  // namespace

Task<bool> proxy_web_request(invoke::Invoker& invoker, const Clock& clock, ClientWatches& watches,
                             beast::tcp_stream& client,
                             beast::flat_buffer& buffer, http::request_parser<http::empty_body>& head,
                             WebRequest req) {
  const unsigned version = head.get().version();
  const bool head_request = head.get().method() == http::verb::head;
  const bool client_keep_alive = head.get().keep_alive();
  http::request_parser<http::buffer_body> rq{std::move(head)};
  rq.body_limit(kMaxGatewayBody);
  const auto service_deadline = clock.steady_now() + std::chrono::seconds(req.route->service_timeout_s);
  Exchange x;

  // Until an instance takes the request, a client that hangs up abandons it.
  auto token = std::make_shared<invoke::CancelToken>();
  std::optional<ClientWatch> watch(std::in_place, watches, client, token);

  // One request/response exchange with a leased instance's server.
  auto exchange = [&](invoke::WebInstance& inst) -> Task<invoke::WebOutcome> {
    watch.reset();  // the exchange reads the client from here on
    invoke::WebOutcome out;
    const auto function_deadline = clock.steady_now() + std::chrono::seconds(inst.timeout_s());
    const bool service_first = service_deadline < function_deadline;
    auto timed_out = [&] {
      if (service_first) {
        x.service_timeout = true;
        out.status_code = scf_status::kRequestCanceled;
        out.err_msg = "RequestCanceled: the gateway's serviceTimeout passed first";
        inst.kill();  // the server may still be busy with the abandoned request
      } else {
        out.status_code = scf_status::kTimeLimitReached;
        out.err_msg = "Invoking task timed out after " + std::to_string(inst.timeout_s()) + " seconds";
      }
    };
    auto connection = co_await inst.connect();
    if (!connection.ok()) {
      out.status_code = scf_status::kUserProcessExited;
      out.err_msg = "the web function's server did not accept a connection: " + connection.error().message;
      co_return out;
    }
    beast::tcp_stream upstream(std::move(*connection));
    upstream.expires_at(std::min(function_deadline, service_deadline));
    client.expires_at(std::min(function_deadline, service_deadline));

    auto& m = rq.get();
    std::vector<std::string> drop;
    for (const auto& f : m) {
      if (hop_by_hop(f.name_string())) drop.emplace_back(f.name_string());
    }
    for (const auto& name : drop) m.erase(name);
    m.set("X-Scf-Request-Id", req.request_id);
    m.set("X-Scf-Memory", std::to_string(inst.memory_mb()));
    m.set("X-Scf-Timeout", std::to_string(inst.timeout_s()));
    m.set("X-Scf-Version", inst.version());
    m.set("X-Scf-Name", inst.function_name());
    m.set("X-Scf-Namespace", inst.ns());
    m.set("X-Scf-Region", invoke::WebInstance::region());
    m.set("X-Scf-Appid", invoke::WebInstance::appid());
    m.set("X-Scf-Uin", invoke::WebInstance::uin());
    m.target(req.target);
    m.version(11);
    m.keep_alive(true);

    auto up = co_await relay(client, buffer, rq, upstream);
    if (up.side == Side::kIn) {
      if (up.ec == http::error::body_limit) {
        x.too_large = true;
        out.status_code = scf_status::kRequestTooLarge;
        out.err_msg = "the request body is larger than the 6 MB limit";
      } else if (up.ec == beast::error::timeout) {
        timed_out();
      } else {
        x.client_gone = true;
        out.status_code = scf_status::kRequestCanceled;
        out.err_msg = "RequestCanceled: the client closed the connection during the request";
      }
      co_return out;
    }
    if (up.side == Side::kOut) {
      if (up.ec == beast::error::timeout) {
        timed_out();
      } else {
        out.status_code = scf_status::kUserProcessExited;
        out.err_msg = "the web function's server closed the connection during the request (" +
                      up.ec.message() + ")";
      }
      co_return out;
    }

    // Interim answers (100 Continue, 103 Early Hints) are not relayed: the
    // client gets the final one, and pipelined answers stay in step.
    std::optional<http::response_parser<http::buffer_body>> rp;
    beast::flat_buffer upstream_buffer;
    boost::system::error_code hec;
    for (int interim = 0; interim < kMaxInterimAnswers; ++interim) {
      rp.emplace();
      rp->body_limit(kMaxGatewayBody);
      rp->header_limit(64 * 1024);
      if (head_request) rp->skip(true);
      auto [ec, n] = co_await http::async_read_header(upstream, upstream_buffer, *rp,
                                                      asio::as_tuple(asio::use_awaitable));
      hec = ec;
      const unsigned status = rp->get().result_int();
      if (hec || status >= 200 || status == 101) break;
    }
    if (hec) {
      if (hec == beast::error::timeout) {
        timed_out();
      } else {
        out.status_code = scf_status::kUserProcessExited;
        out.err_msg = "the web function's server closed the connection without a response (" +
                      hec.message() + ")";
      }
      co_return out;
    }
    if (rp->get().result_int() < 200) {
      out.status_code = scf_status::kUserProcessExited;
      out.err_msg = "the web function's server answered " + std::to_string(rp->get().result_int()) +
                    " and no final response (WebSocket web functions are not supported)";
      co_return out;
    }
    auto& res = rp->get();
    const bool upstream_keep_alive = res.keep_alive();
    for (const auto& [k, v] : req.reply_headers) res.set(k, v);
    res.version(version);
    res.keep_alive(client_keep_alive);
    x.response_started = true;
    auto down = co_await relay(upstream, upstream_buffer, *rp, client);
    if (down.side == Side::kIn) {
      if (down.ec == beast::error::timeout) {
        timed_out();
      } else if (down.ec == http::error::body_limit) {
        out.status_code = scf_status::kResponseTooLarge;
        out.err_msg = "the function response is larger than 6 MB";
      } else {
        out.status_code = scf_status::kUserProcessExited;
        out.err_msg = "the web function's server broke off its response (" + down.ec.message() + ")";
      }
      co_return out;
    }
    if (down.side == Side::kOut) {
      x.client_gone = true;
      out.status_code = scf_status::kRequestCanceled;
      out.err_msg = "RequestCanceled: the client closed the connection during the response";
      co_return out;
    }
    x.response_done = true;
    out.ret_msg = "HTTP " + std::to_string(res.result_int());
    if (upstream_keep_alive) {
      upstream.expires_never();
      inst.keep(upstream.release_socket());
    }
    co_return out;
  };

  invoke::InvocationRequest inv;
  inv.ns = req.ns;
  inv.function_name = req.function_name;
  inv.qualifier = req.qualifier;
  inv.request_id = req.request_id;
  inv.source = "apigw";
  inv.cancel = token;
  auto result = co_await invoker.invoke(std::move(inv), exchange);
  watch.reset();
  client.expires_never();
  if (x.response_done) co_return client_keep_alive;
  if (x.response_started || x.client_gone) co_return false;

  ReplyContext ctx;
  ctx.version = version;
  ctx.keep_alive = client_keep_alive && rq.is_done();
  ctx.head = head_request;
  ctx.headers = req.reply_headers;
  GatewayReply reply;
  if (!result.ok()) {
    reply = rejected_invocation(result.error(), req.request_id);
  } else if (x.too_large) {
    reply = gateway_error(413, "the request body is larger than the 6 MB limit", req.request_id);
  } else if (x.service_timeout) {
    reply = gateway_error(504, "gateway timeout: the function did not answer within the "
                               "serviceTimeout of " + std::to_string(req.route->service_timeout_s) +
                               " seconds", req.request_id);
  } else {
    reply = failed_invocation(result->status_code, result->err_msg, req.request_id);
  }
  co_return co_await send_reply(client, reply, ctx);
}

}  // namespace yunfn::gateway
