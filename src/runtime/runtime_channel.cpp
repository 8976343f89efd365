#include "runtime/runtime_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/json.h"
#include "runtime/runtime_frames.h"

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

void RuntimeChannel::serve_frames(int fd) {
  framed_ = std::make_unique<asio::local::stream_protocol::socket>(ex_);
  boost::system::error_code ec;
  framed_->assign(asio::local::stream_protocol(), fd, ec);
  if (!ec) framed_->non_blocking(true, ec);
  if (ec || aborted_) {
    if (!framed_->is_open()) ::close(fd);
    close();
    return;
  }
  asio::co_spawn(ex_, read_frames(), Detached{"runtime channel reader"});
}

RuntimeChannel::RuntimeChannel(asio::any_io_executor ex, size_t max_body)
    : ex_(std::move(ex)), max_body_(max_body) {}

// NOLINTNEXTLINE(bugprone-exception-escape): close() stops a server and wakes waiters, no throw
RuntimeChannel::~RuntimeChannel() { close(); }

void RuntimeChannel::close() {
  if (server_) server_->stop();
  if (framed_) {
    boost::system::error_code ec;
    framed_->close(ec);
  }
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
  if (framed_) send_event();
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
  if (!accept_result(kind, std::move(body))) {
    return error_json(http::status::bad_request, "no invocation is running");
  }
  return ok_json();
}

bool RuntimeChannel::accept_result(ResultKind kind, std::string body) {
  if (!event_ || !fetched_) return false;
  if (result_) return true;  // the first post is final
  result_ = RuntimeResult{kind, std::move(body)};
  wake();
  return true;
}

// The framed transport: an event is written as soon as it is posted (the
// runtime waits in a read for it); results and init messages arrive as frames.

void RuntimeChannel::send_event() {
  auto frame = std::make_shared<std::string>(
      frames::event(event_->request_id, event_->memory_mb, event_->timeout_ms, event_->body));
  fetched_ = true;
  // Usually the whole frame fits the socket buffer: one send, no pending operation.
  ssize_t n = ::send(framed_->native_handle(), frame->data(), frame->size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(frame->size())) return;
  if (n < 0 && errno != EAGAIN && errno != EINTR) {
    abort();
    return;
  }
  const size_t sent = n > 0 ? static_cast<size_t>(n) : 0;
  asio::async_write(*framed_, asio::buffer(frame->data() + sent, frame->size() - sent),
                    [self = shared_from_this(), frame](boost::system::error_code ec, size_t) {
                      if (ec) self->abort();
                    });
}

Task<void> RuntimeChannel::read_frames() {
  auto self = shared_from_this();
  constexpr size_t kReadBytes = 64 * 1024;
  for (;;) {
    if (in_.size() - in_end_ < kReadBytes) {
      // Keep the unhandled bytes at the front, then make room for one read.
      std::copy(in_.begin() + static_cast<ptrdiff_t>(in_begin_),
                in_.begin() + static_cast<ptrdiff_t>(in_end_), in_.begin());
      in_end_ -= in_begin_;
      in_begin_ = 0;
      if (in_.size() - in_end_ < kReadBytes) in_.resize(in_end_ + kReadBytes);
    }
    auto [ec, n] = co_await framed_->async_read_some(
        asio::buffer(in_.data() + in_end_, in_.size() - in_end_), asio::as_tuple(asio::use_awaitable));
    if (ec) break;  // the runtime is exiting, or the channel was closed
    in_end_ += n;
    if (!take_frames()) break;
  }
  // The runtime exits when its channel closes; its exit (which says how it
  // ended: a crash, the memory limit) aborts the invocation, not the EOF.
  boost::system::error_code ignored;
  framed_->close(ignored);
}

bool RuntimeChannel::take_frames() {
  for (;;) {
    if (skip_ > 0) {
      size_t dropped = std::min(skip_, in_end_ - in_begin_);
      skip_ -= dropped;
      in_begin_ += dropped;
      if (skip_ > 0) return true;
    }
    const size_t available = in_end_ - in_begin_;
    if (available < frames::kHeaderBytes) return true;
    const uint32_t size = frames::announced_size(in_.data() + in_begin_);
    if (size == 0) return false;
    if (size > max_body_) {  // dropped as it arrives; the invocation's result is too large
      in_begin_ += frames::kHeaderBytes;
      skip_ = size;
      result_too_large();
      continue;
    }
    if (available < frames::kHeaderBytes + size) {
      // Grow so the whole frame fits once the bytes before it are moved out.
      if (in_.size() < frames::kHeaderBytes + size) in_.resize(frames::kHeaderBytes + size);
      return true;
    }
    const char* frame = in_.data() + in_begin_ + frames::kHeaderBytes;
    in_begin_ += frames::kHeaderBytes + size;
    if (!on_frame(frame[0], std::string_view(frame + 1, size - 1))) return false;
  }
}

bool RuntimeChannel::on_frame(char type, std::string_view payload) {
  switch (type) {
    case frames::kInitReady:
      ready_ = true;
      wake();
      return true;
    case frames::kInitError:
      if (!ready_ && !init_error_) init_error_ = std::string(payload);
      wake();
      return true;
    case frames::kResponse:
      return accept_result(ResultKind::kResponse, std::string(payload));
    case frames::kError:
      return accept_result(ResultKind::kError, std::string(payload));
    case frames::kExiting:
      exiting_ = true;
      return false;  // nothing more to read
    default:
      return false;  // not the protocol: the instance is ended
  }
}

}  // namespace yunfn::runtime
