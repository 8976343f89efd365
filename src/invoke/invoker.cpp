#include "invoke/invoker.h"

#include <cmath>

#include <spdlog/spdlog.h>

#include "common/scf_status.h"
#include "common/ids.h"
#include "common/scope_exit.h"
#include "common/utf8.h"
#include "control/routing.h"
#include "logs/invocation_log.h"
#include "logs/log_quota.h"

namespace yunfn::invoke {
namespace {

// A web exchange run as the instance's invocation (its log, memory and timing).
Task<pool::InvokeOutcome> serve_web(pool::Instance& inst, const WebExchange& exchange) {
  co_return co_await inst.serve([&]() -> Task<pool::InvokeOutcome> {
    WebInstance web(inst);
    WebOutcome done = co_await exchange(web);
    pool::InvokeOutcome out;
    out.status_code = done.status_code;
    out.ret_msg = std::move(done.ret_msg);
    out.err_msg = std::move(done.err_msg);
    co_return out;
  });
}

int invoke_result_of(int status_code) {
  if (status_code == 200) return 0;
  if (status_code == scf_status::kUserCodeException) return 1;  // user code error: RetMsg holds the error JSON
  return -1;
}

// Keeps the concurrency count of one invocation.
struct ConcurrencyScope {
  VersionMetrics& m;
  explicit ConcurrencyScope(VersionMetrics& metrics) : m(metrics) {
    m.max_concurrent = std::max(m.max_concurrent, ++m.concurrent);
  }
  ~ConcurrencyScope() { --m.concurrent; }
};

}  // namespace

Invoker::Invoker(store::Store& store, store::CodeStore& code, pool::PoolManager& pools,
                 control::VersionService& versions, Quota& quota, pool::RuntimePaths paths,
                 const Clock& clock, uint64_t log_quota_bytes_per_hour)
    : store_(store),
      code_(code),
      pools_(pools),
      versions_(versions),
      quota_(quota),
      paths_(std::move(paths)),
      clock_(clock),
      log_quota_(log_quota_bytes_per_hour) {}

Result<pool::InstanceSpec> Invoker::instance_spec(const store::FunctionRecord& fn,
                                                  const store::VersionRecord& version) {
  const auto& c = version.config;
  YUNFN_TRY(code_dir, code_.unpacked(c.code_sha256));
  std::filesystem::path layer_dir;
  if (!c.layers.empty()) {
    std::vector<std::string> packages;
    for (const auto& l : c.layers) packages.push_back(l.code_sha256);
    YUNFN_TRY(view, code_.layer_view(packages));
    layer_dir = std::move(view);
  }
  bool web = c.type == store::FunctionType::kHttp;
  YUNFN_TRY(command, pool::runtime_command(paths_, c.runtime, code_dir, layer_dir, web, c.memory_mb));
  pool::InstanceSpec spec;
  spec.ns = fn.ns;
  spec.function_name = fn.name;
  spec.version = version.version;
  spec.runtime = c.runtime;
  spec.handler = c.handler;
  spec.memory_mb = c.memory_mb;
  spec.timeout_s = c.timeout_s;
  spec.init_timeout_s = c.init_timeout_s;
  spec.environment = c.environment;
  spec.code_dir = code_dir;
  spec.layer_dir = std::move(layer_dir);
  spec.argv = std::move(command.argv);
  spec.extra_env = std::move(command.extra_env);
  if (platform_env_) {
    for (auto& v : platform_env_(fn.ns, fn.name)) spec.extra_env.push_back(std::move(v));
  }
  spec.framed_channel = command.framed;
  spec.public_net = c.public_net;
  spec.web = web;
  spec.max_concurrency = web ? c.max_concurrency : 1;
  return spec;
}

Result<std::shared_ptr<pool::Pool>> Invoker::pool_for(const store::FunctionRecord& fn,
                                                      const store::VersionRecord& version) {
  // The launch parameters are built once per generation of the version.
  if (auto current = pools_.find(fn.ns, fn.name, version.version, version.generation)) {
    return current;
  }
  YUNFN_TRY(spec, instance_spec(fn, version));
  return pools_.pool_for(spec, version.generation);
}

Result<store::VersionRecord> Invoker::resolve(const std::string& ns, const std::string& fn,
                                              const std::string& qualifier,
                                              const std::string& routing_key) {
  std::string q = qualifier.empty() ? store::kLatest : qualifier;
  if (q != store::kLatest && !control::is_version_number(q)) {
    auto alias = versions_.get_alias(ns, fn, q);
    if (!alias.ok()) {
      return make_error(errc::kResourceNotFoundQualifier, "Qualifier " + q + " does not exist");
    }
    Json key = routing_key.empty() ? Json() : Json::parse(routing_key, nullptr, false);
    double r = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    q = control::pick_version(alias->function_version, alias->routing_config, key, r);
  }
  YUNFN_TRY(v, versions_.find_version(ns, fn, q));
  if (!v) return make_error(errc::kResourceNotFoundQualifier, "Qualifier " + q + " does not exist");
  return std::move(*v);
}

Task<Result<InvocationResult>> Invoker::invoke(InvocationRequest req) {
  return invoke(std::move(req), nullptr);
}

Task<Result<InvocationResult>> Invoker::invoke(InvocationRequest req, WebExchange exchange) {
  if (req.request_id.empty()) req.request_id = new_request_id();
  const std::string request_id = req.request_id;
  // Every entry point gets an answer: a platform failure that escapes as an
  // exception (a store error, say) becomes an InternalError for this request.
  try {
    co_return co_await run(std::move(req), std::move(exchange));
  } catch (const std::exception& e) {
    spdlog::error("invocation {} failed inside the platform: {}", request_id, e.what());
    co_return make_error(errc::kInternalError,
                         std::string("the platform failed to run the invocation: ") + e.what());
  }
}

Task<Result<InvocationResult>> Invoker::run(InvocationRequest req, WebExchange exchange) {
  YUNFN_CO_TRY(fn, store_.get_function(req.ns, req.function_name));
  if (!fn) {
    co_return make_error(errc::kResourceNotFoundFunction,
                         "Function " + req.function_name + " does not exist in namespace " +
                             req.ns);
  }
  YUNFN_CO_TRY(version, resolve(req.ns, req.function_name, req.qualifier, req.routing_key));
  if (version.status != store::VersionStatus::kActive) {
    co_return make_error(errc::kFailedOperationFunctionStatusError,
                         "Function " + req.function_name + " is " +
                             store::version_status_name(version.status) +
                             ", not Active; it cannot be invoked now");
  }
  if (version.config.type == store::FunctionType::kHttp && !exchange) {
    co_return make_error(errc::kInvalidParameterValueFunctionType,
                         "Function " + req.function_name +
                             " is a web function (Type HTTP); it is reached over HTTP only");
  }
  int64_t start_ms = to_unix_ms(clock_.now());
  InvocationResult result;
  result.request_id = req.request_id;
  result.version = version.version;
  logs::LogFrame frame;
  frame.request_id = req.request_id;
  frame.memory_mb = version.config.memory_mb;
  // Held by value: DeleteFunction may forget the function's metrics while this runs.
  const std::shared_ptr<VersionMetrics> counters = metrics_.at(req.ns, req.function_name, version.version);
  VersionMetrics& m = *counters;

  auto pool = pool_for(*fn, version);
  if (!pool.ok()) {
    result.status_code = 500;
    result.err_msg = pool.error().message;
  } else {
    // An idle provisioned instance is already counted in the quota; any other
    // instance (warm or new) takes quota for the call.
    const std::string quota_key = req.ns + "/" + req.function_name;
    // Quota is memory per instance; requests sharing a multi-concurrency
    // instance each take their share of it.
    const int per_instance = (*pool)->spec().max_concurrency;
    const int quota_mb = (version.config.memory_mb + per_instance - 1) / per_instance;
    std::optional<pool::Lease> provisioned = (*pool)->take_idle_provisioned();
    bool on_demand = !provisioned;
    if (on_demand) {
      auto admitted = quota_.admit(quota_key, req.function_name, quota_mb);
      if (!admitted.ok()) {
        ++m.throttles;
        result.status_code = scf_status::kResourceLimitReached;
        result.err_msg = admitted.error().message;
        result.invoke_result = -1;
        result.ret_msg = result.err_msg;
        frame.error = result.err_msg;
        result.log = logs::format_invocation_log(frame);
        record(req, result, start_ms, version.config.cls_topic_id);
        co_return admitted.error();
      }
    }
    // The quota taken is given back however this ends.
    ScopeExit give_back_quota([&] {
      if (on_demand) quota_.release(quota_key, quota_mb);
    });
    ConcurrencyScope scope(m);
    pool::InitFailure failure;
    // (No co_await inside a conditional expression: GCC 12 miscompiles it.)
    Result<pool::Lease> lease = make_error(errc::kInternalError, "no instance");
    if (provisioned) {
      lease = std::move(*provisioned);
    } else {
      std::function<bool()> gone;
      if (req.cancel) gone = [cancel = req.cancel] { return cancel->stopped_before_start(); };
      lease = co_await (*pool)->acquire(&failure, std::move(gone));
    }
    if (!lease.ok()) {
      result.status_code = failure.status_code;
      result.err_msg = failure.message;
      frame.init_output = failure.log;
      frame.cold_start = failure.status_code != pool::kScaleLimitStatus &&
                         failure.status_code != scf_status::kRequestCanceled;
      if (failure.status_code == pool::kScaleLimitStatus) ++m.throttles;
    } else {
      // The instance goes back however the call ends; one that an exception
      // left in the middle of a request is killed first.
      bool answered = false;
      ScopeExit give_back_instance([&] {
        if (!answered) lease->instance->kill();
        (*pool)->release(lease->instance);
      });
      std::weak_ptr<pool::Instance> running = lease->instance;
      if (req.cancel) req.cancel->on_cancel = [running] {
        if (auto inst = running.lock()) inst->kill();
      };
      pool::InvokeOutcome outcome;
      if (req.cancel && req.cancel->stopped_before_start()) {
        // Stopped while it waited for this instance: the instance never saw it.
        outcome.status_code = scf_status::kRequestCanceled;
        outcome.err_msg = "RequestCanceled: the invocation was cancelled before it started";
      } else {
        if (exchange) {
          outcome = co_await serve_web(*lease->instance, exchange);
        } else {
          outcome = co_await lease->instance->invoke(req.request_id, req.event);
        }
        if (req.cancel && req.cancel->cancelled) {
          outcome.status_code = scf_status::kRequestCanceled;
          outcome.err_msg = "RequestCanceled: the invocation was cancelled before it finished";
        }
      }
      answered = true;
      if (req.cancel) req.cancel->on_cancel = nullptr;
      result.status_code = outcome.status_code;
      // A custom runtime may answer any bytes; results travel in JSON as UTF-8.
      result.ret_msg = valid_utf8(std::move(outcome.ret_msg));
      result.err_msg = std::move(outcome.err_msg);
      result.duration_ms = outcome.duration_ms;
      result.mem_usage_bytes = outcome.mem_usage_bytes;
      result.cold_start = lease->cold_start;
      frame.init_output = std::move(outcome.init_log);
      frame.user_output = std::move(outcome.log);
      frame.cold_start = lease->cold_start;
      frame.init_duration_ms = lease->init_duration_ms;
    }
    if (failure.status_code == pool::kScaleLimitStatus) {
      record(req, result, start_ms, version.config.cls_topic_id);
      co_return make_error(errc::kRequestLimitExceeded, failure.message);
    }
  }
  ++m.invocations;
  if (result.status_code != 200) ++m.errors;
  if (result.cold_start) ++m.cold_starts;
  result.invoke_result = invoke_result_of(result.status_code);
  if (result.invoke_result == -1) result.ret_msg = result.err_msg;
  result.bill_duration_ms = static_cast<int64_t>(std::ceil(result.duration_ms));
  frame.error = result.status_code == 200 ? ""
                : result.err_msg.empty()  ? result.ret_msg
                                          : result.err_msg;
  frame.duration_ms = result.duration_ms;
  frame.mem_usage_bytes = result.mem_usage_bytes;
  const std::string log_key = req.ns + "/" + req.function_name;
  const auto now = clock_.steady_now();
  frame.init_output = logs::apply_log_quota(log_quota_, log_key, std::move(frame.init_output), now);
  frame.user_output = logs::apply_log_quota(log_quota_, log_key, std::move(frame.user_output), now);
  result.log = logs::format_invocation_log(frame);
  record(req, result, start_ms, version.config.cls_topic_id);
  co_return result;
}

void Invoker::record(const InvocationRequest& req, const InvocationResult& result,
                     int64_t start_ms, const std::string& cls_topic_id) {
  store::InvocationRecord r;
  r.request_id = result.request_id;
  r.ns = req.ns;
  r.function_name = req.function_name;
  r.qualifier = result.version.empty() ? req.qualifier : result.version;
  r.start_time_ms = start_ms;
  r.duration_ms = result.duration_ms;
  r.bill_duration_ms = result.bill_duration_ms;
  r.mem_usage_bytes = result.mem_usage_bytes;
  r.ret_code = result.status_code == 200 ? 0 : result.status_code;
  r.status_code = result.status_code;
  r.ret_msg = result.ret_msg;
  r.log = result.log;
  r.cold_start = result.cold_start;
  r.retry_num = req.retry_num;
  // The caller still gets the result; the lost record is logged by the store
  // and counted for the metrics.
  if (!store_.insert_invocation(r).ok()) ++metrics_.lost_records;
  if (log_topics_ && !cls_topic_id.empty()) {
    log_topics_->append_function_log(
        cls_topic_id, {.ns = r.ns, .function_name = r.function_name, .qualifier = r.qualifier,
                       .request_id = r.request_id, .start_time_ms = r.start_time_ms, .duration_ms = r.duration_ms,
                       .mem_usage_bytes = r.mem_usage_bytes, .status_code = r.status_code,
                       .retry_num = r.retry_num, .log = std::move(r.log)});
  }
}

}  // namespace yunfn::invoke
