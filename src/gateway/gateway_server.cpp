#include "gateway/gateway_server.h"

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/scope_exit.h"
#include "gateway/apigw_event.h"
#include "gateway/client_watch.h"
#include "gateway/reply.h"
#include "gateway/web_proxy.h"

namespace yunfn::gateway {

struct GatewayServer::State {
  State(asio::any_io_executor ex, GatewayConfig config, store::Store& store, invoke::Invoker& invoker,
        invoke::AsyncQueue& async, const RouteTable& routes, const Clock& clock)
      : ex(std::move(ex)), config(std::move(config)), store(store), invoker(invoker), async(async),
        routes(routes), clock(clock) {}

  asio::any_io_executor ex;
  GatewayConfig config;
  store::Store& store;
  invoke::Invoker& invoker;
  invoke::AsyncQueue& async;
  const RouteTable& routes;
  const Clock& clock;
  ClientWatches watches{ex, clock};
  bool stopped = false;
  uint64_t buffered_bytes = 0;  // request bodies held for event functions now
};

namespace {

using State = GatewayServer::State;

// Request bodies held at once for event functions (a body counts as its
// Content-Length, or 6 MB while its chunked size is unknown).
constexpr uint64_t kBufferedBodyBudget = 512ull * 1024 * 1024;

// SCF shows the API-gateway service an API belongs to; each function is one here.
std::string service_id(const std::string& ns, const std::string& fn) {
  return "service-" + crypto::sha256_hex(ns + "/" + fn).substr(0, 8);
}

// The path below /<namespace>/<function>, as the client wrote it.
std::string relative_path(const std::string& path) {
  size_t pos = 0;
  for (int seen = 0; seen < 2 && pos < path.size(); ++seen) {
    pos = path.find_first_not_of('/', pos);
    if (pos == std::string::npos) return "/";
    pos = std::min(path.find('/', pos), path.size());
  }
  std::string rest = path.substr(pos);
  return rest.empty() ? "/" : rest;
}

// Runs an event function, answering 504 when serviceTimeout passes first (the
// invocation is then cancelled and logged as 499).
Task<GatewayReply> run_event_function(State& st, beast::tcp_stream& client,
                                      invoke::InvocationRequest req, const ApigwRoute& route) {
  const std::string id = req.request_id;
  auto token = std::make_shared<invoke::CancelToken>();
  req.cancel = token;
  ClientWatch watch(st.watches, client, token);
  auto done = std::make_shared<Signal>(st.ex);
  auto outcome = std::make_shared<std::optional<Result<invoke::InvocationResult>>>();
  asio::co_spawn(
      st.ex,
      [&invoker = st.invoker, req = std::move(req), done, outcome]() mutable -> Task<void> {
        // However the invocation ends, the request gets its answer now.
        ScopeExit answer([&done] { done->notify(); });
        outcome->emplace(co_await invoker.invoke(std::move(req)));
      },
      Detached{"gateway invocation"});
  auto deadline = st.clock.steady_now() + std::chrono::seconds(route.service_timeout_s);
  bool finished = co_await done->wait_until(st.clock, deadline);
  if (!finished) {
    token->cancel();
    co_return gateway_error(504, "gateway timeout: the function did not answer within the "
                                 "serviceTimeout of " + std::to_string(route.service_timeout_s) +
                                 " seconds", id);
  }
  if (!outcome->has_value()) {
    co_return gateway_error(500, "the platform failed to run the invocation", id);
  }
  const auto& result = **outcome;
  if (!result.ok()) co_return rejected_invocation(result.error(), id);
  if (result->status_code != 200) {
    co_return failed_invocation(result->status_code,
                                result->err_msg.empty() ? result->ret_msg : result->err_msg, id);
  }
  if (!route.integrated_response) {
    GatewayReply r;
    r.body = result->ret_msg;
    co_return r;
  }
  auto reply = integration_reply(result->ret_msg);
  if (!reply.ok()) {
    spdlog::info("gateway: request {}: {}", id, reply.error().message);
    co_return invalid_integration_reply();
  }
  co_return std::move(*reply);
}

std::string header_value(const http::request_parser<http::empty_body>& head, http::field f) {
  auto it = head.get().find(f);
  return it == head.get().end() ? "" : std::string(it->value());
}

// Request framing the gateway relays: a body framed by Content-Length or by
// `Transfer-Encoding: chunked` alone. Anything else (unknown or stacked
// codings, a repeated header, both headers) may be read differently by a
// function's server, so it is refused (RFC 9112 section 6.3).
std::optional<std::string> framing_error(const http::request_header<>& h) {
  int codings = 0;
  for (const auto& field : h) {
    if (field.name() != http::field::transfer_encoding) continue;
    if (++codings > 1) return "Transfer-Encoding is repeated";
    std::string value(field.value());
    std::string trimmed = value.substr(0, value.find_last_not_of(" \t") + 1);
    trimmed.erase(0, trimmed.find_first_not_of(" \t"));
    if (!beast::iequals(trimmed, "chunked")) {
      return "unsupported Transfer-Encoding '" + value + "': only chunked is accepted";
    }
  }
  if (codings > 0 && h.find(http::field::content_length) != h.end()) {
    return "a request may not carry both Transfer-Encoding and Content-Length";
  }
  return std::nullopt;
}

// Serves one request whose header is read; returns whether the connection
// can carry another one.
Task<bool> handle(State& st, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                  http::request_parser<http::empty_body>& head, const std::string& source_ip) {
  const std::string id = new_request_id();
  const auto& h = head.get();
  ReplyContext ctx;
  ctx.version = h.version();
  ctx.keep_alive = h.keep_alive();
  ctx.head = h.method() == http::verb::head;
  ctx.headers = common_reply_headers(id, false);
  // Replies sent before the body was read end the connection: the unread body
  // would otherwise be taken for the next request.
  auto reply_now = [&](GatewayReply r) -> Task<bool> {
    if (!head.is_done()) ctx.keep_alive = false;
    co_return co_await send_reply(stream, r, ctx);
  };
  const std::string method(h.method_string());
  auto target = parse_target(h.target());
  if (!target.ok()) co_return co_await reply_now(gateway_error(400, target.error().message, id));
  if (auto bad = framing_error(h)) {
    // The body's extent is unknown: what follows must not be read as a request.
    ctx.keep_alive = false;
    co_return co_await reply_now(gateway_error(400, *bad, id));
  }
  if (target->segments.size() < 2) {
    co_return co_await reply_now(gateway_error(404, "no function at " + target->path +
                                                        ": URLs are /<namespace>/<function>/<path>", id));
  }
  const std::string ns = target->segments[0], fn = target->segments[1];
  std::vector<std::string> rest(target->segments.begin() + 2, target->segments.end());
  auto matched = st.routes.match(ns, fn, rest, method);

  // CORS preflight: answered by the gateway for routes that enable CORS.
  std::string preflight_method = header_value(head, http::field::access_control_request_method);
  if (h.method() == http::verb::options && !preflight_method.empty()) {
    auto pre = st.routes.match(ns, fn, rest, preflight_method);
    if (auto* m = std::get_if<RouteMatch>(&pre); m && m->entry->route.cors) {
      GatewayReply r;
      r.status = 204;
      r.content_type.clear();
      r.headers = {{"Access-Control-Allow-Origin", "*"},
                   {"Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,HEAD,PATCH,OPTIONS"},
                   {"Access-Control-Allow-Headers",
                    header_value(head, http::field::access_control_request_headers).empty()
                        ? "*"
                        : header_value(head, http::field::access_control_request_headers)},
                   {"Access-Control-Max-Age", "86400"}};
      co_return co_await reply_now(r);
    }
  }
  if (auto* failure = std::get_if<MatchFailure>(&matched)) {
    int status = static_cast<int>(*failure);
    std::string what = status == 404 ? "no API matches " : "method not allowed for ";
    co_return co_await reply_now(gateway_error(status, what + method + " " + target->path, id));
  }
  const RouteMatch& match = std::get<RouteMatch>(matched);
  const ApigwRoute& route = match.entry->route;
  ctx.headers = common_reply_headers(id, route.cors);
  if (auto length = head.content_length(); length && *length > kMaxGatewayBody) {
    co_return co_await reply_now(gateway_error(413, "the request body is larger than the 6 MB limit", id));
  }
  auto found = st.store.get_function(ns, fn);
  if (!found.ok()) co_return co_await reply_now(rejected_invocation(found.error(), id));
  const std::optional<store::FunctionRecord>& function = *found;
  if (!function) co_return co_await reply_now(gateway_error(404, "no API matches " + method + " " + target->path, id));
  if (beast::iequals(header_value(head, http::field::expect), "100-continue")) {
    // Clients that ask wait for this before they send the body.
    http::response<http::empty_body> cont{http::status::continue_, h.version()};
    auto [ec, n] = co_await http::async_write(stream, cont, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return false;
  }
  const std::string rel = relative_path(target->path);

  if (function->latest.config.type == store::FunctionType::kHttp) {
    WebRequest web{ns, fn, match.entry->trigger.qualifier, id,
                   rel + (target->query.empty() ? "" : "?" + target->query), &route, ctx.headers};
    co_return co_await proxy_web_request(st.invoker, st.clock, st.watches, stream, buffer, head, std::move(web));
  }

  // Bodies of event functions are held in memory until the function answers:
  // together they stay within a budget, beyond which requests wait their turn
  // as 503 answers rather than grow the server without bound.
  // A request without Content-Length has no body unless it is chunked.
  const uint64_t reserved = head.content_length().value_or(head.chunked() ? kMaxGatewayBody : 0);
  if (st.buffered_bytes + reserved > kBufferedBodyBudget) {
    co_return co_await reply_now(gateway_error(503, "the gateway is busy: too many request "
                                                    "bodies in flight; retry later", id));
  }
  st.buffered_bytes += reserved;
  struct Release {
    State& st;
    uint64_t bytes;
    ~Release() { st.buffered_bytes -= bytes; }
  } release{st, reserved};
  http::request_parser<http::string_body> full{std::move(head)};
  full.body_limit(kMaxGatewayBody);
  auto [ec, n] = co_await http::async_read(stream, buffer, full, asio::as_tuple(asio::use_awaitable));
  if (ec == http::error::body_limit) {
    ctx.keep_alive = false;
    co_return co_await send_reply(stream, gateway_error(413, "the request body is larger than the 6 MB limit", id), ctx);
  }
  if (ec) co_return false;
  auto& r = full.get();
  ApigwRequest apigw;
  apigw.method = method;
  apigw.path = rel;
  apigw.query = target->query;
  for (const auto& field : r) apigw.headers.emplace_back(field.name_string(), field.value());
  apigw.body = std::move(r.body());
  apigw.source_ip = source_ip;
  apigw.request_id = id;
  apigw.service_id = service_id(ns, fn);
  bool b64 = wants_base64(route, std::string(r[http::field::content_type]),
                          std::string(r[http::field::accept]));
  invoke::InvocationRequest req;
  req.ns = ns;
  req.function_name = fn;
  req.qualifier = match.entry->trigger.qualifier;
  req.request_id = id;
  req.source = "apigw";
  req.event = apigw_event(apigw, match, b64);
  if (req.event.size() > kMaxGatewayBody + 1024 * 1024) {
    co_return co_await send_reply(stream, gateway_error(413, "the request is larger than the 6 MB event limit", id), ctx);
  }

  if (function->latest.config.async_run_enable) {
    // Async execution: the caller gets the request id at once.
    auto queued = st.async.enqueue(std::move(req), "APIGW");
    if (!queued.ok()) co_return co_await send_reply(stream, rejected_invocation(queued.error(), id), ctx);
    GatewayReply accepted;
    accepted.body = Json{{"requestId", *queued}, {"message", "Async run task submitted"}}.dump();
    co_return co_await send_reply(stream, accepted, ctx);
  }
  GatewayReply reply = co_await run_event_function(st, stream, std::move(req), route);
  co_return co_await send_reply(stream, reply, ctx);
}

Task<void> serve_connection(std::shared_ptr<State> st, std::shared_ptr<beast::tcp_stream> stream) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  auto remote = stream->socket().remote_endpoint(ec);
  const std::string source_ip = ec ? "" : remote.address().to_string();
  for (;;) {
    http::request_parser<http::empty_body> head;
    head.header_limit(64 * 1024);
    head.body_limit(boost::none);  // checked in handle(), to answer 413
    stream->expires_after(std::chrono::seconds(120));  // idle or slow clients
    auto [rec, n] = co_await http::async_read_header(*stream, buffer, head,
                                                     asio::as_tuple(asio::use_awaitable));
    stream->expires_never();
    if (rec) {
      if (rec.category() == http::make_error_code(http::error::bad_target).category() &&
          rec != http::error::end_of_stream) {
        const std::string id = new_request_id();
        ReplyContext ctx;
        ctx.keep_alive = false;
        ctx.headers = common_reply_headers(id, false);
        co_await send_reply(*stream, gateway_error(400, "malformed HTTP request: " + rec.message(), id),
                            ctx);
      }
      break;
    }
    bool again = co_await handle(*st, *stream, buffer, head, source_ip);
    if (!again || st->stopped) break;
  }
  stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

}  // namespace

GatewayServer::GatewayServer(const asio::any_io_executor& ex, GatewayConfig config, store::Store& store,
                             invoke::Invoker& invoker, invoke::AsyncQueue& async,
                             const RouteTable& routes, const Clock& clock)
    : state_(std::make_shared<State>(ex, std::move(config), store, invoker, async, routes, clock)),
      listener_(
          ex,
          [st = state_](std::shared_ptr<beast::tcp_stream> stream) {
            return serve_connection(st, std::move(stream));
          },
          state_->config.max_connections) {}

GatewayServer::~GatewayServer() { stop(); }

void GatewayServer::start() { listener_.start(state_->config.host, state_->config.port); }

void GatewayServer::stop() {
  state_->stopped = true;
  listener_.stop();
}

unsigned short GatewayServer::port() const { return listener_.port(); }

std::string GatewayServer::base_url() const {
  std::string host = state_->config.host;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port()) + "";
}

}  // namespace yunfn::gateway
