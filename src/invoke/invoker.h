// Invoker: the one way into running a function. Every entry point builds an
// InvocationRequest and calls invoke(); the Invoker resolves the qualifier to
// a version (following alias routing), admits the invocation against the
// concurrency quota, takes an instance from the version's pool (warm, or cold
// within the scale-up limit), runs the event, frames and stores the log, and
// returns the result.
// Owned by the server; invoke() runs on the loop thread.
#pragma once

#include <functional>
#include <memory>
#include <random>

#include "common/asio.h"
#include "common/clock.h"
#include "common/result.h"
#include "control/version_service.h"
#include "invoke/invocation.h"
#include "invoke/metrics.h"
#include "invoke/quota.h"
#include "logs/log_quota.h"
#include "logs/log_topics.h"
#include "pool/pool_manager.h"
#include "pool/runtime_command.h"
#include "invoke/web_instance.h"
#include "store/code_store.h"
#include "store/store.h"

namespace yunfn::invoke {

class Invoker {
 public:
  Invoker(store::Store& store, store::CodeStore& code, pool::PoolManager& pools,
          control::VersionService& versions, Quota& quota, pool::RuntimePaths paths,
          const Clock& clock, uint64_t log_quota_bytes_per_hour);

  // Variables ("K=V") every instance of a function gets besides its own and the
  // runtime's (the bucket service's address, the function's keys). Set once at start.
  using PlatformEnvironment = std::function<std::vector<std::string>(const std::string& ns, const std::string& fn)>;
  void set_platform_environment(PlatformEnvironment f) { platform_env_ = std::move(f); }
  // Where the logs of functions whose ClsTopicId names a log topic go (null:
  // nowhere). Set once at start.
  void set_log_topics(logs::LogTopics* topics) { log_topics_ = topics; }

  // Runs one synchronous invocation. Errors are invocation-level rejections
  // (function or qualifier missing, function not active, throttled); what
  // happens inside the function (exceptions, timeouts, crashes, OOM, init
  // failures) is an InvocationResult with a non-200 status.
  Task<Result<InvocationResult>> invoke(InvocationRequest req);
  // The same with the exchange on the leased instance done by `exchange`
  // instead of posting req.event (web functions: the gateway proxies the HTTP
  // request).
  Task<Result<InvocationResult>> invoke(InvocationRequest req, WebExchange exchange);

  // The version a qualifier resolves to for one request (alias routing applied).
  Result<store::VersionRecord> resolve(const std::string& ns, const std::string& fn,
                                       const std::string& qualifier, const std::string& routing_key);
  // The pool that runs a version (created if needed).
  Result<std::shared_ptr<pool::Pool>> pool_for(const store::FunctionRecord& fn,
                                               const store::VersionRecord& version);

  // A version was deleted: its instances stop.
  void retire_version(const std::string& ns, const std::string& fn, const std::string& version) {
    pools_.retire_version(ns, fn, version);
  }

  const InvocationMetrics& metrics() const { return metrics_; }
  InvocationMetrics& metrics() { return metrics_; }

 private:
  // invoke() without the guard that turns an escaping exception into an error.
  Task<Result<InvocationResult>> run(InvocationRequest req, WebExchange exchange);
  Result<pool::InstanceSpec> instance_spec(const store::FunctionRecord& fn,
                                           const store::VersionRecord& version);
  // Writes the invocation record and hands the log to the function's log
  // topic, if its configuration names one (both queued, never waited for).
  void record(const InvocationRequest& req, const InvocationResult& result, int64_t start_ms,
              const std::string& cls_topic_id);

  store::Store& store_;
  store::CodeStore& code_;
  pool::PoolManager& pools_;
  control::VersionService& versions_;
  Quota& quota_;
  pool::RuntimePaths paths_;
  PlatformEnvironment platform_env_;
  logs::LogTopics* log_topics_ = nullptr;
  const Clock& clock_;
  InvocationMetrics metrics_;
  logs::LogQuota log_quota_;  // function output stored per function and hour
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace yunfn::invoke
