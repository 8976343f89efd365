// RuntimeChannel: how the platform talks to one instance's runtime
// (docs/runtime-protocol.md). Custom runtimes get the SCF custom-runtime HTTP
// API: they call init/ready, then long-poll invocation/next and post
// invocation/response or invocation/error. The built-in runtimes exchange the
// same messages as frames (runtime_frames.h) on a socket pair.
// Owned by the instance's Instance object; every call, and the HTTP handler,
// runs on the loop thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/asio.h"
#include "common/clock.h"
#include "common/http_server.h"

namespace yunfn::runtime {

// One event handed to the instance.
struct RuntimeEvent {
  std::string request_id;
  std::string body;  // the event JSON
  int memory_mb = 128;
  int64_t timeout_ms = 3000;
};

enum class InitOutcome { kReady, kInitError, kAborted, kTimeout };
// kTooLarge: the runtime posted a response or error over the channel's body limit.
enum class ResultKind { kResponse, kError, kAborted, kTimeout, kTooLarge };

struct RuntimeResult {
  ResultKind kind = ResultKind::kAborted;
  std::string body;
};

class RuntimeChannel : public std::enable_shared_from_this<RuntimeChannel> {
 public:
  // Listens on host:0 (a port of its own). Request coroutines hold a reference,
  // so the owner calls close() before letting go of it.
  static std::shared_ptr<RuntimeChannel> create(const asio::any_io_executor& ex, const std::string& host,
                                                size_t max_body);
  // A channel that does not listen until serve_on() hands it a socket made
  // elsewhere (inside an isolated instance's network namespace) listening on
  // `port`.
  static std::shared_ptr<RuntimeChannel> create_unbound(const asio::any_io_executor& ex, size_t max_body,
                                                        unsigned short port);
  // Serves the API on listening_fd (ownership passes); closes it instead when
  // the channel is already closed.
  void serve_on(int listening_fd);
  // Speaks frames on `fd` as well, a connected stream socket (ownership
  // passes) whose peer the runtime holds; events then go out as frames.
  void serve_frames(int fd);
  RuntimeChannel(asio::any_io_executor ex, size_t max_body);
  ~RuntimeChannel();  // NOLINT(bugprone-exception-escape): see the definition
  // Stops serving and wakes every waiter with kAborted.
  void close();

  // The port the API listens on.
  unsigned short port() const { return server_ ? server_->port() : unbound_port_; }

  // Waits for init/ready, init/error (body in *init_error), abort() or the deadline.
  Task<InitOutcome> wait_init(const Clock& clock, asio::steady_timer::time_point deadline,
                              std::string* init_error);
  // Hands an event to the instance; it is delivered to the pending or next `next` call.
  void post_event(RuntimeEvent ev);
  // Waits for the result of the posted event, abort() or the deadline.
  Task<RuntimeResult> wait_result(const Clock& clock, asio::steady_timer::time_point deadline);
  // Whether the instance has fetched the posted event (framed: it was sent).
  bool event_fetched() const { return fetched_; }
  // Whether the runtime said it is ending (framed `x`): it must get no further event.
  bool runtime_exiting() const { return exiting_; }
  // Wakes every waiter with kAborted (the process died or is being killed).
  void abort();

  // The runtime posted a result over the body limit (called by its HTTP server).
  void result_too_large();

 private:
  static Task<HttpResponse> serve(std::weak_ptr<RuntimeChannel> weak, HttpRequest& req);
  Task<HttpResponse> handle(HttpRequest& req);
  Task<HttpResponse> handle_next();
  HttpResponse handle_result(ResultKind kind, std::string body);
  // Takes the result of the running invocation; false when none is running.
  bool accept_result(ResultKind kind, std::string body);
  void wake();
  // Framed transport.
  Task<void> read_frames();
  // Handles the complete frames in in_; false on a protocol error.
  bool take_frames();
  bool on_frame(char type, std::string_view payload);
  void send_event();

  asio::any_io_executor ex_;
  std::unique_ptr<HttpServer> server_;
  size_t max_body_;
  unsigned short unbound_port_ = 0;
  std::unique_ptr<asio::local::stream_protocol::socket> framed_;
  std::vector<char> in_;     // received bytes of the framed transport
  size_t in_begin_ = 0;      // first unhandled byte in in_
  size_t in_end_ = 0;        // end of the received bytes
  size_t skip_ = 0;          // bytes of an oversized frame still to drop
  // State of the single event in flight, if any.
  std::optional<RuntimeEvent> event_;
  bool fetched_ = false;
  std::optional<RuntimeResult> result_;
  // Init state.
  bool ready_ = false;
  std::optional<std::string> init_error_;
  bool aborted_ = false;
  bool exiting_ = false;
  // Waiters: the platform side (init/result) and the instance side (next).
  std::shared_ptr<Signal> platform_waiter_;
  std::shared_ptr<Signal> next_waiter_;
};

}  // namespace yunfn::runtime
