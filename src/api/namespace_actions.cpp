// Namespace actions: CreateNamespace, ListNamespaces, DeleteNamespace.
#include "api/api_context.h"
#include "api/params.h"
#include "common/clock.h"

namespace yunfn::api {
namespace {

Task<Result<Json>> create_namespace(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(name, p.required_string("Namespace"));
  YUNFN_CO_TRY(description, p.string("Description"));
  YUNFN_CO_TRY_STATUS(ctx.functions.create_namespace(name, description));
  co_return Json::object();
}

Task<Result<Json>> list_namespaces(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 20));
  if (offset < 0) co_return invalid_value("Offset", "must not be negative");
  if (limit < 0) co_return invalid_value("Limit", "must not be negative");
  YUNFN_CO_TRY(all, ctx.store.list_namespaces());
  Json list = Json::array();
  for (size_t i = static_cast<size_t>(offset); i < all.size() && list.size() < static_cast<size_t>(limit); ++i) {
    const auto& ns = all[i];
    list.push_back({{"Name", ns.name},
                    {"Description", ns.description},
                    {"Type", "default"},
                    {"AddTime", format_scf_time(ns.add_time_ms)},
                    {"ModTime", format_scf_time(ns.mod_time_ms)}});
  }
  co_return Json{{"Namespaces", list}, {"TotalCount", all.size()}};
}

Task<Result<Json>> delete_namespace(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(name, p.required_string("Namespace"));
  YUNFN_CO_TRY_STATUS(ctx.functions.delete_namespace(name));
  co_return Json::object();
}

}  // namespace

void register_namespace_actions(ActionRegistry& r) {
  r["CreateNamespace"] = create_namespace;
  r["ListNamespaces"] = list_namespaces;
  r["DeleteNamespace"] = delete_namespace;
}

}  // namespace yunfn::api
