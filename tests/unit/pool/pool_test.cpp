// Tests for Pool (pool/pool.h) with real instance processes: a tiny custom
// runtime (a Python `bootstrap` speaking the runtime API with urllib) started
// through the process sandbox and `yunfn sandbox-init`, as the server runs it.
// The pool lives on an io_context thread of its own, like the server's loop.
#include "pool/pool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "common/json.h"
#include "pool/runtime_command.h"

namespace yunfn::pool {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// The yunfn binary that provides `sandbox-init`: $YUNFN_BIN, else the one
// CMake built next to this test.
fs::path yunfn_binary() {
  if (const char* env = std::getenv("YUNFN_BIN"); env && *env) return env;
  return YUNFN_BIN_PATH;
}

// A custom runtime driven by the event: {"action": "echo" | "crash" | "sleep" |
// "fail", "seconds": N}. TEST_INIT in the environment selects the init
// behaviour: ok, exit (dies before ready), error (init/error), hang.
constexpr const char* kBootstrapBody = R"PY(
import json, os, sys, time, urllib.request

API = "http://%s:%s/runtime/" % (os.environ["SCF_RUNTIME_API"], os.environ["SCF_RUNTIME_API_PORT"])

def post(path, body):
    req = urllib.request.Request(API + path, data=body, method="POST")
    urllib.request.urlopen(req).read()

mode = os.environ.get("TEST_INIT", "ok")
print("init mode", mode, flush=True)
if mode == "exit":
    sys.exit(3)
if mode == "error":
    post("init/error", json.dumps({"errorType": "BootError", "errorMessage": "bad config"}).encode())
    time.sleep(60)
if mode == "hang":
    time.sleep(60)
post("init/ready", b"")
while True:
    with urllib.request.urlopen(API + "invocation/next") as r:
        rid = r.headers["request_id"]
        event = json.loads(r.read() or b"{}")
    action = event.get("action", "echo")
    print("handling", rid, action, flush=True)
    if action == "crash":
        os._exit(7)
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "fail":
        post("invocation/error", json.dumps({"errorMessage": "failed on purpose"}).encode())
        continue
    post("invocation/response", json.dumps({"pid": os.getpid(), "request_id": rid}).encode())
)PY";

// One io_context run by a background thread: the pool's loop thread.
class LoopThread {
 public:
  LoopThread() : guard_(asio::make_work_guard(io_)) {
    thread_ = std::thread([this] {
      io_.run();
      done_.set_value();
    });
  }
  ~LoopThread() {
    // Lets the loop finish its remaining work (exit watchers, output readers),
    // and stops it if that does not happen promptly.
    guard_.reset();
    if (done_future_.wait_for(10s) != std::future_status::ready) io_.stop();
    thread_.join();
  }

  asio::any_io_executor executor() { return io_.get_executor(); }

  template <typename F>
  auto call(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  template <typename T>
  std::future<T> spawn(std::function<Task<T>()> make) {
    return asio::co_spawn(io_, std::move(make), asio::use_future);
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::promise<void> done_;
  std::future<void> done_future_ = done_.get_future();
  std::thread thread_;
};

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Waits until the process no longer exists (killed and reaped).
bool wait_gone(pid_t pid, steady::duration timeout = 10s) {
  auto deadline = steady::now() + timeout;
  while (steady::now() < deadline) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return process_gone(pid);
}

struct Acquired {
  std::optional<Lease> lease;
  Error error;
  InitFailure failure;
};

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = yunfn_binary();
    if (!fs::exists(bin_)) GTEST_SKIP() << "yunfn binary not found at " << bin_;
    python_ = find_runtime_paths("").python3;
    if (python_.empty()) GTEST_SKIP() << "python3 is not installed";

    std::string templ = (fs::temp_directory_path() / "yunfn-pool-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    code_dir_ = templ;
    fs::path bootstrap = code_dir_ / "bootstrap";
    std::ofstream(bootstrap) << "#!" << python_ << "\n" << kBootstrapBody;
    fs::permissions(bootstrap, fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);

    sandbox::ProcessSandboxConfig config;
    config.self_exe = bin_;
    config.use_cgroups = false;  // plain child processes: no cgroup set-up needed
    sandbox_ = sandbox::make_process_sandbox(config);
    loop_.emplace();
  }

  void TearDown() override {
    if (pool_) {
      auto pids = loop_->call([this] {
        auto p = pool_->instance_pids();
        pool_->stop_all();
        return p;
      });
      for (pid_t pid : pids) EXPECT_TRUE(wait_gone(pid)) << "instance " << pid << " survived";
      loop_->call([this] {
        pool_.reset();
        return 0;
      });
    }
    loop_.reset();
    std::error_code ec;
    if (!code_dir_.empty()) fs::remove_all(code_dir_, ec);
  }

  InstanceSpec make_spec() {
    InstanceSpec spec;
    spec.ns = "default";
    spec.function_name = "pool-test";
    spec.version = "$LATEST";
    spec.runtime = "CustomRuntime";
    spec.handler = "index.handler";
    spec.timeout_s = 3;
    spec.init_timeout_s = 10;
    spec.code_dir = code_dir_;
    auto cmd = runtime_command(find_runtime_paths(""), "CustomRuntime", code_dir_, "");
    EXPECT_TRUE(cmd.ok()) << (cmd.ok() ? "" : cmd.error().message);
    if (cmd.ok()) {
      spec.argv = cmd->argv;
      spec.extra_env = cmd->extra_env;
    }
    return spec;
  }

  void make_pool(InstanceSpec spec) {
    limiter_.emplace(ScaleLimiterConfig{}, steady::now());
    pool_ = loop_->call([&] {
      return std::make_shared<Pool>(loop_->executor(), *sandbox_, Clock::system(), *limiter_, 1000ms,
                                    asio::any_io_executor{},
                                    std::move(spec));
    });
  }
  void make_pool() { make_pool(make_spec()); }

  Acquired acquire() {
    auto pool = pool_;
    auto f = loop_->spawn<Acquired>([pool]() -> Task<Acquired> {
      Acquired out;
      auto r = co_await pool->acquire(&out.failure);
      if (r.ok()) {
        out.lease = std::move(r).value();
      } else {
        out.error = r.error();
      }
      co_return out;
    });
    EXPECT_EQ(f.wait_for(30s), std::future_status::ready);
    return f.get();
  }

  // Acquires, failing the test unless an instance was leased.
  Lease lease() {
    auto a = acquire();
    EXPECT_TRUE(a.lease.has_value()) << a.error.code << ": " << a.failure.message << "\n"
                                     << a.failure.log;
    return a.lease.value_or(Lease{});
  }

  InvokeOutcome invoke(const std::shared_ptr<Instance>& inst, const Json& event,
                       const std::string& request_id = "req") {
    if (!inst) {
      ADD_FAILURE() << "no instance to invoke";
      return {};
    }
    auto f = loop_->spawn<InvokeOutcome>([inst, event, request_id]() -> Task<InvokeOutcome> {
      co_return co_await inst->invoke(request_id, event.dump());
    });
    EXPECT_EQ(f.wait_for(30s), std::future_status::ready);
    return f.get();
  }

  // The pid the echo action reports (the instance's own process).
  pid_t echo_pid(const std::shared_ptr<Instance>& inst, const std::string& request_id = "req") {
    auto out = invoke(inst, {{"action", "echo"}}, request_id);
    EXPECT_EQ(out.status_code, 200) << out.err_msg << " " << out.ret_msg;
    auto j = Json::parse(out.ret_msg, nullptr, false);
    if (!j.is_object()) return 0;
    EXPECT_EQ(j.value("request_id", ""), request_id);
    return j.value("pid", 0);
  }

  void release(const std::shared_ptr<Instance>& inst) {
    loop_->call([&] {
      pool_->release(inst);
      return 0;
    });
  }
  size_t idle() {
    return loop_->call([this] { return pool_->idle_count(); });
  }
  size_t busy() {
    return loop_->call([this] { return pool_->busy_count(); });
  }
  Instance::State state(const std::shared_ptr<Instance>& inst) {
    return loop_->call([&] { return inst->state(); });
  }
  // Waits until the pool holds `n` idle instances.
  bool wait_idle(size_t n, steady::duration timeout = 10s) {
    auto deadline = steady::now() + timeout;
    while (steady::now() < deadline) {
      if (idle() == n) return true;
      std::this_thread::sleep_for(20ms);
    }
    return idle() == n;
  }

  fs::path bin_;
  std::string python_;
  fs::path code_dir_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::optional<LoopThread> loop_;
  std::optional<ScaleLimiter> limiter_;
  std::shared_ptr<Pool> pool_;
};

// ---------------------------------------------------------------------------
// Reuse
// ---------------------------------------------------------------------------

TEST_F(PoolTest, ColdStartThenWarmReuseOfTheSameInstance) {
  make_pool();
  auto cold = lease();
  ASSERT_TRUE(cold.instance);
  EXPECT_TRUE(cold.cold_start);
  EXPECT_GT(cold.init_duration_ms, 0);
  EXPECT_EQ(busy(), 1u);
  EXPECT_EQ(idle(), 0u);

  auto first = invoke(cold.instance, {{"action", "echo"}}, "req-cold");
  ASSERT_EQ(first.status_code, 200) << first.err_msg;
  pid_t pid = Json::parse(first.ret_msg).value("pid", 0);
  EXPECT_EQ(pid, loop_->call([&] { return cold.instance->pid(); }));
  // The init output comes with the first invocation, the handler's own output in its log.
  EXPECT_NE((first.init_log + first.log).find("init mode ok"), std::string::npos);
  EXPECT_NE(first.log.find("handling req-cold echo"), std::string::npos) << first.log;
  EXPECT_GT(first.duration_ms, 0);

  release(cold.instance);
  EXPECT_EQ(idle(), 1u);
  EXPECT_EQ(busy(), 0u);
  EXPECT_EQ(state(cold.instance), Instance::State::kIdle);

  auto warm = lease();
  EXPECT_FALSE(warm.cold_start);
  EXPECT_EQ(warm.instance, cold.instance);
  EXPECT_EQ(state(warm.instance), Instance::State::kBusy);
  EXPECT_EQ(echo_pid(warm.instance, "req-warm"), pid);
  auto again = invoke(warm.instance, {{"action", "echo"}}, "req-warm-2");
  EXPECT_TRUE(again.init_log.empty());  // init output is reported once
  EXPECT_EQ(again.log.find("init mode"), std::string::npos);
  release(warm.instance);
}

TEST_F(PoolTest, BusyInstancesAreNotSharedAndIdleOnesAreReusedLastInFirstOut) {
  make_pool();
  auto a = lease();
  auto b = lease();  // a is busy: a second instance starts
  ASSERT_TRUE(a.instance && b.instance);
  EXPECT_TRUE(b.cold_start);
  EXPECT_NE(a.instance, b.instance);
  pid_t pid_a = echo_pid(a.instance);
  pid_t pid_b = echo_pid(b.instance);
  EXPECT_NE(pid_a, pid_b);
  EXPECT_EQ(busy(), 2u);

  release(a.instance);
  release(b.instance);  // most recently used
  EXPECT_EQ(idle(), 2u);
  auto next = lease();
  EXPECT_FALSE(next.cold_start);
  EXPECT_EQ(next.instance, b.instance);
  auto after = lease();
  EXPECT_FALSE(after.cold_start);
  EXPECT_EQ(after.instance, a.instance);
  EXPECT_EQ(idle(), 0u);
  release(after.instance);
  release(next.instance);
  auto last = lease();
  EXPECT_EQ(last.instance, b.instance);
  release(last.instance);
}

TEST_F(PoolTest, ARequestTakesAnInstanceGivenBackBeforeTheOneItStarted) {
  make_pool();
  auto a = lease();
  ASSERT_TRUE(a.instance);
  // No instance is idle: the second request starts one, and `a` comes back
  // while that one is still starting.
  auto pool = pool_;
  auto second = loop_->spawn<Acquired>([pool]() -> Task<Acquired> {
    Acquired out;
    auto r = co_await pool->acquire(&out.failure);
    if (r.ok()) out.lease = std::move(r).value();
    co_return out;
  });
  release(a.instance);
  ASSERT_EQ(second.wait_for(30s), std::future_status::ready);
  auto got = second.get();
  ASSERT_TRUE(got.lease.has_value()) << got.failure.message;
  EXPECT_EQ(got.lease->instance, a.instance);
  EXPECT_FALSE(got.lease->cold_start);
  // The instance it started serves the next request, as that one's cold start
  // (its Init Report goes with its first invocation).
  EXPECT_TRUE(wait_idle(1));
  EXPECT_EQ(busy(), 1u);
  auto next = lease();
  EXPECT_TRUE(next.cold_start);
  EXPECT_GT(next.init_duration_ms, 0);
  EXPECT_NE(next.instance, a.instance);
  release(next.instance);
  auto again = lease();
  EXPECT_EQ(again.instance, next.instance);
  EXPECT_FALSE(again.cold_start);
  release(again.instance);
  release(got.lease->instance);
}

TEST_F(PoolTest, UserErrorKeepsTheInstance) {
  make_pool();
  auto l = lease();
  pid_t pid = echo_pid(l.instance);
  auto out = invoke(l.instance, {{"action", "fail"}});
  EXPECT_EQ(out.status_code, 430);
  EXPECT_NE(out.ret_msg.find("failed on purpose"), std::string::npos);
  release(l.instance);
  EXPECT_EQ(idle(), 1u);
  auto again = lease();
  EXPECT_FALSE(again.cold_start);
  EXPECT_EQ(echo_pid(again.instance), pid);
  release(again.instance);
}

// ---------------------------------------------------------------------------
// Reaping, crashes, timeouts, retirement
// ---------------------------------------------------------------------------

TEST_F(PoolTest, ReapIdleKillsInstancesIdleSinceBeforeTheCutoff) {
  make_pool();
  auto old_lease = lease();
  auto new_lease = lease();
  pid_t old_pid = echo_pid(old_lease.instance);
  std::this_thread::sleep_for(50ms);
  auto cutoff = steady::now();
  std::this_thread::sleep_for(50ms);
  pid_t new_pid = echo_pid(new_lease.instance);
  release(old_lease.instance);
  release(new_lease.instance);
  ASSERT_EQ(idle(), 2u);

  loop_->call([&] {
    pool_->reap_idle(cutoff);
    return 0;
  });
  EXPECT_EQ(idle(), 1u);
  EXPECT_TRUE(wait_gone(old_pid)) << "the old idle instance is still running";
  EXPECT_FALSE(process_gone(new_pid));
  EXPECT_EQ(state(old_lease.instance), Instance::State::kDead);

  // A busy instance is never reaped, however old.
  auto busy_lease = lease();
  EXPECT_EQ(busy_lease.instance, new_lease.instance);
  loop_->call([&] {
    pool_->reap_idle(steady::now() + 1h);
    return 0;
  });
  EXPECT_EQ(busy(), 1u);
  EXPECT_EQ(echo_pid(busy_lease.instance), new_pid);
  release(busy_lease.instance);
  loop_->call([&] {
    pool_->reap_idle(steady::now() + 1h);
    return 0;
  });
  EXPECT_EQ(idle(), 0u);
  EXPECT_TRUE(wait_gone(new_pid));
  auto fresh = lease();
  EXPECT_TRUE(fresh.cold_start);
  release(fresh.instance);
}

TEST_F(PoolTest, CrashingInstanceIsNotReused) {
  make_pool();
  auto l = lease();
  pid_t pid = echo_pid(l.instance);
  auto out = invoke(l.instance, {{"action", "crash"}});
  EXPECT_EQ(out.status_code, 439);
  EXPECT_NE(out.err_msg.find("exit code 7"), std::string::npos) << out.err_msg;
  EXPECT_NE(out.log.find("handling req crash"), std::string::npos) << out.log;
  EXPECT_EQ(state(l.instance), Instance::State::kDead);
  release(l.instance);
  EXPECT_EQ(idle(), 0u);
  EXPECT_EQ(busy(), 0u);
  EXPECT_TRUE(wait_gone(pid));

  auto next = lease();
  EXPECT_TRUE(next.cold_start);
  EXPECT_NE(next.instance, l.instance);
  pid_t new_pid = echo_pid(next.instance);
  EXPECT_NE(new_pid, pid);
  release(next.instance);
}

TEST_F(PoolTest, InstanceDyingWhileIdleIsDropped) {
  make_pool();
  auto l = lease();
  pid_t pid = echo_pid(l.instance);
  release(l.instance);
  ASSERT_EQ(idle(), 1u);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(wait_idle(0)) << "a dead instance stayed in the idle list";
  EXPECT_TRUE(wait_gone(pid));
  auto next = lease();
  EXPECT_TRUE(next.cold_start);
  EXPECT_NE(echo_pid(next.instance), pid);
  release(next.instance);
}

TEST_F(PoolTest, TimeoutReturns433AndKillsTheInstance) {
  auto spec = make_spec();
  spec.timeout_s = 1;
  make_pool(spec);
  auto l = lease();
  pid_t pid = echo_pid(l.instance);
  auto started = steady::now();
  auto out = invoke(l.instance, {{"action", "sleep"}, {"seconds", 30}});
  auto took = steady::now() - started;
  EXPECT_EQ(out.status_code, 433);
  EXPECT_NE(out.err_msg.find("timed out after 1 seconds"), std::string::npos) << out.err_msg;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 5s);
  EXPECT_GE(out.duration_ms, 900);
  EXPECT_EQ(state(l.instance), Instance::State::kDead);
  EXPECT_TRUE(wait_gone(pid)) << "the timed-out instance is still running";
  release(l.instance);
  EXPECT_EQ(idle(), 0u);

  auto next = lease();
  EXPECT_TRUE(next.cold_start);
  EXPECT_NE(echo_pid(next.instance), pid);
  release(next.instance);
}

TEST_F(PoolTest, RetireKillsIdleInstancesNowAndBusyOnesOnRelease) {
  make_pool();
  auto a = lease();
  auto b = lease();
  pid_t pid_a = echo_pid(a.instance);
  pid_t pid_b = echo_pid(b.instance);
  release(a.instance);
  ASSERT_EQ(idle(), 1u);

  loop_->call([&] {
    pool_->retire();
    return 0;
  });
  EXPECT_TRUE(loop_->call([this] { return pool_->retired(); }));
  EXPECT_EQ(idle(), 0u);
  EXPECT_TRUE(wait_gone(pid_a)) << "the idle instance survived retire()";
  // The busy one finishes its work, then stops instead of going idle.
  EXPECT_FALSE(process_gone(pid_b));
  EXPECT_EQ(echo_pid(b.instance), pid_b);
  release(b.instance);
  EXPECT_EQ(idle(), 0u);
  EXPECT_EQ(busy(), 0u);
  EXPECT_TRUE(wait_gone(pid_b)) << "the busy instance survived its release after retire()";
}

// ---------------------------------------------------------------------------
// Start-up failures
// ---------------------------------------------------------------------------

TEST_F(PoolTest, RuntimeExitingDuringInitIs405) {
  auto spec = make_spec();
  spec.environment = {{"TEST_INIT", "exit"}};
  make_pool(spec);
  auto a = acquire();
  ASSERT_FALSE(a.lease.has_value());
  EXPECT_EQ(a.failure.status_code, 405);
  EXPECT_NE(a.failure.message.find("exit code 3"), std::string::npos) << a.failure.message;
  EXPECT_NE(a.failure.log.find("init mode exit"), std::string::npos) << a.failure.log;
  EXPECT_EQ(idle(), 0u);
  EXPECT_EQ(busy(), 0u);
  EXPECT_EQ(loop_->call([this] { return pool_->starting_count(); }), 0u);
}

TEST_F(PoolTest, InitErrorIs445WithTheRuntimeMessage) {
  auto spec = make_spec();
  spec.environment = {{"TEST_INIT", "error"}};
  make_pool(spec);
  auto a = acquire();
  ASSERT_FALSE(a.lease.has_value());
  EXPECT_EQ(a.failure.status_code, 445);
  EXPECT_NE(a.failure.message.find("bad config"), std::string::npos) << a.failure.message;
  EXPECT_FALSE(a.error.code.empty());
  EXPECT_EQ(busy(), 0u);
}

TEST_F(PoolTest, InitTimeoutIs450AndKillsTheProcess) {
  auto spec = make_spec();
  spec.environment = {{"TEST_INIT", "hang"}};
  spec.init_timeout_s = 1;
  make_pool(spec);
  auto started = steady::now();
  auto a = acquire();
  EXPECT_LT(steady::now() - started, 5s);
  ASSERT_FALSE(a.lease.has_value());
  EXPECT_EQ(a.failure.status_code, 450);
  EXPECT_NE(a.failure.message.find("timed out"), std::string::npos) << a.failure.message;
  EXPECT_EQ(busy(), 0u);
  EXPECT_EQ(idle(), 0u);
}

}  // namespace
}  // namespace yunfn::pool
