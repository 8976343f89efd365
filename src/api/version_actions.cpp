// Version actions: PublishVersion, ListVersionByFunction, DeleteFunctionVersion.
#include "api/api_context.h"
#include "api/params.h"
#include "common/clock.h"

namespace yunfn::api {
namespace {

Task<Result<Json>> publish_version(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(description, p.string("Description"));
  YUNFN_CO_TRY(fn, ctx.functions.get_function(ns, name));
  YUNFN_CO_TRY(v, ctx.versions.publish(ns, name, description));
  co_return Json{{"FunctionVersion", v.version},
                 {"CodeSize", v.config.code_size},
                 {"MemorySize", v.config.memory_mb},
                 {"Description", v.config.description},
                 {"Handler", v.config.handler},
                 {"Timeout", v.config.timeout_s},
                 {"Runtime", v.config.runtime},
                 {"Namespace", ns}};
}

Task<Result<Json>> list_versions(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 20));
  YUNFN_CO_TRY(order, p.string("Order", "ASC"));
  if (offset < 0 || limit < 0) co_return invalid_value("Limit", "and Offset must not be negative");
  if (order != "ASC" && order != "DESC") co_return invalid_value("Order", "must be ASC or DESC");
  YUNFN_CO_TRY(fn, ctx.functions.get_function(ns, name));
  YUNFN_CO_TRY(all, ctx.store.list_versions(ns, name));
  if (order == "DESC") std::reverse(all.begin(), all.end());
  Json names = Json::array(), versions = Json::array();
  for (size_t i = static_cast<size_t>(offset); i < all.size() && versions.size() < static_cast<size_t>(limit); ++i) {
    const auto& v = all[i];
    names.push_back(v.version);
    versions.push_back({{"Version", v.version},
                        {"Description", v.config.description},
                        {"AddTime", format_scf_time(v.add_time_ms)},
                        {"ModTime", format_scf_time(v.mod_time_ms)},
                        {"Status", store::version_status_name(v.status)}});
  }
  co_return Json{{"FunctionVersion", names}, {"Versions", versions}, {"TotalCount", all.size()}};
}

Task<Result<Json>> delete_version_action(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(qualifier, p.required_string("Qualifier"));
  YUNFN_CO_TRY(fn, ctx.functions.get_function(ns, name));
  YUNFN_CO_TRY_STATUS(delete_function_version(ctx, ns, name, qualifier));
  co_return Json::object();
}

}  // namespace

Status delete_function_version(ApiContext& ctx, const std::string& ns, const std::string& fn,
                               const std::string& version) {
  YUNFN_TRY(triggers, ctx.store.list_triggers(ns, fn));
  for (const auto& t : triggers) {
    if (t.qualifier == version) {
      return make_error(errc::kUnsupportedOperationTrigger,
                        "Version " + version + " is used by trigger " + t.name +
                            "; delete or repoint the trigger first");
    }
  }
  YUNFN_TRY_STATUS(ctx.versions.delete_version(ns, fn, version));
  ctx.concurrency.version_deleted(ns, fn, version);
  return ok_status();
}

void register_version_actions(ActionRegistry& r) {
  r["PublishVersion"] = publish_version;
  r["ListVersionByFunction"] = list_versions;
  r["DeleteFunctionVersion"] = delete_version_action;
}

}  // namespace yunfn::api
