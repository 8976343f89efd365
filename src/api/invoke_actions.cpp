// Invoke actions: Invoke (sync RequestResponse) and InvokeFunction.
#include "api/api_context.h"
#include "api/params.h"
#include "logs/invocation_log.h"

namespace yunfn::api {
namespace {

constexpr size_t kMaxSyncEventBytes = 6 * 1024 * 1024;

Json result_json(const invoke::InvocationResult& r, bool tail) {
  return {{"Result",
           {{"FunctionRequestId", r.request_id},
            {"RetMsg", r.ret_msg},
            {"ErrMsg", r.err_msg},
            {"Log", tail ? logs::tail_log(r.log) : ""},
            {"Duration", r.duration_ms},
            {"BillDuration", r.bill_duration_ms},
            {"MemUsage", r.mem_usage_bytes},
            {"InvokeResult", r.invoke_result}}}};
}

// Shared by both actions: `event_field` holds the event JSON string.
Task<Result<Json>> run(ApiContext& ctx, const Json& params, const char* event_field,
                       const char* default_qualifier) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(qualifier, p.string("Qualifier", default_qualifier));
  YUNFN_CO_TRY(log_type, p.string("LogType", "None"));
  YUNFN_CO_TRY(invocation_type, p.string("InvocationType", "RequestResponse"));
  YUNFN_CO_TRY(event, p.string(event_field, "{}"));
  std::string routing_key;
  if (p.has("RoutingKey")) {
    const Json& rk = params["RoutingKey"];
    if (rk.is_string()) {
      routing_key = rk.get<std::string>();
    } else if (rk.is_object()) {
      routing_key = rk.dump();
    } else {
      co_return invalid_value("RoutingKey", "must be a JSON object of strings");
    }
    if (routing_key.size() > 1024 || !Json::parse(routing_key, nullptr, false).is_object()) {
      co_return invalid_value("RoutingKey", "must be a JSON object of at most 1024 bytes");
    }
  }
  if (log_type != "None" && log_type != "Tail" && !log_type.empty()) {
    co_return invalid_value("LogType", "must be None or Tail");
  }
  if (invocation_type != "RequestResponse" && invocation_type != "Event") {
    co_return invalid_value("InvocationType", "must be RequestResponse or Event");
  }
  if (event.size() > kMaxSyncEventBytes) {
    co_return make_error(errc::kInvalidParameterRequestTooLarge,
                         std::string(event_field) + " is larger than the 6 MB sync event limit");
  }
  if (event.empty()) event = "{}";
  if (!Json::accept(event)) {
    co_return make_error(errc::kInvalidParameterValueParam,
                         std::string(event_field) + " is not valid JSON");
  }
  invoke::InvocationRequest req;
  req.ns = ns;
  req.function_name = name;
  req.qualifier = qualifier;
  req.event = std::move(event);
  req.routing_key = std::move(routing_key);
  // Async: an explicit Event call, or any call of an async-execution function.
  YUNFN_CO_TRY(fn, ctx.store.get_function(ns, name));
  if (fn && fn->latest.config.type == store::FunctionType::kHttp) {
    co_return make_error(errc::kInvalidParameterValueFunctionType,
                         name + " is a web function (Type HTTP): call it over HTTP through an "
                                "apigw trigger, not with Invoke");
  }
  bool async = invocation_type == "Event" || (fn && fn->latest.config.async_run_enable);
  if (async) {
    if (!fn) co_return make_error(errc::kResourceNotFoundFunction, "Function " + name + " does not exist in namespace " + ns);
    if (req.event.size() > invoke::kMaxAsyncEventBytes) {
      co_return make_error(errc::kInvalidParameterRequestTooLarge,
                           std::string(event_field) + " is larger than the 128 KB async event limit");
    }
    YUNFN_CO_TRY_STATUS(ctx.invoker.resolve(ns, name, req.qualifier, req.routing_key));
    YUNFN_CO_TRY(id, ctx.async.enqueue(std::move(req), "API"));
    co_return Json{{"Result", {{"FunctionRequestId", id}, {"RetMsg", "Async run task submitted"},
                               {"ErrMsg", ""}, {"Log", ""}, {"Duration", 0}, {"BillDuration", 0},
                               {"MemUsage", 0}, {"InvokeResult", 0}}}};
  }
  YUNFN_CO_TRY(result, co_await ctx.invoker.invoke(std::move(req)));
  co_return result_json(result, log_type == "Tail");
}

Task<Result<Json>> invoke_action(ApiContext& ctx, const Json& params) {
  return run(ctx, params, "ClientContext", "$LATEST");
}

Task<Result<Json>> invoke_function_action(ApiContext& ctx, const Json& params) {
  if (params.contains("InvocationType")) {
    co_return make_error(errc::kUnknownParameter, "InvokeFunction is sync only; InvocationType is not a field");
  }
  co_return co_await run(ctx, params, "Event", "$DEFAULT");
}

}  // namespace

void register_invoke_actions(ActionRegistry& r) {
  r["Invoke"] = invoke_action;
  r["InvokeFunction"] = invoke_function_action;
}

}  // namespace yunfn::api
