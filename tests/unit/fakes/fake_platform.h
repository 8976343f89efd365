// FakePlatform: the invocation side of the server (src/server/server.cpp),
// built in the server's order, with test doubles at the edges: time is a
// ManualClock, the store is SQLite in memory behind a FaultyStore, code comes
// from fake_code_store(), instances are FakeSandbox coroutines. A test fixture
// derives from it next to ::testing::Test and adds what it tests:
//
//   class InvokerTest : public ::testing::Test, protected fakes::FakePlatform {
//    protected:
//     InvokerTest() { EXPECT_TRUE(create_function("hello").ok()); }
//   };
//
// Nothing runs until the test does: the AsyncQueue is not started, and the
// io_context runs on the test thread (run_until(), settle()). The destructor
// kills the instances while the io_context still runs; a fixture whose
// sandbox script captures its own members calls shutdown() in its destructor,
// before those members go.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/asio.h"
#include "common/result.h"
#include "control/version_service.h"
#include "fake_sandbox.h"
#include "faulty_store.h"
#include "invoke/async_queue.h"
#include "invoke/concurrency.h"
#include "invoke/invoker.h"
#include "invoke/quota.h"
#include "manual_clock.h"
#include "pool/pool_manager.h"
#include "store/code_store.h"
#include "store/store.h"

namespace yunfn::fakes {

// A SQLite store in memory (no file, nothing left behind).
inline std::unique_ptr<store::Store> open_memory_store(const Clock& clock) {
  auto opened = store::open_sqlite_store(":memory:", clock);
  EXPECT_TRUE(opened.ok());
  return std::move(opened).value();
}

// Function `name` in the default namespace, id "lam-<name>": an Active
// $LATEST (generation 1) running the fake package as a CustomRuntime with
// 128 MB and a 3 s Timeout.
inline store::FunctionRecord function_record(const std::string& name) {
  store::FunctionRecord fn;
  fn.ns = store::kDefaultNamespace;
  fn.name = name;
  fn.function_id = "lam-" + name;
  fn.latest.version = store::kLatest;
  fn.latest.status = store::VersionStatus::kActive;
  fn.latest.generation = 1;
  fn.latest.config.runtime = "CustomRuntime";
  fn.latest.config.handler = "index.main_handler";
  fn.latest.config.memory_mb = 128;
  fn.latest.config.timeout_s = 3;
  fn.latest.config.code_sha256 = fake_code_sha256();
  return fn;
}

struct FakePlatform {
  // The quota's defaults (128 GB for the account, 12.8 GB kept unreserved) are
  // more than any test meets by accident.
  explicit FakePlatform(invoke::QuotaConfig quota = {}) : quota_(quota) {}
  ~FakePlatform() { shutdown(); }
  FakePlatform(const FakePlatform&) = delete;
  FakePlatform& operator=(const FakePlatform&) = delete;

  // Kills every instance and lets them exit while the io_context runs (once
  // more kills nothing more).
  void shutdown() {
    pools_.shutdown();
    settle(ctx_);
  }

  // Stores function_record(name).
  Status create_function(const std::string& name) {
    return store_.create_function(function_record(name));
  }

  ManualClock clock_;  // before the io_context its sleepers' timers live on
  std::unique_ptr<store::Store> sqlite_ = open_memory_store(clock_);
  FaultyStore store_{*sqlite_};  // what the platform uses; sqlite_ reads past its faults
  store::CodeStore& code_ = fake_code_store();
  asio::io_context ctx_;
  FakeSandbox sandbox_{ctx_.get_executor()};
  pool::PoolManager pools_{ctx_.get_executor(), sandbox_, clock_, {}};
  control::VersionService versions_{store_, clock_};
  invoke::Quota quota_;
  invoke::Invoker invoker_{store_, code_, pools_, versions_, quota_, {}, clock_, 0};
  invoke::ConcurrencyService concurrency_{store_, quota_, invoker_, clock_};
  invoke::AsyncQueue queue_{ctx_.get_executor(), store_, invoker_, clock_, {}};
};

}  // namespace yunfn::fakes
