// Alias actions: CreateAlias, UpdateAlias, GetAlias, ListAliases, DeleteAlias.
#include "api/api_context.h"
#include "api/params.h"
#include "common/clock.h"

namespace yunfn::api {
namespace {

Json alias_json(const store::AliasRecord& a) {
  Json routing = a.routing_config.is_object() ? a.routing_config : Json::object();
  if (!routing.contains("AdditionalVersionWeights")) routing["AdditionalVersionWeights"] = Json::array();
  if (!routing.contains("AddtionVersionMatchs")) routing["AddtionVersionMatchs"] = Json::array();
  return {{"Name", a.name},
          {"FunctionVersion", a.function_version},
          {"RoutingConfig", routing},
          {"Description", a.description},
          {"AddTime", a.add_time_ms ? format_scf_time(a.add_time_ms) : ""},
          {"ModTime", a.mod_time_ms ? format_scf_time(a.mod_time_ms) : ""}};
}

Result<store::AliasRecord> read_alias(const Params& p) {
  store::AliasRecord a;
  YUNFN_TRY(name, p.required_string("Name"));
  YUNFN_TRY(version, p.required_string("FunctionVersion"));
  YUNFN_TRY(description, p.string("Description"));
  YUNFN_TRY(routing, p.object("RoutingConfig"));
  a.name = name;
  a.function_version = version;
  a.description = description;
  a.routing_config = routing;
  return a;
}

Task<Result<Json>> create_alias(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(alias, read_alias(p));
  YUNFN_CO_TRY_STATUS(ctx.versions.create_alias(ns, fn, std::move(alias)));
  co_return Json::object();
}

Task<Result<Json>> update_alias(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(alias, read_alias(p));
  if (!p.has("RoutingConfig")) {
    // Omitted routing keeps the alias's routing (and is re-checked against the new version).
    YUNFN_CO_TRY(current, ctx.versions.get_alias(ns, fn, alias.name));
    alias.routing_config = current.routing_config;
  }
  YUNFN_CO_TRY_STATUS(ctx.versions.update_alias(ns, fn, std::move(alias)));
  co_return Json::object();
}

Task<Result<Json>> get_alias(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(name, p.required_string("Name"));
  YUNFN_CO_TRY(alias, ctx.versions.get_alias(ns, fn, name));
  co_return alias_json(alias);
}

Task<Result<Json>> list_aliases(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(version, p.string("FunctionVersion"));
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 20));
  if (offset < 0 || limit < 0) co_return invalid_value("Limit", "and Offset must not be negative");
  YUNFN_CO_TRY(f, ctx.functions.get_function(ns, fn));
  YUNFN_CO_TRY(all, ctx.versions.list_aliases(ns, fn));
  if (!version.empty()) {
    std::erase_if(all, [&](const auto& a) { return a.function_version != version; });
  }
  Json list = Json::array();
  for (size_t i = static_cast<size_t>(offset); i < all.size() && list.size() < static_cast<size_t>(limit); ++i) {
    list.push_back(alias_json(all[i]));
  }
  co_return Json{{"Aliases", list}, {"TotalCount", all.size()}};
}

Task<Result<Json>> delete_alias(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(fn, p.required_string("FunctionName"));
  YUNFN_CO_TRY(name, p.required_string("Name"));
  YUNFN_CO_TRY_STATUS(ctx.versions.delete_alias(ns, fn, name));
  co_return Json::object();
}

}  // namespace

void register_alias_actions(ActionRegistry& r) {
  r["CreateAlias"] = create_alias;
  r["UpdateAlias"] = update_alias;
  r["GetAlias"] = get_alias;
  r["ListAliases"] = list_aliases;
  r["DeleteAlias"] = delete_alias;
}

}  // namespace yunfn::api
