// Async event actions: ListAsyncEvents, GetAsyncEventStatus,
// TerminateAsyncEvent, GetFunctionEventInvokeConfig,
// UpdateFunctionEventInvokeConfig.
#include <fmt/format.h>

#include "api/api_context.h"
#include "api/params.h"
#include "common/clock.h"

namespace yunfn::api {
namespace {

using store::AsyncState;

std::string scf_status(AsyncState s) {
  switch (s) {
    case AsyncState::kQueued:
    case AsyncState::kRunning: return "RUNNING";
    case AsyncState::kFinished: return "FINISHED";
    case AsyncState::kFailed: return "FAILED";
    case AsyncState::kAborted: return "ABORTED";
  }
  return "RUNNING";
}

std::string scf_time_ms(int64_t ms) {
  if (ms <= 0) return "";
  return fmt::format("{}.{:03d}000", format_scf_time(ms), static_cast<int>(ms % 1000));
}

Json event_json(const store::AsyncEventRecord& e) {
  return {{"InvokeRequestId", e.request_id},
          {"InvokeType", e.invoke_type},
          {"Qualifier", e.qualifier},
          {"Status", scf_status(e.state)},
          {"StartTime", scf_time_ms(e.accepted_at_ms)},
          {"EndTime", scf_time_ms(e.end_time_ms)}};
}

// {Start, End} in "%Y-%m-%d %H:%M:%S"; -1 for an absent bound.
Result<std::pair<int64_t, int64_t>> interval(const Params& p, const char* field) {
  YUNFN_TRY(obj, p.object(field));
  std::pair<int64_t, int64_t> out{-1, -1};
  for (auto [key, slot] : {std::pair{"Start", &out.first}, std::pair{"End", &out.second}}) {
    if (!obj.contains(key)) continue;
    if (!obj[key].is_string() || (*slot = parse_scf_time(obj[key].get<std::string>())) < 0) {
      return invalid_value(field, std::string(key) + " must be YYYY-MM-DD HH:MM:SS");
    }
  }
  return out;
}

Result<std::vector<std::string>> string_list(const Params& p, const char* field) {
  std::vector<std::string> out;
  if (!p.has(field)) return out;
  const Json& v = p.raw()[field];
  if (!v.is_array()) return invalid_value(field, "must be a list of strings");
  for (const auto& s : v) {
    if (!s.is_string()) return invalid_value(field, "must be a list of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

Task<Result<Json>> list_async_events(ApiContext& ctx, const Json& params) {
  Params p(params);
  store::AsyncEventQuery q;
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(f, ctx.functions.get_function(ns, fn));
  YUNFN_CO_TRY(qualifier, p.string("Qualifier"));
  YUNFN_CO_TRY(types, string_list(p, "InvokeType"));
  YUNFN_CO_TRY(statuses, string_list(p, "Status"));
  YUNFN_CO_TRY(start, interval(p, "StartTimeInterval"));
  YUNFN_CO_TRY(end, interval(p, "EndTimeInterval"));
  YUNFN_CO_TRY(order, p.string("Order", "DESC"));
  YUNFN_CO_TRY(order_by, p.string("Orderby", "StartTime"));
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 20));
  YUNFN_CO_TRY(request_id, p.string("InvokeRequestId"));
  if (order != "ASC" && order != "DESC") co_return invalid_value("Order", "must be ASC or DESC");
  if (order_by != "StartTime" && order_by != "EndTime") co_return invalid_value("Orderby", "must be StartTime or EndTime");
  if (offset < 0) co_return invalid_value("Offset", "must not be negative");
  if (limit < 0 || limit > 100) co_return invalid_value("Limit", "must be 0-100");
  for (const auto& s : statuses) {
    if (s == "RUNNING") {
      q.states.push_back(AsyncState::kQueued);
      q.states.push_back(AsyncState::kRunning);
    } else if (s == "FINISHED") {
      q.states.push_back(AsyncState::kFinished);
    } else if (s == "FAILED") {
      q.states.push_back(AsyncState::kFailed);
    } else if (s == "ABORTED") {
      q.states.push_back(AsyncState::kAborted);
    } else {
      co_return invalid_value("Status", "values must be RUNNING, FINISHED, FAILED or ABORTED");
    }
  }
  q.ns = ns;
  q.function_name = fn;
  q.qualifier = qualifier;
  q.invoke_types = types;
  q.request_id = request_id;
  q.start_from_ms = start.first;
  q.start_to_ms = start.second;
  q.end_from_ms = end.first;
  q.end_to_ms = end.second;
  q.order_by = order_by;
  q.ascending = order == "ASC";
  q.offset = offset;
  q.limit = limit;
  YUNFN_CO_TRY(page, ctx.store.query_async_events(q));
  const auto& [events, total] = page;
  Json list = Json::array();
  for (const auto& e : events) list.push_back(event_json(e));
  co_return Json{{"EventList", list}, {"TotalCount", total}};
}

Task<Result<Json>> get_async_event_status(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(id, p.required_string("InvokeRequestId"));
  YUNFN_CO_TRY(e, ctx.store.get_async_event(id));
  if (!e) co_return make_error(errc::kResourceNotFoundAsyncEvent, "async event " + id + " does not exist");
  co_return Json{{"Result",
                  {{"Status", scf_status(e->state)},
                   {"StatusCode", e->status_code},
                   {"InvokeRequestId", e->request_id},
                   // yunfn extras, so a caller holding only the id can act on it:
                   {"FunctionName", e->function_name},
                   {"Namespace", e->ns},
                   {"Attempts", e->attempts},
                   {"RetMsg", e->result}}}};
}

Task<Result<Json>> terminate_async_event(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(id, p.required_string("InvokeRequestId"));
  YUNFN_CO_TRY(grace, p.flag("GraceShutdown", false));
  (void)grace;  // the instance is always stopped at once
  YUNFN_CO_TRY_STATUS(ctx.async.terminate(ns, fn, id));
  co_return Json::object();
}

Json event_invoke_config(const store::FunctionRecord& f) {
  const Json& c = f.async_config;
  Json retry = c.contains("RetryConfig") ? c["RetryConfig"]
                                         : Json::array({{{"RetryNum", invoke::kDefaultRetryNum}}});
  return {{"AsyncTriggerConfig",
           {{"RetryConfig", retry}, {"MsgTTL", c.value("MsgTTL", invoke::kDefaultMsgTtlS)}}}};
}

Task<Result<Json>> get_event_invoke_config(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(f, ctx.functions.get_function(ns, fn));
  co_return event_invoke_config(f);
}

Task<Result<Json>> update_event_invoke_config(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  if (!p.has("AsyncTriggerConfig")) co_return make_error(errc::kMissingParameter, "AsyncTriggerConfig is required");
  YUNFN_CO_TRY(config, p.object("AsyncTriggerConfig"));
  YUNFN_CO_TRY(f, ctx.functions.get_function(ns, fn));
  Json next = f.async_config;
  if (config.contains("RetryConfig")) {
    const Json& rc = config["RetryConfig"];
    if (!rc.is_array() || rc.empty() || !rc[0].is_object() || !rc[0].contains("RetryNum") ||
        !rc[0]["RetryNum"].is_number_integer()) {
      co_return invalid_value("AsyncTriggerConfig", "RetryConfig must be [{\"RetryNum\": 0-2}]");
    }
    int n = rc[0]["RetryNum"].get<int>();
    if (n < 0 || n > 2) co_return make_error(errc::kLimitExceededRetryNum, "RetryNum must be 0-2");
    next["RetryConfig"] = Json::array({{{"RetryNum", n}}});
  }
  if (config.contains("MsgTTL")) {
    if (!config["MsgTTL"].is_number_integer()) co_return invalid_value("AsyncTriggerConfig", "MsgTTL must be an integer");
    int ttl = config["MsgTTL"].get<int>();
    if (ttl < 60 || ttl > 21600) co_return make_error(errc::kLimitExceededMsgTTL, "MsgTTL must be 60-21600 seconds");
    next["MsgTTL"] = ttl;
  }
  YUNFN_CO_TRY_STATUS(ctx.store.set_async_config(ns, fn, next));
  co_return Json::object();
}

}  // namespace

void register_async_actions(ActionRegistry& r) {
  r["ListAsyncEvents"] = list_async_events;
  r["GetAsyncEventStatus"] = get_async_event_status;
  r["TerminateAsyncEvent"] = terminate_async_event;
  r["GetFunctionEventInvokeConfig"] = get_event_invoke_config;
  r["UpdateFunctionEventInvokeConfig"] = update_event_invoke_config;
}

}  // namespace yunfn::api
