// Log actions: GetFunctionLogs.
#include "api/api_context.h"
#include "api/params.h"
#include "common/clock.h"

namespace yunfn::api {
namespace {

Json function_log_json(const store::InvocationRecord& r) {
  return {{"FunctionName", r.function_name},
          {"RequestId", r.request_id},
          {"StartTime", format_scf_time(r.start_time_ms)},
          {"RetCode", r.ret_code},
          {"InvokeFinished", 1},
          {"Duration", r.duration_ms},
          {"BillDuration", r.bill_duration_ms},
          {"MemUsage", r.mem_usage_bytes},
          {"RetMsg", r.ret_msg},
          {"Log", r.log},
          {"Level", r.ret_code == 0 ? "INFO" : "ERROR"},
          {"Source", ""},
          {"RetryNum", r.retry_num}};
}

Result<int64_t> time_param(const Params& p, const char* field) {
  YUNFN_TRY(text, p.string(field));
  if (text.empty()) return int64_t{-1};
  int64_t ms = parse_scf_time(text);
  if (ms < 0) return invalid_value(field, "must be YYYY-MM-DD HH:MM:SS");
  return ms;
}

Task<Result<Json>> get_function_logs(ApiContext& ctx, const Json& params) {
  Params p(params);
  store::InvocationQuery q;
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(fn, ctx.functions.get_function(ns, name));
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 10));
  YUNFN_CO_TRY(order, p.string("Order", "desc"));
  YUNFN_CO_TRY(order_by, p.string("OrderBy", "start_time"));
  YUNFN_CO_TRY(request_id, p.string("FunctionRequestId"));
  YUNFN_CO_TRY(qualifier, p.string("Qualifier"));
  YUNFN_CO_TRY(filter, p.object("Filter"));
  YUNFN_CO_TRY(start, time_param(p, "StartTime"));
  YUNFN_CO_TRY(end, time_param(p, "EndTime"));
  if (offset < 0 || limit < 0 || offset + limit > 10000) {
    co_return invalid_value("Offset", "and Limit must be non-negative with Offset+Limit <= 10000");
  }
  if (order != "desc" && order != "asc" && order != "DESC" && order != "ASC") {
    co_return invalid_value("Order", "must be desc or asc");
  }
  if (order_by != "function_name" && order_by != "duration" && order_by != "mem_usage" &&
      order_by != "start_time") {
    co_return invalid_value("OrderBy", "must be function_name, duration, mem_usage or start_time");
  }
  std::string ret_code = filter.value("RetCode", "");
  if (!ret_code.empty() && ret_code != "is0" && ret_code != "not0" &&
      ret_code != "TimeLimitExceeded" && ret_code != "ResourceLimitExceeded" &&
      ret_code != "UserCodeException") {
    co_return invalid_value("RetCode", "must be is0, not0, TimeLimitExceeded, ResourceLimitExceeded or UserCodeException");
  }
  if (start >= 0 && end >= 0 && start > end) {
    co_return invalid_value("StartTimeOrEndTime", "StartTime is after EndTime");
  }
  q.ns = ns;
  q.function_name = fn.name;
  q.request_id = request_id;
  q.qualifier = qualifier;
  q.ret_code_filter = ret_code;
  q.start_time_ms = start;
  q.end_time_ms = end >= 0 ? end + 999 : end;  // EndTime is inclusive to the second
  q.order_by = order_by;
  q.ascending = order == "asc" || order == "ASC";
  q.offset = offset;
  q.limit = limit;
  YUNFN_CO_TRY(page, ctx.store.query_invocations(q));
  const auto& [records, total] = page;
  Json data = Json::array();
  for (const auto& r : records) data.push_back(function_log_json(r));
  co_return Json{{"Data", data}, {"TotalCount", total}, {"SearchContext", {{"Offset", "0"}, {"Limit", limit}, {"Keyword", ""}, {"Type", ""}}}};
}

}  // namespace

void register_log_actions(ActionRegistry& r) { r["GetFunctionLogs"] = get_function_logs; }

}  // namespace yunfn::api
