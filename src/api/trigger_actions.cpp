// Trigger actions: CreateTrigger, UpdateTrigger, UpdateTriggerStatus,
// DeleteTrigger, ListTriggers. Each trigger type checks its own TriggerDesc.

#include "api/api_context.h"
#include "api/params.h"
#include "common/clock.h"

namespace yunfn::api {
namespace {

constexpr size_t kMaxTriggersPerType = 10;

Json trigger_json(ApiContext& ctx, const store::TriggerRecord& t) {
  Json j = {{"TriggerName", t.name},
            {"Type", t.type},
            {"TriggerDesc", t.trigger_desc},
            {"Qualifier", t.qualifier},
            {"Enable", t.enable ? 1 : 0},
            {"CustomArgument", t.custom_argument},
            {"Description", t.description},
            {"AvailableStatus", "Available"},
            {"BindStatus", "on"},
            {"TriggerAttribute", "single"},
            {"ResourceId", "qcs::scf:ap-guangzhou:uin/100000000001:namespace/" + t.ns +
                               "/function/" + t.function_name + "/" + t.qualifier + "/trigger/" +
                               t.type + "/" + t.name},
            {"AddTime", format_scf_time(t.add_time_ms)},
            {"ModTime", format_scf_time(t.mod_time_ms)}};
  if (auto it = ctx.triggers.find(t.type); it != ctx.triggers.end()) {
    std::map<std::string, std::string> extra;
    it->second->describe(t, extra);
    for (const auto& [k, v] : extra) j[k] = v;
  }
  return j;
}

Result<bool> enable_param(const Params& p, bool fallback) {
  YUNFN_TRY(enable, p.string("Enable", fallback ? "OPEN" : "CLOSE"));
  if (enable == "OPEN") return true;
  if (enable == "CLOSE") return false;
  return invalid_value("Enable", "must be OPEN or CLOSE");
}

Result<triggers::TriggerType*> trigger_type(ApiContext& ctx, const std::string& type) {
  auto it = ctx.triggers.find(type);
  if (it == ctx.triggers.end()) {
    std::string known;
    for (const auto& [name, t] : ctx.triggers) known += (known.empty() ? "" : ", ") + name;
    return invalid_value("Type", "'" + type + "' is not supported; supported: " + known);
  }
  return it->second.get();
}

// The qualifier must name $LATEST, a published version or an alias.
Status check_qualifier(ApiContext& ctx, const std::string& ns, const std::string& fn,
                       const std::string& q) {
  YUNFN_TRY(version, ctx.versions.find_version(ns, fn, q));
  if (version || ctx.versions.get_alias(ns, fn, q).ok()) return ok_status();
  return make_error(errc::kResourceNotFoundQualifier, "Qualifier " + q + " does not exist");
}

Task<Result<Json>> create_trigger(ApiContext& ctx, const Json& params) {
  Params p(params);
  store::TriggerRecord t;
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(name, p.required_string("TriggerName"));
  YUNFN_CO_TRY(type, p.required_string("Type"));
  YUNFN_CO_TRY(desc, p.string("TriggerDesc"));
  YUNFN_CO_TRY(qualifier, p.string("Qualifier", store::kLatest));
  YUNFN_CO_TRY(enable, enable_param(p, true));
  YUNFN_CO_TRY(custom, p.string("CustomArgument"));
  YUNFN_CO_TRY(description, p.string("Description"));
  YUNFN_CO_TRY(f, ctx.functions.get_function(ns, fn));
  YUNFN_CO_TRY(handler, trigger_type(ctx, type));
  YUNFN_CO_TRY_STATUS(handler->check_name(name));
  if (f.latest.config.type == store::FunctionType::kHttp && type != "apigw") {
    co_return invalid_value("Type", "a web function (Type HTTP) is reached over HTTP: only apigw "
                                    "triggers can be bound to it");
  }
  YUNFN_CO_TRY_STATUS(check_qualifier(ctx, ns, fn, qualifier.empty() ? store::kLatest : qualifier));
  YUNFN_CO_TRY(taken, ctx.store.get_trigger(ns, fn, type, name));
  if (taken) {
    co_return make_error(errc::kResourceInUseTrigger, "Trigger " + name + " already exists");
  }
  YUNFN_CO_TRY(others, ctx.store.list_triggers(ns, fn));
  size_t same_type = 0;
  for (const auto& other : others) same_type += other.type == type;
  if (same_type >= kMaxTriggersPerType) {
    co_return make_error(errc::kLimitExceededTrigger, "Function " + fn + " already has 10 " + type + " triggers");
  }
  t.ns = ns;
  t.function_name = fn;
  t.name = name;
  t.type = type;
  t.qualifier = qualifier.empty() ? store::kLatest : qualifier;
  t.trigger_desc = desc;
  t.enable = enable;
  t.custom_argument = custom;
  t.description = description;
  t.add_time_ms = t.mod_time_ms = to_unix_ms(ctx.clock.now());
  YUNFN_CO_TRY_STATUS(handler->check(t));
  YUNFN_CO_TRY_STATUS(co_await handler->check_source(t));
  YUNFN_CO_TRY_STATUS(ctx.store.put_trigger(t));
  YUNFN_CO_TRY_STATUS(handler->changed());
  co_return Json{{"TriggerInfo", trigger_json(ctx, t)}};
}

Result<store::TriggerRecord> existing(ApiContext& ctx, const Params& p, std::string* ns) {
  YUNFN_TRY(n, namespace_param(p.raw()));
  YUNFN_TRY(fn, p.required_string("FunctionName"));
  YUNFN_TRY(name, p.required_string("TriggerName"));
  YUNFN_TRY(type, p.required_string("Type"));
  YUNFN_TRY(f, ctx.functions.get_function(n, fn));
  *ns = n;
  YUNFN_TRY(t, ctx.store.get_trigger(n, fn, type, name));
  if (!t) return make_error(errc::kResourceNotFoundTrigger, "Trigger " + name + " of type " + type + " does not exist");
  return std::move(*t);
}

Task<Result<Json>> update_trigger(ApiContext& ctx, const Json& params) {
  Params p(params);
  std::string ns;
  YUNFN_CO_TRY(t, existing(ctx, p, &ns));
  YUNFN_CO_TRY(handler, trigger_type(ctx, t.type));
  YUNFN_CO_TRY(enable, enable_param(p, t.enable));
  YUNFN_CO_TRY(desc, p.string("TriggerDesc", t.trigger_desc));
  YUNFN_CO_TRY(qualifier, p.string("Qualifier", t.qualifier));
  YUNFN_CO_TRY(custom, p.string("CustomArgument", t.custom_argument));
  YUNFN_CO_TRY(description, p.string("Description", t.description));
  YUNFN_CO_TRY_STATUS(check_qualifier(ctx, ns, t.function_name, qualifier));
  t.enable = enable;
  t.trigger_desc = desc;
  t.qualifier = qualifier;
  t.custom_argument = custom;
  t.description = description;
  t.mod_time_ms = to_unix_ms(ctx.clock.now());
  YUNFN_CO_TRY_STATUS(handler->check(t));
  YUNFN_CO_TRY_STATUS(co_await handler->check_source(t));
  YUNFN_CO_TRY_STATUS(ctx.store.put_trigger(t));
  YUNFN_CO_TRY_STATUS(handler->changed());
  co_return Json::object();
}

Task<Result<Json>> update_trigger_status(ApiContext& ctx, const Json& params) {
  Params p(params);
  std::string ns;
  YUNFN_CO_TRY(t, existing(ctx, p, &ns));
  if (!p.has("Enable")) co_return make_error(errc::kMissingParameter, "Enable is required");
  YUNFN_CO_TRY(enable, enable_param(p, t.enable));
  if (enable == t.enable) {
    co_return make_error(errc::kFailedOperationUpdateTriggerStatus,
                         "Trigger " + t.name + " is already " + (enable ? "OPEN" : "CLOSE"));
  }
  t.enable = enable;
  t.mod_time_ms = to_unix_ms(ctx.clock.now());
  YUNFN_CO_TRY_STATUS(ctx.store.put_trigger(t));
  YUNFN_CO_TRY(handler, trigger_type(ctx, t.type));
  YUNFN_CO_TRY_STATUS(handler->changed());
  co_return Json::object();
}

Task<Result<Json>> delete_trigger(ApiContext& ctx, const Json& params) {
  Params p(params);
  std::string ns;
  YUNFN_CO_TRY(t, existing(ctx, p, &ns));
  YUNFN_CO_TRY_STATUS(ctx.store.delete_trigger(ns, t.function_name, t.type, t.name));
  if (auto it = ctx.triggers.find(t.type); it != ctx.triggers.end()) {
    YUNFN_CO_TRY_STATUS(it->second->changed());
  }
  co_return Json::object();
}

// GetTriggerStatus (a yunfn action): what a trigger is doing now, e.g. a
// ckafka trigger's consumer group and lag per partition.
Task<Result<Json>> get_trigger_status(ApiContext& ctx, const Json& params) {
  Params p(params);
  std::string ns;
  YUNFN_CO_TRY(t, existing(ctx, p, &ns));
  YUNFN_CO_TRY(handler, trigger_type(ctx, t.type));
  YUNFN_CO_TRY(status, handler->status(t));
  co_return Json{{"TriggerName", t.name}, {"Type", t.type}, {"Enable", t.enable ? 1 : 0}, {"Status", status}};
}

Task<Result<Json>> list_triggers(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 20));
  YUNFN_CO_TRY(order_by, p.string("OrderBy", "mod_time"));
  YUNFN_CO_TRY(order, p.string("Order", "DESC"));
  if (offset < 0 || limit < 0) co_return invalid_value("Limit", "and Offset must not be negative");
  if (order_by != "add_time" && order_by != "mod_time") co_return invalid_value("OrderBy", "must be add_time or mod_time");
  if (order != "ASC" && order != "DESC") co_return invalid_value("Order", "must be ASC or DESC");
  YUNFN_CO_TRY(f, ctx.functions.get_function(ns, fn));
  YUNFN_CO_TRY(all, ctx.store.list_triggers(ns, fn));
  if (p.has("Filters")) {
    if (!params["Filters"].is_array()) co_return invalid_value("Filters", "must be a list");
    for (const auto& filter : params["Filters"]) {
      std::string name = filter.value("Name", "");
      Json values = filter.value("Values", Json::array());
      std::erase_if(all, [&](const store::TriggerRecord& t) {
        std::string v = name == "Qualifier" ? t.qualifier : name == "TriggerName" ? t.name : t.description;
        for (const auto& want : values) {
          if (want.is_string() && want.get<std::string>() == v) return false;
        }
        return true;
      });
    }
  }
  bool by_add = order_by == "add_time";
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    int64_t x = by_add ? a.add_time_ms : a.mod_time_ms, y = by_add ? b.add_time_ms : b.mod_time_ms;
    return order == "ASC" ? x < y : x > y;
  });
  Json list = Json::array();
  for (size_t i = static_cast<size_t>(offset); i < all.size() && list.size() < static_cast<size_t>(limit); ++i) {
    list.push_back(trigger_json(ctx, all[i]));
  }
  co_return Json{{"Triggers", list}, {"TotalCount", all.size()}};
}

}  // namespace

void register_trigger_actions(ActionRegistry& r) {
  r["CreateTrigger"] = create_trigger;
  r["UpdateTrigger"] = update_trigger;
  r["UpdateTriggerStatus"] = update_trigger_status;
  r["DeleteTrigger"] = delete_trigger;
  r["ListTriggers"] = list_triggers;
  r["GetTriggerStatus"] = get_trigger_status;
}

}  // namespace yunfn::api
