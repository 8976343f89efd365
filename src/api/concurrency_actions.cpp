// Concurrency actions: Put/Get/DeleteReservedConcurrencyConfig,
// Put/Get/DeleteProvisionedConcurrencyConfig, PutTotalConcurrencyConfig, and
// GetFunctionMetrics (a yunfn extension: per-version invocations, cold
// starts, throttles and concurrency since the server started).
#include "api/api_context.h"
#include "api/params.h"

namespace yunfn::api {
namespace {

Task<Result<Json>> put_reserved(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  if (!p.has("ReservedConcurrencyMem")) {
    co_return make_error(errc::kMissingParameter, "ReservedConcurrencyMem is required");
  }
  YUNFN_CO_TRY(mb, p.integer("ReservedConcurrencyMem", 0));
  YUNFN_CO_TRY_STATUS(ctx.concurrency.put_reserved(ns, fn, mb));
  co_return Json::object();
}

Task<Result<Json>> get_reserved(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(mb, ctx.concurrency.get_reserved(ns, fn));
  co_return Json{{"ReservedMem", mb ? Json(*mb) : Json(nullptr)}};
}

Task<Result<Json>> delete_reserved(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY_STATUS(ctx.concurrency.delete_reserved(ns, fn));
  co_return Json::object();
}

Task<Result<Json>> put_provisioned(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(qualifier, p.required_string("Qualifier"));
  if (!p.has("VersionProvisionedConcurrencyNum")) {
    co_return make_error(errc::kMissingParameter, "VersionProvisionedConcurrencyNum is required");
  }
  YUNFN_CO_TRY(count, p.integer("VersionProvisionedConcurrencyNum", 0));
  YUNFN_CO_TRY(type, p.string("ProvisionedType", "Default"));
  if (type != "Default") {
    co_return make_error(errc::kUnsupportedOperation,
                         "ProvisionedType " + type + " is not supported yet; use Default");
  }
  if (p.has("TriggerActions") && !p.raw()["TriggerActions"].empty()) {
    co_return make_error(errc::kUnsupportedOperation, "scheduled provisioning (TriggerActions) is not supported yet");
  }
  YUNFN_CO_TRY_STATUS(ctx.concurrency.put_provisioned(ns, fn, qualifier, count));
  co_return Json::object();
}

Task<Result<Json>> get_provisioned(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(qualifier, p.string("Qualifier"));
  YUNFN_CO_TRY(list, ctx.concurrency.list_provisioned(ns, fn, qualifier));
  Json allocated = Json::array();
  int total = 0;
  for (const auto& rec : list) {
    YUNFN_CO_TRY(ready, ctx.concurrency.provisioned_status(ns, fn, rec.version));
    const int available = ready.available;
    const std::string& error = ready.error;
    std::string status = available >= rec.count ? "Done" : error.empty() ? "InProgress" : "Failed";
    total += rec.count;
    allocated.push_back({{"Qualifier", rec.version},
                         {"AllocatedProvisionedConcurrencyNum", rec.count},
                         {"AvailableProvisionedConcurrencyNum", available},
                         {"Status", status},
                         {"StatusReason", error},
                         {"TriggerActions", Json::array()},
                         {"ProvisionedType", "Default"}});
  }
  auto reserved = ctx.concurrency.get_reserved(ns, fn);
  auto f = ctx.functions.get_function(ns, fn);
  int memory = f.ok() ? std::max(64, f->latest.config.memory_mb) : 128;
  int cap = (reserved.ok() && *reserved ? **reserved : ctx.quota.total_mb()) / memory;
  co_return Json{{"Allocated", allocated}, {"UnallocatedConcurrencyNum", std::max(0, cap - total)}};
}

Task<Result<Json>> delete_provisioned(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(qualifier, p.required_string("Qualifier"));
  YUNFN_CO_TRY_STATUS(ctx.concurrency.delete_provisioned(ns, fn, qualifier));
  co_return Json::object();
}

Task<Result<Json>> put_total(ApiContext& ctx, const Json& params) {
  Params p(params);
  if (!p.has("TotalConcurrencyMem")) co_return make_error(errc::kMissingParameter, "TotalConcurrencyMem is required");
  YUNFN_CO_TRY(mb, p.integer("TotalConcurrencyMem", 0));
  YUNFN_CO_TRY_STATUS(ctx.concurrency.put_total(mb));
  co_return Json::object();
}

Task<Result<Json>> get_metrics(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(f, ctx.functions.get_function(ns, fn));
  Json versions = Json::array();
  if (const auto* m = ctx.invoker.metrics().of(ns, fn)) {
    for (const auto& [version, counters] : *m) {
      const invoke::VersionMetrics& v = *counters;
      versions.push_back({{"Qualifier", version},
                          {"Invocations", v.invocations},
                          {"Errors", v.errors},
                          {"ColdStarts", v.cold_starts},
                          {"Throttles", v.throttles},
                          {"ConcurrentExecutions", v.concurrent},
                          {"MaxConcurrentExecutions", v.max_concurrent}});
    }
  }
  co_return Json{{"Versions", versions},
                 {"ConcurrencyMemInUse", ctx.quota.used_mb(ns + "/" + fn)}};
}

}  // namespace

void register_concurrency_actions(ActionRegistry& r) {
  r["PutReservedConcurrencyConfig"] = put_reserved;
  r["GetReservedConcurrencyConfig"] = get_reserved;
  r["DeleteReservedConcurrencyConfig"] = delete_reserved;
  r["PutProvisionedConcurrencyConfig"] = put_provisioned;
  r["GetProvisionedConcurrencyConfig"] = get_provisioned;
  r["DeleteProvisionedConcurrencyConfig"] = delete_provisioned;
  r["PutTotalConcurrencyConfig"] = put_total;
  r["GetFunctionMetrics"] = get_metrics;
}

}  // namespace yunfn::api
