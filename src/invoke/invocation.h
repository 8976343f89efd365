// InvocationRequest / InvocationResult: what every entry point (the Invoke
// action, the gateway, triggers, the async dispatcher) hands to the Invoker and
// gets back. Plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace yunfn::invoke {

// Lets an invocation be stopped from outside (TerminateAsyncEvent, the
// gateway's serviceTimeout): the Invoker installs on_cancel while an instance
// runs the event. abandon() (the caller went away) only stops an invocation
// that has not started: one already running goes on.
struct CancelToken {
  bool cancelled = false;
  bool abandoned = false;
  std::function<void()> on_cancel;
  void cancel() {
    cancelled = true;
    if (on_cancel) on_cancel();
  }
  void abandon() { abandoned = true; }
  bool stopped_before_start() const { return cancelled || abandoned; }
};

struct InvocationRequest {
  std::string ns = "default";
  std::string function_name;
  std::string qualifier = "$LATEST";
  std::string event = "{}";   // JSON text
  std::string request_id;     // generated when empty
  std::string source = "api"; // api, apigw, timer, ...
  std::string routing_key;    // Invoke RoutingKey (JSON object text) for rule-based aliases
  std::shared_ptr<CancelToken> cancel;  // optional
  int retry_num = 0;          // async attempts before this one (shown in logs)
};

struct InvocationResult {
  std::string request_id;
  int status_code = 200;      // SCF invocation status (section 14 of the contract)
  int invoke_result = 0;      // 0 success, 1 user code error, -1 platform error
  std::string ret_msg;        // return value JSON, user error JSON, or platform message
  std::string err_msg;
  std::string log;            // the full framed log
  double duration_ms = 0;
  int64_t bill_duration_ms = 0;
  int64_t mem_usage_bytes = 0;
  bool cold_start = false;
  std::string version;        // the version that ran (after alias routing)
};

}  // namespace yunfn::invoke
