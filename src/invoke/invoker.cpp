#include "invoke/invoker.h"

#include <cmath>

#include "common/ids.h"
#include "logs/invocation_log.h"

namespace yunfn::invoke {
namespace {

int invoke_result_of(int status_code) {
  if (status_code == 200) return 0;
  if (status_code == 430) return 1;  // user code error: RetMsg holds the error JSON
  return -1;
}

}  // namespace

Invoker::Invoker(store::Store& store, store::CodeStore& code, pool::PoolManager& pools,
                 pool::RuntimePaths paths, const Clock& clock)
    : store_(store), code_(code), pools_(pools), paths_(std::move(paths)), clock_(clock) {}

Result<pool::InstanceSpec> Invoker::instance_spec(const store::FunctionRecord& fn,
                                                  const store::VersionRecord& version) {
  const auto& c = version.config;
  YUNFN_TRY(code_dir, code_.unpacked(c.code_sha256));
  YUNFN_TRY(command, pool::runtime_command(paths_, c.runtime, code_dir));
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
  spec.argv = std::move(command.argv);
  spec.extra_env = std::move(command.extra_env);
  return spec;
}

Task<Result<InvocationResult>> Invoker::invoke(InvocationRequest req) {
  if (req.request_id.empty()) req.request_id = new_request_id();
  auto fn = store_.get_function(req.ns, req.function_name);
  if (!fn) {
    co_return make_error("ResourceNotFound.Function",
                         "Function " + req.function_name + " does not exist in namespace " +
                             req.ns);
  }
  // Until versions and aliases exist, $LATEST and the default alias are the same.
  if (req.qualifier.empty() || req.qualifier == "$DEFAULT") req.qualifier = store::kLatest;
  if (req.qualifier != store::kLatest) {
    co_return make_error("ResourceNotFound.Qualifier",
                         "Qualifier " + req.qualifier + " does not exist");
  }
  const store::VersionRecord& version = fn->latest;
  if (version.status != "Active") {
    co_return make_error("FailedOperation.FunctionStatusError",
                         "Function " + req.function_name + " is " + version.status +
                             ", not Active; it cannot be invoked now");
  }
  int64_t start_ms = to_unix_ms(clock_.now());
  InvocationResult result;
  result.request_id = req.request_id;
  logs::LogFrame frame;
  frame.request_id = req.request_id;
  frame.memory_mb = version.config.memory_mb;

  auto spec = instance_spec(*fn, version);
  if (!spec.ok()) {
    result.status_code = 500;
    result.err_msg = spec.error().message;
  } else {
    auto pool = pools_.pool_for(*spec, version.generation);
    pool::InitFailure failure;
    auto lease = co_await pool->acquire(&failure);
    if (!lease.ok()) {
      result.status_code = failure.status_code;
      result.err_msg = failure.message;
      frame.user_output = failure.log;
      frame.cold_start = true;
    } else {
      auto outcome = co_await lease->instance->invoke(req.request_id, req.event);
      pool->release(lease->instance);
      result.status_code = outcome.status_code;
      result.ret_msg = std::move(outcome.ret_msg);
      result.err_msg = std::move(outcome.err_msg);
      result.duration_ms = outcome.duration_ms;
      result.mem_usage_bytes = outcome.mem_usage_bytes;
      result.cold_start = lease->cold_start;
      frame.user_output = std::move(outcome.log);
      frame.cold_start = lease->cold_start;
      frame.init_duration_ms = lease->init_duration_ms;
    }
  }
  result.invoke_result = invoke_result_of(result.status_code);
  if (result.invoke_result == -1) result.ret_msg = result.err_msg;
  result.bill_duration_ms = static_cast<int64_t>(std::ceil(result.duration_ms));
  frame.error = result.status_code == 200 ? "" : (result.err_msg.empty() ? result.ret_msg : result.err_msg);
  frame.duration_ms = result.duration_ms;
  frame.mem_usage_bytes = result.mem_usage_bytes;
  result.log = logs::format_invocation_log(frame);
  record(req, result, start_ms);
  co_return result;
}

void Invoker::record(const InvocationRequest& req, const InvocationResult& result,
                     int64_t start_ms) {
  store::InvocationRecord r;
  r.request_id = result.request_id;
  r.ns = req.ns;
  r.function_name = req.function_name;
  r.qualifier = req.qualifier;
  r.start_time_ms = start_ms;
  r.duration_ms = result.duration_ms;
  r.bill_duration_ms = result.bill_duration_ms;
  r.mem_usage_bytes = result.mem_usage_bytes;
  r.ret_code = result.status_code == 200 ? 0 : result.status_code;
  r.status_code = result.status_code;
  r.ret_msg = result.ret_msg;
  r.log = result.log;
  r.cold_start = result.cold_start;
  (void)store_.insert_invocation(r);
}

}  // namespace yunfn::invoke
