// Layer actions: PublishLayerVersion, GetLayerVersion, ListLayers,
// ListLayerVersions, DeleteLayerVersion.
#include "api/api_context.h"
#include "api/params.h"
#include "common/clock.h"

namespace yunfn::api {

Json layer_version_json(const store::LayerVersionRecord& l) {
  return {{"LayerName", l.name},
          {"LayerVersion", l.version},
          {"CompatibleRuntimes", l.compatible_runtimes},
          {"Description", l.description},
          {"LicenseInfo", l.license_info},
          {"AddTime", format_scf_time(l.add_time_ms)},
          {"Status", l.deleted ? "Deleted" : "Active"},
          {"Stamp", ""},
          {"Tags", Json::array()}};
}

namespace {

// A string list parameter; absent means empty.
Result<std::vector<std::string>> string_list(const Params& p, const char* field) {
  std::vector<std::string> out;
  if (!p.has(field)) return out;
  const Json& list = p.raw()[field];
  if (!list.is_array()) return invalid_value(field, "must be a list of strings");
  for (const Json& item : list) {
    if (!item.is_string()) return invalid_value(field, "must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<int> layer_version_param(const Params& p) {
  if (!p.has("LayerVersion")) return make_error(errc::kMissingParameter, "LayerVersion is required");
  YUNFN_TRY(version, p.integer("LayerVersion", 0));
  if (version < 1) return invalid_value("LayerVersion", "must be 1 or more");
  return version;
}

Task<Result<Json>> publish_layer_version(ApiContext& ctx, const Json& params) {
  Params p(params);
  control::PublishLayerInput in;
  YUNFN_CO_TRY(name, p.required_string("LayerName"));
  if (!p.has("CompatibleRuntimes")) {
    co_return make_error(errc::kMissingParameter, "CompatibleRuntimes is required");
  }
  YUNFN_CO_TRY(runtimes, string_list(p, "CompatibleRuntimes"));
  if (!p.has("Content")) co_return make_error(errc::kMissingParameter, "Content is required");
  YUNFN_CO_TRY(content, p.object("Content"));
  YUNFN_CO_TRY(source, package_source(content, "Content"));
  if (p.has("Tags") && !p.raw()["Tags"].empty()) {
    co_return make_error(errc::kUnsupportedOperation, "Tags on layers are not supported by yunfn");
  }
  YUNFN_CO_TRY(description, p.string("Description"));
  YUNFN_CO_TRY(license, p.string("LicenseInfo"));
  in.name = name;
  in.compatible_runtimes = std::move(runtimes);
  in.content = std::move(source);
  in.description = description;
  in.license_info = license;
  YUNFN_CO_TRY(version, co_await ctx.layers.publish(std::move(in)));
  co_return Json{{"LayerVersion", version}};
}

Task<Result<Json>> get_layer_version(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(name, p.required_string("LayerName"));
  YUNFN_CO_TRY(version, layer_version_param(p));
  YUNFN_CO_TRY(l, ctx.layers.get(name, version));
  Json out = layer_version_json(l);
  out.erase("Stamp");
  out.erase("Tags");
  out["CodeSha256"] = l.code_sha256;
  // The package is not served for download: Location stays empty.
  out["Location"] = "";
  co_return out;
}

bool fits_any(const store::LayerVersionRecord& l, const std::vector<std::string>& runtimes) {
  if (runtimes.empty()) return true;
  for (const auto& r : runtimes) {
    for (const auto& c : l.compatible_runtimes) {
      if (r == c) return true;
    }
  }
  return false;
}

Task<Result<Json>> list_layers(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(runtime, p.string("CompatibleRuntime"));
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 20));
  YUNFN_CO_TRY(search, p.string("SearchKey"));
  if (offset < 0) co_return invalid_value("Offset", "must not be negative");
  if (limit < 0) co_return invalid_value("Limit", "must not be negative");
  YUNFN_CO_TRY(latest, ctx.layers.latest_versions());
  std::vector<std::string> runtimes;
  if (!runtime.empty()) runtimes.push_back(runtime);
  Json list = Json::array();
  size_t matched = 0;
  for (const auto& l : latest) {
    if (!fits_any(l, runtimes) || l.name.find(search) == std::string::npos) continue;
    if (matched++ >= static_cast<size_t>(offset) && list.size() < static_cast<size_t>(limit)) {
      list.push_back(layer_version_json(l));
    }
  }
  co_return Json{{"Layers", list}, {"TotalCount", matched}};
}

Task<Result<Json>> list_layer_versions(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(name, p.required_string("LayerName"));
  YUNFN_CO_TRY(runtimes, string_list(p, "CompatibleRuntime"));
  YUNFN_CO_TRY(versions, ctx.layers.versions(name));
  Json list = Json::array();
  // Newest first, as the console lists them.
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (fits_any(*it, runtimes)) list.push_back(layer_version_json(*it));
  }
  co_return Json{{"LayerVersions", list}};
}

Task<Result<Json>> delete_layer_version(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(name, p.required_string("LayerName"));
  YUNFN_CO_TRY(version, layer_version_param(p));
  YUNFN_CO_TRY_STATUS(ctx.layers.remove(name, version));
  co_return Json::object();
}

}  // namespace

void register_layer_actions(ActionRegistry& r) {
  r["PublishLayerVersion"] = publish_layer_version;
  r["GetLayerVersion"] = get_layer_version;
  r["ListLayers"] = list_layers;
  r["ListLayerVersions"] = list_layer_versions;
  r["DeleteLayerVersion"] = delete_layer_version;
}

}  // namespace yunfn::api
