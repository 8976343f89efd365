// Account actions: GetAccount (quota and usage) and GetServerInfo (a yunfn
// action: version, commit and the isolation level in force).
#include "api/api_context.h"
#include "control/function_rules.h"

namespace yunfn::api {
namespace {

Result<int> provisioned_mb(ApiContext& ctx, const std::string& ns) {
  int mb = 0;
  YUNFN_TRY(all, ctx.store.list_provisioned(ns, ""));
  for (const auto& p : all) {
    YUNFN_TRY(v, ctx.store.get_version(ns, p.function_name, p.version));
    if (v) mb += p.count * v->config.memory_mb;
  }
  return mb;
}

Task<Result<Json>> get_account(ApiContext& ctx, const Json&) {
  const int total_mem = ctx.quota.total_mb();
  Json usage_ns = Json::array();
  Json limit_ns = Json::array();
  YUNFN_CO_TRY(namespaces, ctx.store.list_namespaces());
  for (const auto& ns : namespaces) {
    store::FunctionListQuery q;
    q.ns = ns.name;
    q.limit = control::kMaxFunctionsPerNamespace;
    YUNFN_CO_TRY(page, ctx.store.list_functions(q));
    const auto& [functions, total] = page;
    YUNFN_CO_TRY(provisioned, provisioned_mb(ctx, ns.name));
    Json names = Json::array();
    for (const auto& fn : functions) names.push_back(fn.name);
    usage_ns.push_back({{"Namespace", ns.name},
                        {"Functions", names},
                        {"FunctionsCount", total},
                        {"TotalConcurrencyMem", total_mem},
                        {"TotalAllocatedConcurrencyMem", ctx.quota.reserved_sum_mb()},
                        {"TotalAllocatedProvisionedMem", provisioned}});
    limit_ns.push_back({{"Namespace", ns.name},
                        {"FunctionsCount", control::kMaxFunctionsPerNamespace},
                        {"Trigger", {{"Cos", 10}, {"Timer", 10}, {"Cmq", 10}, {"Total", 110},
                                     {"Ckafka", 10}, {"Apigw", 10}, {"Cls", 10}, {"Clb", 10},
                                     {"Mps", 10}, {"Cm", 10}, {"Vod", 10}, {"Eb", 10}}},
                        {"ConcurrentExecutions", total_mem / 128},
                        {"TimeoutLimit", control::kMaxTimeoutS},
                        {"InitTimeoutLimit", control::kMaxInitTimeoutS},
                        {"TestModelLimit", 20},
                        {"RetryNumLimit", 2},
                        {"MinMsgTTL", 60},
                        {"MaxMsgTTL", 21600}});
  }
  co_return Json{
      {"AccountUsage",
       {{"NamespacesCount", namespaces.size()},
        {"Namespace", usage_ns},
        {"TotalConcurrencyMem", total_mem},
        {"TotalAllocatedConcurrencyMem", ctx.quota.reserved_sum_mb()},
        {"UserConcurrencyMemLimit", total_mem},
        {"UnreservedFloorMem", ctx.quota.unreserved_floor_mb()},
        {"ConcurrencyMemInUse", ctx.quota.used_mb()}}},
      {"AccountLimit", {{"NamespacesCount", control::kMaxNamespaces}, {"Namespace", limit_ns}}}};
}

Task<Result<Json>> get_server_info(ApiContext& ctx, const Json&) {
  const ServerInfo& info = ctx.server_info;
  co_return Json{{"Version", info.version},
                 {"Commit", info.commit},
                 {"Isolation", info.isolation},
                 {"Isolated", info.isolation != "none"},
                 {"IsolationNote", info.isolation_note}};
}

}  // namespace

void register_account_actions(ActionRegistry& r) {
  r["GetAccount"] = get_account;
  r["GetServerInfo"] = get_server_info;
}

}  // namespace yunfn::api
