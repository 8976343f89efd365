#include "runtime/runtime_channel.h"

#include <unistd.h>

#include "common/json.h"

namespace yunfn::runtime {
namespace {

HttpResponse ok_json() { return make_http_response(http::status::ok, "{}"); }

HttpResponse error_json(http::status s, const std::string& message) {
  return make_http_response(s, Json{{"errorMessage", message}}.dump());
}

// The HTTP server of one channel: no timeouts (an instance may be busy for a
// whole function timeout between two calls); a body over the limit is the
// invocation's result, too large.
HttpServerConfig server_config(const std::weak_ptr<RuntimeChannel>& weak, const std::string& host,
                               size_t max_body) {
  HttpServerConfig c;
  c.host = host;
  c.port = 0;
  c.body_limit = max_body;
  c.max_connections = 64;
  c.too_large_response = [weak] {
    if (auto self = weak.lock()) self->result_too_large();
    return error_json(http::status::payload_too_large, "the posted result is too large");
  };
  return c;
}

}  // namespace

Task<HttpResponse> RuntimeChannel::serve(std::weak_ptr<RuntimeChannel> weak, HttpRequest& req) {
  auto self = weak.lock();  // keeps the channel alive while the request runs
  if (!self) co_return error_json(http::status::gone, "instance is stopping");
  co_return co_await self->handle(req);
}

std::shared_ptr<RuntimeChannel> RuntimeChannel::create(const asio::any_io_executor& ex,
                                                       const std::string& host, size_t max_body) {
  auto channel = std::make_shared<RuntimeChannel>(ex, max_body);
  std::weak_ptr<RuntimeChannel> weak = channel;
  channel->server_ = std::make_unique<HttpServer>(
      ex, server_config(weak, host, max_body), [weak](HttpRequest& req) { return serve(weak, req); });
  channel->server_->start();
  return channel;
}

std::shared_ptr<RuntimeChannel> RuntimeChannel::create_unbound(const asio::any_io_executor& ex,
                                                               size_t max_body,
                                                               unsigned short port) {
  auto channel = std::make_shared<RuntimeChannel>(ex, max_body);
  channel->unbound_port_ = port;
  return channel;
}

void RuntimeChannel::serve_on(int listening_fd) {
  if (aborted_ || server_) {
    ::close(listening_fd);
    return;
  }
  std::weak_ptr<RuntimeChannel> weak = shared_from_this();
  server_ = std::make_unique<HttpServer>(
      ex_, server_config(weak, "", max_body_), [weak](HttpRequest& req) { return serve(weak, req); });
  try {
    server_->start_on(listening_fd);
  } catch (const boost::system::system_error&) {
    abort();  // the instance cannot reach its API: its start fails
  }
}

RuntimeChannel::RuntimeChannel(asio::any_io_executor ex, size_t max_body)
    : ex_(std::move(ex)), max_body_(max_body) {}

// NOLINTNEXTLINE(bugprone-exception-escape): close() stops a server and wakes waiters, no throw
RuntimeChannel::~RuntimeChannel() { close(); }

void RuntimeChannel::close() {
  if (server_) server_->stop();
  abort();
}

Task<InitOutcome> RuntimeChannel::wait_init(const Clock& clock,
                                            asio::steady_timer::time_point deadline,
                                            std::string* init_error) {
  while (!ready_ && !init_error_ && !aborted_) {
    auto waiter = std::make_shared<Signal>(ex_);
    platform_waiter_ = waiter;
    if (!co_await waiter->wait_until(clock, deadline) && !ready_ && !init_error_ && !aborted_) {
      co_return InitOutcome::kTimeout;
    }
  }
  if (ready_) co_return InitOutcome::kReady;
  if (init_error_) {
    *init_error = *init_error_;
    co_return InitOutcome::kInitError;
  }
  co_return InitOutcome::kAborted;
}

void RuntimeChannel::post_event(RuntimeEvent ev) {
  event_ = std::move(ev);
  fetched_ = false;
  result_.reset();
  if (next_waiter_) next_waiter_->notify();
}

Task<RuntimeResult> RuntimeChannel::wait_result(const Clock& clock,
                                                asio::steady_timer::time_point deadline) {
  while (!result_ && !aborted_) {
    auto waiter = std::make_shared<Signal>(ex_);
    platform_waiter_ = waiter;
    if (!co_await waiter->wait_until(clock, deadline) && !result_ && !aborted_) {
      co_return RuntimeResult{ResultKind::kTimeout, ""};
    }
  }
  if (!result_) co_return RuntimeResult{ResultKind::kAborted, ""};
  RuntimeResult r = std::move(*result_);
  result_.reset();
  event_.reset();
  co_return r;
}

void RuntimeChannel::abort() {
  aborted_ = true;
  wake();
  if (next_waiter_) next_waiter_->notify();
}

void RuntimeChannel::wake() {
  if (platform_waiter_) platform_waiter_->notify();
}

Task<HttpResponse> RuntimeChannel::handle(HttpRequest& req) {
  std::string_view target(req.target().data(), req.target().size());
  bool post = req.method() == http::verb::post;
  if (target == "/runtime/invocation/next" && req.method() == http::verb::get) {
    co_return co_await handle_next();
  }
  if (target == "/runtime/invocation/response" && post) {
    co_return handle_result(ResultKind::kResponse, std::move(req.body()));
  }
  if (target == "/runtime/invocation/error" && post) {
    co_return handle_result(ResultKind::kError, std::move(req.body()));
  }
  // The built-in runtimes post a result and ask for the next event in one exchange.
  if ((target == "/runtime/invocation/response/next" || target == "/runtime/invocation/error/next") &&
      post) {
    const auto kind = target.starts_with("/runtime/invocation/error") ? ResultKind::kError
                                                                      : ResultKind::kResponse;
    HttpResponse ack = handle_result(kind, std::move(req.body()));
    if (ack.result() != http::status::ok) co_return ack;
    co_return co_await handle_next();
  }
  if (target == "/runtime/init/ready" && post) {
    ready_ = true;  // only the first call counts; later ones are harmless
    wake();
    co_return ok_json();
  }
  if (target == "/runtime/init/error" && post) {
    if (!ready_ && !init_error_) init_error_ = std::move(req.body());
    wake();
    co_return ok_json();
  }
  co_return error_json(http::status::not_found, "unknown runtime API path");
}

Task<HttpResponse> RuntimeChannel::handle_next() {
  // Init is over once the runtime asks for work, even without init/ready.
  if (!ready_ && !init_error_) {
    ready_ = true;
    wake();
  }
  // Wait for an event that has not been answered yet.
  while ((!event_ || result_) && !aborted_) {
    auto waiter = std::make_shared<Signal>(ex_);
    next_waiter_ = waiter;
    co_await waiter->wait();
  }
  if (aborted_ || !event_) co_return error_json(http::status::gone, "instance is stopping");
  fetched_ = true;
  HttpResponse res = make_http_response(http::status::ok, event_->body);
  res.set("request_id", event_->request_id);
  res.set("memory_limit_in_mb", std::to_string(event_->memory_mb));
  res.set("time_limit_in_ms", std::to_string(event_->timeout_ms));
  co_return res;
}

void RuntimeChannel::result_too_large() {
  if (!event_ || !fetched_ || result_) return;
  result_ = RuntimeResult{ResultKind::kTooLarge, ""};
  wake();
}

HttpResponse RuntimeChannel::handle_result(ResultKind kind, std::string body) {
  if (!event_ || !fetched_) {
    return error_json(http::status::bad_request, "no invocation is running");
  }
  if (result_) return ok_json();  // the first post is final
  result_ = RuntimeResult{kind, std::move(body)};
  wake();
  return ok_json();
}

}  // namespace yunfn::runtime
