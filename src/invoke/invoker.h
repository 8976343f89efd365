// Invoker: the one way into running a function. Every entry point builds an
// InvocationRequest and calls invoke(); the Invoker resolves the function
// version, takes an instance from its pool (warm or cold), runs the event,
// frames and stores the log, and returns the result.
// Owned by the server; invoke() runs on the loop thread.
#pragma once

#include <memory>

#include "common/asio.h"
#include "common/clock.h"
#include "common/result.h"
#include "invoke/invocation.h"
#include "pool/pool_manager.h"
#include "pool/runtime_command.h"
#include "store/code_store.h"
#include "store/store.h"

namespace yunfn::invoke {

class Invoker {
 public:
  Invoker(store::Store& store, store::CodeStore& code, pool::PoolManager& pools,
          pool::RuntimePaths paths, const Clock& clock);

  // Runs one synchronous invocation. Errors are invocation-level rejections
  // (function or qualifier missing, function not active); everything that
  // happens inside the function (exceptions, timeouts, crashes, OOM, init
  // failures) is an InvocationResult with a non-200 status.
  Task<Result<InvocationResult>> invoke(InvocationRequest req);

 private:
  Result<pool::InstanceSpec> instance_spec(const store::FunctionRecord& fn,
                                           const store::VersionRecord& version);
  void record(const InvocationRequest& req, const InvocationResult& result, int64_t start_ms);

  store::Store& store_;
  store::CodeStore& code_;
  pool::PoolManager& pools_;
  pool::RuntimePaths paths_;
  const Clock& clock_;
};

}  // namespace yunfn::invoke
