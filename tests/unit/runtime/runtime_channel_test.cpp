// Tests for RuntimeChannel (runtime/runtime_channel.h) over real HTTP on
// loopback: the channel runs on an io_context thread of its own, as on the
// server's loop, and the test plays the instance with a small blocking Beast
// client, one connection per request like the language bootstraps.
#include "runtime/runtime_channel.h"
#include "runtime/runtime_frames.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <string>
#include <thread>

namespace yunfn::runtime {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// One io_context run by a background thread: the channel's loop thread.
class LoopThread {
 public:
  LoopThread() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~LoopThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }

  asio::any_io_executor executor() { return io_.get_executor(); }

  // Runs f on the loop thread and returns its result.
  template <typename F>
  auto call(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // Starts the coroutine made by `make` on the loop thread.
  template <typename T>
  std::future<T> spawn(std::function<Task<T>()> make) {
    return asio::co_spawn(io_, std::move(make), asio::use_future);
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

struct HttpReply {
  int status = 0;  // 0: no response (connection failed or closed)
  std::string body;
  std::map<std::string, std::string> headers;
  std::string error;
};

// One blocking HTTP/1.1 request to 127.0.0.1:port on a fresh connection.
HttpReply http_call(unsigned short port, http::verb verb, const std::string& target,
                    const std::string& body = "") {
  HttpReply out;
  asio::io_context ctx;
  asio::ip::tcp::socket sock(ctx);
  boost::system::error_code ec;
  sock.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    out.error = "connect: " + ec.message();
    return out;
  }
  timeval tv{15, 0};  // a hung channel fails the test instead of hanging it
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  HttpRequest req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.body() = body;
  req.prepare_payload();
  http::write(sock, req, ec);
  if (ec) {
    out.error = "write: " + ec.message();
    return out;
  }
  beast::flat_buffer buffer;
  HttpResponse res;
  http::read(sock, buffer, res, ec);
  if (ec) {
    out.error = "read: " + ec.message();
    return out;
  }
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& field : res) out.headers[std::string(field.name_string())] = field.value();
  return out;
}

class RuntimeChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    channel_ = loop_.call([this] {
      return RuntimeChannel::create(loop_.executor(), "127.0.0.1", 1024 * 1024);
    });
    port_ = channel_->port();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    loop_.call([this] {
      channel_->close();
      channel_.reset();
      return 0;
    });
  }

  HttpReply get(const std::string& target) { return http_call(port_, http::verb::get, target); }
  HttpReply post(const std::string& target, const std::string& body = "") {
    return http_call(port_, http::verb::post, target, body);
  }
  std::future<HttpReply> async_next() {
    return std::async(std::launch::async, [this] { return get("/runtime/invocation/next"); });
  }

  struct InitResult {
    InitOutcome outcome;
    std::string error;
  };
  std::future<InitResult> wait_init(steady::duration timeout) {
    auto ch = channel_;
    auto deadline = steady::now() + timeout;
    return loop_.spawn<InitResult>([ch, deadline]() -> Task<InitResult> {
      std::string error;
      auto outcome = co_await ch->wait_init(Clock::system(), deadline, &error);
      co_return InitResult{outcome, error};
    });
  }
  std::future<RuntimeResult> wait_result(steady::duration timeout) {
    auto ch = channel_;
    auto deadline = steady::now() + timeout;
    return loop_.spawn<RuntimeResult>(
        [ch, deadline]() -> Task<RuntimeResult> { co_return co_await ch->wait_result(Clock::system(), deadline); });
  }
  void post_event(const std::string& request_id, const std::string& body, int memory_mb = 128,
                  int64_t timeout_ms = 3000) {
    loop_.call([&] {
      channel_->post_event({request_id, body, memory_mb, timeout_ms});
      return 0;
    });
  }
  bool event_fetched() {
    return loop_.call([this] { return channel_->event_fetched(); });
  }
  // Posts an event and fetches it as the instance would.
  HttpReply deliver(const std::string& request_id, const std::string& body) {
    post_event(request_id, body);
    return get("/runtime/invocation/next");
  }

  LoopThread loop_;
  std::shared_ptr<RuntimeChannel> channel_;
  unsigned short port_ = 0;
};

template <typename T>
bool is_pending(std::future<T>& f, steady::duration d = 150ms) {
  return f.wait_for(d) == std::future_status::timeout;
}

// ---------------------------------------------------------------------------
// Init
// ---------------------------------------------------------------------------

TEST_F(RuntimeChannelTest, InitReadyBeforeWaitIsReady) {
  auto r = post("/runtime/init/ready", "{}");
  EXPECT_EQ(r.status, 200) << r.error;
  auto init = wait_init(5s);
  ASSERT_EQ(init.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(init.get().outcome, InitOutcome::kReady);
}

TEST_F(RuntimeChannelTest, WaitInitWakesOnReady) {
  auto init = wait_init(10s);
  EXPECT_TRUE(is_pending(init));
  auto started = steady::now();
  EXPECT_EQ(post("/runtime/init/ready").status, 200);
  ASSERT_EQ(init.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(init.get().outcome, InitOutcome::kReady);
  EXPECT_LT(steady::now() - started, 2s);
}

TEST_F(RuntimeChannelTest, InitErrorCarriesTheBodyAndTheFirstOneCounts) {
  auto init = wait_init(10s);
  EXPECT_TRUE(is_pending(init));
  const std::string body = R"({"errorType":"ImportError","errorMessage":"no module x"})";
  EXPECT_EQ(post("/runtime/init/error", body).status, 200);
  ASSERT_EQ(init.wait_for(5s), std::future_status::ready);
  auto r = init.get();
  EXPECT_EQ(r.outcome, InitOutcome::kInitError);
  EXPECT_EQ(r.error, body);

  EXPECT_EQ(post("/runtime/init/error", "second").status, 200);
  auto again = wait_init(1s).get();
  EXPECT_EQ(again.outcome, InitOutcome::kInitError);
  EXPECT_EQ(again.error, body);
}

TEST_F(RuntimeChannelTest, WaitInitTimesOut) {
  auto started = steady::now();
  auto init = wait_init(200ms);
  ASSERT_EQ(init.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(init.get().outcome, InitOutcome::kTimeout);
  auto waited = steady::now() - started;
  EXPECT_GE(waited, 190ms);
  EXPECT_LT(waited, 3s);
}

TEST_F(RuntimeChannelTest, AskingForWorkEndsInitWithoutReady) {
  auto init = wait_init(10s);
  auto next = async_next();
  ASSERT_EQ(init.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(init.get().outcome, InitOutcome::kReady);
  post_event("req-0", "{}");  // lets the pending next finish
  EXPECT_EQ(next.get().status, 200);
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

TEST_F(RuntimeChannelTest, NextLongPollsUntilAnEventIsPosted) {
  auto next = async_next();
  EXPECT_TRUE(is_pending(next, 300ms));
  EXPECT_FALSE(event_fetched());
  post_event("req-1", R"({"key":"value"})", 256, 4500);
  ASSERT_EQ(next.wait_for(5s), std::future_status::ready);
  auto r = next.get();
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, R"({"key":"value"})");
  EXPECT_EQ(r.headers["request_id"], "req-1");
  EXPECT_EQ(r.headers["memory_limit_in_mb"], "256");
  EXPECT_EQ(r.headers["time_limit_in_ms"], "4500");
  EXPECT_TRUE(event_fetched());
}

TEST_F(RuntimeChannelTest, EventPostedBeforeNextIsDeliveredAtOnce) {
  post_event("req-2", "[1,2,3]");
  EXPECT_FALSE(event_fetched());
  auto r = get("/runtime/invocation/next");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[1,2,3]");
  EXPECT_EQ(r.headers["request_id"], "req-2");
  EXPECT_TRUE(event_fetched());
}

TEST_F(RuntimeChannelTest, RepeatedNextDuringAnInvocationReturnsTheSameEvent) {
  auto first = deliver("req-3", R"({"n":3})");
  ASSERT_EQ(first.status, 200);
  auto started = steady::now();
  auto second = get("/runtime/invocation/next");
  EXPECT_LT(steady::now() - started, 2s);  // answered at once, not long-polled
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.headers["request_id"], "req-3");
  EXPECT_EQ(second.body, R"({"n":3})");
}

TEST_F(RuntimeChannelTest, ResponseIsRecordedAndOnlyTheFirstPostCounts) {
  ASSERT_EQ(deliver("req-4", "{}").status, 200);
  auto result = wait_result(10s);
  EXPECT_TRUE(is_pending(result));
  EXPECT_EQ(post("/runtime/invocation/response", R"({"answer":42})").status, 200);
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  auto r = result.get();
  EXPECT_EQ(r.kind, ResultKind::kResponse);
  EXPECT_EQ(r.body, R"({"answer":42})");
}

TEST_F(RuntimeChannelTest, LaterPostsDoNotReplaceTheFirstResult) {
  ASSERT_EQ(deliver("req-5", "{}").status, 200);
  EXPECT_EQ(post("/runtime/invocation/response", "first").status, 200);
  EXPECT_EQ(post("/runtime/invocation/response", "second").status, 200);
  EXPECT_EQ(post("/runtime/invocation/error", "late error").status, 200);
  auto r = wait_result(5s).get();
  EXPECT_EQ(r.kind, ResultKind::kResponse);
  EXPECT_EQ(r.body, "first");
}

TEST_F(RuntimeChannelTest, ErrorIsRecorded) {
  ASSERT_EQ(deliver("req-6", "{}").status, 200);
  const std::string body = R"({"errorMessage":"boom","errorType":"ValueError"})";
  EXPECT_EQ(post("/runtime/invocation/error", body).status, 200);
  EXPECT_EQ(post("/runtime/invocation/response", "too late").status, 200);
  auto r = wait_result(5s).get();
  EXPECT_EQ(r.kind, ResultKind::kError);
  EXPECT_EQ(r.body, body);
}

TEST_F(RuntimeChannelTest, PostWithoutAnInvocationIsBadRequest) {
  EXPECT_EQ(post("/runtime/invocation/response", "x").status, 400);
  EXPECT_EQ(post("/runtime/invocation/error", "x").status, 400);
  // Posted but not yet fetched by the instance: still no invocation to answer.
  post_event("req-7", "{}");
  auto early = post("/runtime/invocation/response", "x");
  EXPECT_EQ(early.status, 400);
  EXPECT_NE(early.body.find("errorMessage"), std::string::npos);
  // Once the platform took the result, the invocation is over.
  ASSERT_EQ(get("/runtime/invocation/next").status, 200);
  EXPECT_EQ(post("/runtime/invocation/response", "ok").status, 200);
  EXPECT_EQ(wait_result(5s).get().body, "ok");
  EXPECT_EQ(post("/runtime/invocation/response", "again").status, 400);
}

TEST_F(RuntimeChannelTest, WaitResultTimesOut) {
  ASSERT_EQ(deliver("req-8", "{}").status, 200);
  auto started = steady::now();
  auto result = wait_result(200ms);
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(result.get().kind, ResultKind::kTimeout);
  EXPECT_GE(steady::now() - started, 190ms);
}

TEST_F(RuntimeChannelTest, NextAfterAResponseWaitsForANewEvent) {
  ASSERT_EQ(deliver("req-9", "{\"n\":1}").status, 200);
  ASSERT_EQ(post("/runtime/invocation/response", "one").status, 200);
  auto next = async_next();
  EXPECT_TRUE(is_pending(next, 300ms));  // the answered event is not handed out again
  EXPECT_EQ(wait_result(5s).get().body, "one");
  post_event("req-10", "{\"n\":2}");
  ASSERT_EQ(next.wait_for(5s), std::future_status::ready);
  auto r = next.get();
  EXPECT_EQ(r.headers["request_id"], "req-10");
  EXPECT_EQ(r.body, "{\"n\":2}");
}

TEST_F(RuntimeChannelTest, SequentialInvocationsEachGetTheirOwnResult) {
  for (int i = 0; i < 5; ++i) {
    std::string id = "seq-" + std::to_string(i);
    auto ev = deliver(id, std::to_string(i));
    ASSERT_EQ(ev.headers["request_id"], id);
    ASSERT_EQ(post("/runtime/invocation/response", "r" + std::to_string(i)).status, 200);
    auto r = wait_result(5s).get();
    EXPECT_EQ(r.kind, ResultKind::kResponse);
    EXPECT_EQ(r.body, "r" + std::to_string(i));
  }
}

TEST_F(RuntimeChannelTest, UnknownPathsAndMethodsAreNotFound) {
  EXPECT_EQ(get("/runtime/unknown").status, 404);
  EXPECT_EQ(get("/runtime/init/ready").status, 404);  // POST only
  EXPECT_EQ(post("/runtime/invocation/next").status, 404);  // GET only
  EXPECT_EQ(get("/").status, 404);
}

// ---------------------------------------------------------------------------
// close()
// ---------------------------------------------------------------------------

TEST_F(RuntimeChannelTest, CloseAbortsAPendingInit) {
  auto init = wait_init(30s);
  EXPECT_TRUE(is_pending(init));
  loop_.call([this] {
    channel_->close();
    return 0;
  });
  ASSERT_EQ(init.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(init.get().outcome, InitOutcome::kAborted);
}

TEST_F(RuntimeChannelTest, CloseWakesResultWaitersAndFailsAPendingNext) {
  ASSERT_EQ(post("/runtime/init/ready").status, 200);
  auto next = async_next();
  auto result = wait_result(30s);
  EXPECT_TRUE(is_pending(next));
  EXPECT_TRUE(is_pending(result, 10ms));
  loop_.call([this] {
    channel_->close();
    return 0;
  });
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(result.get().kind, ResultKind::kAborted);
  ASSERT_EQ(next.wait_for(5s), std::future_status::ready);
  auto r = next.get();
  EXPECT_NE(r.status, 200) << "a pending next must not succeed after close: " << r.body;
  // Nothing is served any more, and later waits end at once.
  EXPECT_NE(get("/runtime/invocation/next").status, 200);
  auto late = wait_result(30s);
  ASSERT_EQ(late.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(late.get().kind, ResultKind::kAborted);
}

TEST_F(RuntimeChannelTest, CloseDuringAnInvocationAbortsIt) {
  ASSERT_EQ(deliver("req-11", "{}").status, 200);
  auto result = wait_result(30s);
  EXPECT_TRUE(is_pending(result));
  loop_.call([this] {
    channel_->abort();
    return 0;
  });
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(result.get().kind, ResultKind::kAborted);
}

// ---------------------------------------------------------------------------
// Framed channel: the built-in runtimes' frames on a socket pair
// ---------------------------------------------------------------------------

// The test holds the runtime's end of the pair and speaks frames on it.
class FramedChannelTest : public ::testing::Test {
 protected:
  static constexpr size_t kMaxBody = 1024;

  void SetUp() override {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    runtime_end_ = pair[1];
    timeval tv{15, 0};  // a hung channel fails the test instead of hanging it
    ::setsockopt(runtime_end_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    channel_ = loop_.call([&] {
      auto channel = RuntimeChannel::create_unbound(loop_.executor(), kMaxBody, 0);
      channel->serve_frames(pair[0]);
      return channel;
    });
  }
  void TearDown() override {
    loop_.call([this] {
      channel_->close();
      channel_.reset();
      return 0;
    });
    if (runtime_end_ >= 0) ::close(runtime_end_);
  }

  void send_frame(char type, const std::string& payload) {
    std::string out;
    frames::append(out, type, payload);
    ASSERT_EQ(::send(runtime_end_, out.data(), out.size(), MSG_NOSIGNAL), static_cast<ssize_t>(out.size()));
  }
  void send_raw(const std::string& bytes) {
    ASSERT_EQ(::send(runtime_end_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // Reads one frame as the runtime would: its type byte and payload ("" on EOF).
  std::string read_frame() {
    std::string header = read_exactly(frames::kHeaderBytes);
    if (header.size() != frames::kHeaderBytes) return "";
    return read_exactly(frames::announced_size(header.data()));
  }
  std::string read_exactly(size_t n) {
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::recv(runtime_end_, out.data() + got, n - got, 0);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    out.resize(got);
    return out;
  }
  std::future<InitOutcome> wait_init(steady::duration timeout) {
    auto ch = channel_;
    auto deadline = steady::now() + timeout;
    return loop_.spawn<InitOutcome>([ch, deadline]() -> Task<InitOutcome> {
      std::string error;
      co_return co_await ch->wait_init(Clock::system(), deadline, &error);
    });
  }
  std::future<RuntimeResult> wait_result(steady::duration timeout) {
    auto ch = channel_;
    auto deadline = steady::now() + timeout;
    return loop_.spawn<RuntimeResult>(
        [ch, deadline]() -> Task<RuntimeResult> { co_return co_await ch->wait_result(Clock::system(), deadline); });
  }
  void post_event(const std::string& request_id, const std::string& body) {
    loop_.call([&] {
      channel_->post_event({request_id, body, 256, 4500});
      return 0;
    });
  }

  LoopThread loop_;
  std::shared_ptr<RuntimeChannel> channel_;
  int runtime_end_ = -1;
};

TEST_F(FramedChannelTest, ReadyFrameEndsInit) {
  auto init = wait_init(10s);
  EXPECT_TRUE(is_pending(init));
  send_frame(frames::kInitReady, "");
  ASSERT_EQ(init.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(init.get(), InitOutcome::kReady);
}

TEST_F(FramedChannelTest, InitErrorFrameCarriesItsPayload) {
  auto ch = channel_;
  auto init = loop_.spawn<std::string>([ch]() -> Task<std::string> {
    std::string error;
    auto outcome = co_await ch->wait_init(Clock::system(), steady::now() + 10s, &error);
    co_return outcome == InitOutcome::kInitError ? error : "outcome " + std::to_string(static_cast<int>(outcome));
  });
  send_frame(frames::kInitError, R"({"errorType":"ImportError"})");
  ASSERT_EQ(init.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(init.get(), R"({"errorType":"ImportError"})");
}

TEST_F(FramedChannelTest, AnEventGoesOutAsOneFrameAndTheResultFrameAnswersIt) {
  send_frame(frames::kInitReady, "");
  post_event("req-1", R"({"k":"v"})");
  EXPECT_EQ(read_frame(), "Nreq-1\n256\n4500\n{\"k\":\"v\"}");
  auto result = wait_result(10s);
  EXPECT_TRUE(is_pending(result));
  // Sent in two pieces: the channel waits for the whole frame.
  std::string frame;
  frames::append(frame, frames::kResponse, "\"done\"");
  send_raw(frame.substr(0, 3));
  EXPECT_TRUE(is_pending(result));
  send_raw(frame.substr(3));
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  auto r = result.get();
  EXPECT_EQ(r.kind, ResultKind::kResponse);
  EXPECT_EQ(r.body, "\"done\"");
}

TEST_F(FramedChannelTest, AnErrorFrameIsTheInvocationsError) {
  post_event("req-2", "{}");
  EXPECT_EQ(read_frame().substr(0, 6), "Nreq-2");
  send_frame(frames::kError, R"({"errorMessage":"boom"})");
  auto r = wait_result(5s).get();
  EXPECT_EQ(r.kind, ResultKind::kError);
  EXPECT_EQ(r.body, R"({"errorMessage":"boom"})");
}

TEST_F(FramedChannelTest, AResultOverTheLimitIsTooLargeAndTheChannelGoesOn) {
  post_event("req-3", "{}");
  read_frame();
  send_frame(frames::kResponse, std::string(kMaxBody + 10, 'x'));
  auto r = wait_result(5s).get();
  EXPECT_EQ(r.kind, ResultKind::kTooLarge);
  // The oversized frame was dropped whole: the next invocation works.
  post_event("req-4", "{}");
  EXPECT_EQ(read_frame().substr(0, 6), "Nreq-4");
  send_frame(frames::kResponse, "1");
  auto next = wait_result(5s).get();
  EXPECT_EQ(next.kind, ResultKind::kResponse);
  EXPECT_EQ(next.body, "1");
}

// The process's exit, seen by the instance, ends the invocation (and says
// how it ended); the EOF before it does not.
TEST_F(FramedChannelTest, TheRuntimeClosingItsEndLeavesTheEndToTheProcessExit) {
  post_event("req-5", "{}");
  read_frame();
  auto result = wait_result(30s);
  ::close(std::exchange(runtime_end_, -1));
  EXPECT_TRUE(is_pending(result, 300ms));
  loop_.call([this] {
    channel_->abort();  // what the instance's exit watcher does
    return 0;
  });
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(result.get().kind, ResultKind::kAborted);
}

TEST_F(FramedChannelTest, AFrameOutsideTheProtocolClosesTheChannelSoTheRuntimeExits) {
  post_event("req-6", "{}");
  read_frame();
  auto result = wait_result(30s);
  send_frame('?', "");
  EXPECT_EQ(read_frame(), "");  // the platform closed its end
  EXPECT_TRUE(is_pending(result, 100ms));
}

// A last result and the exiting frame in one write: the result counts, and the
// channel says the runtime is ending before anyone can hand it another event.
TEST_F(FramedChannelTest, AnExitingFrameAfterTheResultMarksTheRuntimeAsEnding) {
  post_event("req-7", "{}");
  read_frame();
  auto result = wait_result(5s);
  std::string last;
  frames::append(last, frames::kError, R"({"errorType":"FatalError"})");
  frames::append(last, frames::kExiting, "");
  send_raw(last);
  auto r = result.get();
  EXPECT_EQ(r.kind, ResultKind::kError);
  EXPECT_EQ(r.body, R"({"errorType":"FatalError"})");
  EXPECT_TRUE(loop_.call([this] { return channel_->runtime_exiting(); }));
  EXPECT_EQ(read_frame(), "");  // the platform closed its end
}

TEST_F(FramedChannelTest, ClosingTheChannelClosesTheRuntimesEnd) {
  loop_.call([this] {
    channel_->close();
    return 0;
  });
  EXPECT_EQ(read_frame(), "");
}

}  // namespace
}  // namespace yunfn::runtime
