// Function actions: CreateFunction, GetFunction, ListFunctions,
// UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction.
#include "api/api_context.h"
#include "control/function_rules.h"
#include "api/params.h"
#include "common/clock.h"

namespace yunfn::api {
namespace {

Json environment_json(const store::FunctionConfig& c) {
  Json vars = Json::array();
  for (const auto& [k, v] : c.environment) vars.push_back({{"Key", k}, {"Value", v}});
  return {{"Variables", vars}};
}

// The Function item of ListFunctions.
Json function_summary(const store::FunctionRecord& fn) {
  const auto& c = fn.latest.config;
  return {{"FunctionName", fn.name},
          {"FunctionId", fn.function_id},
          {"Namespace", fn.ns},
          {"Runtime", c.runtime},
          {"Status", store::version_status_name(fn.latest.status)},
          {"StatusDesc", fn.latest.status_desc},
          {"Description", c.description},
          {"Type", store::function_type_name(c.type)},
          {"AddTime", format_scf_time(fn.add_time_ms)},
          {"ModTime", format_scf_time(fn.latest.mod_time_ms)},
          {"Tags", Json::array()},
          {"StatusReasons", Json::array()},
          {"TotalProvisionedConcurrencyMem", 0},
          {"ReservedConcurrencyMem", fn.reserved_mem_mb ? Json(*fn.reserved_mem_mb) : Json(nullptr)},
          {"AsyncRunEnable", c.async_run_enable ? "TRUE" : "FALSE"},
          {"TraceEnable", c.trace_enable ? "TRUE" : "FALSE"},
          {"InstanceConcurrencyConfig",
           {{"DynamicEnabled", "FALSE"}, {"MaxConcurrency", c.max_concurrency}}}};
}

// GetFunction's Layers: the bound versions with their details; a version
// deleted since it was bound shows Status "Deleted" (it keeps serving).
Json layers_json(ApiContext& ctx, const store::FunctionConfig& c) {
  Json out = Json::array();
  for (const auto& b : c.layers) {
    Json item = {{"LayerName", b.name}, {"LayerVersion", b.version}, {"Status", "Deleted"}};
    auto versions = ctx.store.list_layer_versions(b.name);
    for (const auto& l : versions.ok() ? *versions : std::vector<store::LayerVersionRecord>{}) {
      if (l.version != b.version) continue;
      item = layer_version_json(l);
    }
    out.push_back(std::move(item));
  }
  return out;
}

// The GetFunction response.
Json function_detail(const store::FunctionRecord& fn, Json layers) {
  const auto& v = fn.latest;
  const auto& c = v.config;
  Json j = function_summary(fn);
  Json reasons = Json::array();
  if (!v.status_desc.empty()) {
    reasons.push_back({{"ErrorCode", store::version_status_name(v.status)},
                       {"ErrorMessage", v.status_desc}});
  }
  j.update({{"Handler", c.handler},
            {"CodeSize", c.code_size},
            {"CodeInfo", ""},
            {"CodeResult", v.status == store::VersionStatus::kActive ? "success" : ""},
            {"CodeError", ""},
            {"ErrNo", 0},
            {"Timeout", c.timeout_s},
            {"InitTimeout", c.init_timeout_s},
            {"MemorySize", c.memory_mb},
            {"FunctionVersion", v.version},
            {"Qualifier", v.version},
            {"Environment", environment_json(c)},
            {"Triggers", Json::array()},
            {"DeadLetterConfig", fn.async_config.value("DeadLetterConfig", Json{{"Type", ""}, {"Name", ""}, {"FilterType", ""}})},
            {"Layers", std::move(layers)},
            {"VpcConfig", {{"VpcId", ""}, {"SubnetId", ""}}},
            {"PublicNetConfig", {{"PublicNetStatus", c.public_net ? "ENABLE" : "DISABLE"},
                                 {"EipConfig", {{"EipStatus", "DISABLE"}, {"EipAddress", Json::array()}}}}},
            {"InstallDependency", "FALSE"},
            {"Role", ""},
            {"ClsLogsetId", c.cls_logset_id},
            {"ClsTopicId", c.cls_topic_id},
            {"L5Enable", "FALSE"},
            {"AvailableStatus", "Available"},
            {"StatusReasons", reasons},
            {"CodeSha256", c.code_sha256}});
  return j;
}

// The settings CreateFunction and UpdateFunctionConfiguration share, merged
// into `c` (fields that are absent keep their value).
Status read_config(const Params& p, store::FunctionConfig& c) {
  YUNFN_TRY(description, p.string("Description", c.description));
  YUNFN_TRY(memory, p.integer("MemorySize", c.memory_mb));
  YUNFN_TRY(timeout, p.integer("Timeout", c.timeout_s));
  YUNFN_TRY(init_timeout, p.integer("InitTimeout", c.init_timeout_s));
  c.description = description;
  c.memory_mb = memory;
  c.timeout_s = timeout;
  c.init_timeout_s = init_timeout;
  if (p.has("Environment")) {
    YUNFN_TRY(env, p.variables("Environment"));
    c.environment = std::move(env);
  }
  if (p.has("PublicNetConfig")) {
    YUNFN_TRY(net, p.object("PublicNetConfig"));
    c.public_net = net.value("PublicNetStatus", "ENABLE") != "DISABLE";
  }
  if (p.has("InstanceConcurrencyConfig")) {
    // Web functions may serve several requests per instance (static mode).
    YUNFN_TRY(conf, p.object("InstanceConcurrencyConfig"));
    if (c.type != store::FunctionType::kHttp) {
      return invalid_value("InstanceConcurrencyConfig", "applies to web functions (Type HTTP) only");
    }
    Json dynamic = conf.value("DynamicEnabled", Json("FALSE"));
    if (dynamic != "FALSE" && dynamic != "" && dynamic != false) {
      return invalid_value("InstanceConcurrencyConfig.DynamicEnabled",
                           "must be FALSE: only static per-instance concurrency is available");
    }
    Json max = conf.value("MaxConcurrency", Json(1));
    if (!max.is_number_integer() || max.get<int>() < 1 || max.get<int>() > 100) {
      return invalid_value("InstanceConcurrencyConfig.MaxConcurrency", "must be an integer from 1 to 100");
    }
    c.max_concurrency = dynamic == "" ? 1 : max.get<int>();
  }
  return ok_status();
}

// The Layers parameter: [{LayerName, LayerVersion}] in binding order. An item
// with an empty LayerName unbinds (SCF's way, with LayerVersion 0), so
// [{"LayerName":"","LayerVersion":0}] leaves the function with no layers.
Result<std::vector<control::LayerRef>> layers_param(const Params& p) {
  const Json& list = p.raw()["Layers"];
  if (!list.is_array()) return invalid_value("Layers", "must be a list of {LayerName, LayerVersion}");
  std::vector<control::LayerRef> refs;
  for (const Json& item : list) {
    if (!item.is_object() || !item.value("LayerName", Json()).is_string() ||
        !item.value("LayerVersion", Json()).is_number_integer()) {
      return invalid_value("Layers", "each item must be {LayerName: string, LayerVersion: integer}");
    }
    std::string name = item["LayerName"].get<std::string>();
    int version = item["LayerVersion"].get<int>();
    if (name.empty()) continue;
    if (version < 1) return invalid_value("Layers", "LayerVersion of " + name + " must be 1 or more");
    refs.push_back({std::move(name), version});
  }
  return refs;
}

// ClsTopicId / ClsLogsetId: the log topic the function's invocation logs go
// to (an empty ClsTopicId stops that). The topic must exist; the logset, when
// given, must be the topic's (it is filled in from the topic otherwise).
Status read_cls(ApiContext& ctx, const Params& p, store::FunctionConfig& c) {
  if (!p.has("ClsTopicId") && !p.has("ClsLogsetId")) return ok_status();
  YUNFN_TRY(topic_id, p.string("ClsTopicId", c.cls_topic_id));
  YUNFN_TRY(logset_id, p.string("ClsLogsetId", p.has("ClsTopicId") ? "" : c.cls_logset_id));
  if (topic_id.empty()) {
    if (!logset_id.empty()) {
      return make_error(errc::kInvalidParameterValueCls, "ClsLogsetId " + logset_id +
                                                             " needs a ClsTopicId: logs go to a topic of the logset");
    }
    c.cls_topic_id.clear();
    c.cls_logset_id.clear();
    return ok_status();
  }
  auto topic = ctx.log_topics.find(topic_id);
  if (!topic) {
    return make_error(errc::kFailedOperationTopicNotExist,
                      "ClsTopicId " + topic_id + " names no log topic (CreateLogTopic makes one, ListLogTopics lists them)");
  }
  if (!logset_id.empty() && logset_id != topic->logset_id) {
    return make_error(errc::kInvalidParameterValueCls, "ClsLogsetId " + logset_id + " is not the logset of log topic " +
                                                           topic_id + " (" + topic->logset_id + ")");
  }
  c.cls_topic_id = topic_id;
  c.cls_logset_id = topic->logset_id;
  return ok_status();
}

// Code from Code.ZipFile / Code.CosBucketName (preferred) or the legacy
// top-level ZipFile / CosBucketName of UpdateFunctionCode.
Result<control::PackageSource> code_param(const Params& p) {
  if (p.has("Code")) {
    YUNFN_TRY(code, p.object("Code"));
    return package_source(code, "Code");
  }
  Json legacy = Json::object();
  for (const char* field : {"ZipFile", "CosBucketName", "CosObjectName", "CosBucketRegion"}) {
    if (p.has(field)) legacy[field] = p.raw()[field];
  }
  return package_source(legacy, "Code");
}

// DeadLetterConfig {Type, Name}: failed async events go to another function
// (Type "SCF"; SCF's CMQ queue and topic targets are not available).
Status apply_dead_letter(ApiContext& ctx, const Params& p, const std::string& ns,
                         const std::string& name) {
  if (!p.has("DeadLetterConfig")) return ok_status();
  YUNFN_TRY(dlq, p.object("DeadLetterConfig"));
  std::string type = dlq.value("Type", "");
  std::string target = dlq.value("Name", "");
  YUNFN_TRY(fn, ctx.store.get_function(ns, name));
  if (!fn) return make_error(errc::kResourceNotFoundFunction, "Function " + name + " does not exist");
  Json config = fn->async_config;
  if (target.empty()) {
    config.erase("DeadLetterConfig");
  } else {
    if (type != "SCF" && type != "scf") {
      return invalid_value("DeadLetterConfig", "Type must be SCF (a function in the same namespace)");
    }
    YUNFN_TRY(dead_letter_fn, ctx.store.get_function(ns, target));
    if (target == name || !dead_letter_fn) {
      return invalid_value("DeadLetterConfig", "Name must be another existing function");
    }
    config["DeadLetterConfig"] = {{"Type", "SCF"}, {"Name", target}};
  }
  return ctx.store.set_async_config(ns, name, config);
}

Task<Result<Json>> create_function(ApiContext& ctx, const Json& params) {
  Params p(params);
  control::CreateFunctionInput in;
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  if (!p.has("Code") && !p.has("ZipFile")) co_return make_error(errc::kMissingParameter, "Code is required");
  YUNFN_CO_TRY(code, code_param(p));
  YUNFN_CO_TRY(runtime, p.string("Runtime", "Python3.9"));
  YUNFN_CO_TRY(handler, p.string("Handler"));
  YUNFN_CO_TRY(type_name, p.string("Type", "Event"));
  YUNFN_CO_TRY(type, control::function_type_param(type_name));
  YUNFN_CO_TRY(async_run, p.flag("AsyncRunEnable", false));
  YUNFN_CO_TRY(trace, p.flag("TraceEnable", false));
  if (type == store::FunctionType::kHttp && async_run) {
    co_return invalid_value("AsyncRunEnable", "must be FALSE for a web function (Type HTTP): web "
                                              "functions answer HTTP requests synchronously");
  }
  in.ns = ns;
  in.name = name;
  in.code = std::move(code);
  in.config.runtime = runtime;
  in.config.handler = handler;
  in.config.type = type;
  in.config.trace_enable = trace;
  in.config.async_run_enable = async_run;
  YUNFN_CO_TRY_STATUS(read_config(p, in.config));
  if (p.has("Layers")) {
    YUNFN_CO_TRY(layers, layers_param(p));
    in.layers = std::move(layers);
  }
  YUNFN_CO_TRY_STATUS(read_cls(ctx, p, in.config));
  if (p.has("DeadLetterConfig")) {
    YUNFN_CO_TRY(dlq, p.object("DeadLetterConfig"));
    std::string target = dlq.value("Name", "");
    if (!target.empty()) {
      YUNFN_CO_TRY(dead_letter_fn, ctx.store.get_function(ns, target));
      if (target == name || !dead_letter_fn) {
        co_return invalid_value("DeadLetterConfig", "Name must be another existing function");
      }
    }
  }
  YUNFN_CO_TRY_STATUS(co_await ctx.functions.create_function(std::move(in)));
  YUNFN_CO_TRY_STATUS(apply_dead_letter(ctx, p, ns, name));
  co_return Json::object();
}

Task<Result<Json>> get_function(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(qualifier, p.string("Qualifier", store::kLatest));
  YUNFN_CO_TRY(fn, ctx.functions.get_function(ns, name));
  if (!qualifier.empty() && qualifier != store::kLatest) {
    YUNFN_CO_TRY(v, ctx.versions.find_version(ns, name, qualifier));
    if (!v) co_return make_error(errc::kResourceNotFoundQualifier, "Qualifier " + qualifier + " does not exist");
    fn.latest = std::move(*v);  // the detail of that version
  }
  Json layers = layers_json(ctx, fn.latest.config);
  co_return function_detail(fn, std::move(layers));
}

Task<Result<Json>> list_functions(ApiContext& ctx, const Json& params) {
  Params p(params);
  store::FunctionListQuery q;
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(offset, p.integer("Offset", 0));
  YUNFN_CO_TRY(limit, p.integer("Limit", 20));
  YUNFN_CO_TRY(order, p.string("Order", "DESC"));
  YUNFN_CO_TRY(order_by, p.string("Orderby", "AddTime"));
  YUNFN_CO_TRY(search, p.string("SearchKey"));
  YUNFN_CO_TRY(description, p.string("Description"));
  if (offset < 0) co_return invalid_value("Offset", "must not be negative");
  if (limit < 0 || limit > 1000) co_return invalid_value("Limit", "must be 0-1000");
  if (order != "ASC" && order != "DESC" && order != "asc" && order != "desc") {
    co_return invalid_value("Order", "must be ASC or DESC");
  }
  if (order_by != "AddTime" && order_by != "ModTime" && order_by != "FunctionName") {
    co_return invalid_value("Orderby", "must be AddTime, ModTime or FunctionName");
  }
  YUNFN_CO_TRY(ns_record, ctx.store.get_namespace(ns));
  if (!ns_record) {
    co_return make_error(errc::kResourceNotFoundNamespace, "Namespace " + ns + " does not exist");
  }
  q.ns = ns;
  q.offset = offset;
  q.limit = limit;
  q.ascending = order == "ASC" || order == "asc";
  q.order_by = order_by;
  q.search_key = search;
  q.description = description;
  YUNFN_CO_TRY(page, ctx.store.list_functions(q));
  const auto& [functions, total] = page;
  Json list = Json::array();
  for (const auto& fn : functions) list.push_back(function_summary(fn));
  co_return Json{{"Functions", list}, {"TotalCount", total}};
}

Task<Result<Json>> update_function_code(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(handler, p.string("Handler"));
  YUNFN_CO_TRY(code, code_param(p));
  YUNFN_CO_TRY_STATUS(co_await ctx.functions.update_code(ns, name, std::move(code), handler));
  co_return Json::object();
}

Task<Result<Json>> update_function_configuration(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(fn, ctx.functions.get_function(ns, name));
  store::FunctionConfig config = fn.latest.config;
  if (p.has("Runtime")) {
    YUNFN_CO_TRY(runtime, p.string("Runtime"));
    if (runtime != config.runtime) {
      co_return invalid_value("Runtime", "cannot be changed after the function is created");
    }
  }
  YUNFN_CO_TRY_STATUS(read_config(p, config));
  YUNFN_CO_TRY_STATUS(read_cls(ctx, p, config));
  std::optional<std::vector<control::LayerRef>> layers;
  if (p.has("Layers")) {
    YUNFN_CO_TRY(refs, layers_param(p));
    layers = std::move(refs);
  }
  YUNFN_CO_TRY_STATUS(ctx.functions.update_configuration(ns, name, std::move(config), layers));
  YUNFN_CO_TRY_STATUS(apply_dead_letter(ctx, p, ns, name));
  co_return Json::object();
}

Task<Result<Json>> delete_function(ApiContext& ctx, const Json& params) {
  Params p(params);
  YUNFN_CO_TRY(ns, namespace_param(params));
  YUNFN_CO_TRY(name, p.required_string("FunctionName"));
  YUNFN_CO_TRY(qualifier, p.string("Qualifier"));
  if (!qualifier.empty() && qualifier != store::kLatest) {
    YUNFN_CO_TRY(fn, ctx.functions.get_function(ns, name));
    YUNFN_CO_TRY_STATUS(delete_function_version(ctx, ns, name, qualifier));
    co_return Json::object();
  }
  YUNFN_CO_TRY_STATUS(ctx.functions.delete_function(ns, name));
  co_return Json::object();
}

}  // namespace

Result<control::PackageSource> package_source(const Json& code, const std::string& field) {
  for (const char* other : {"ImageConfig", "DemoId", "TempCosObjectName"}) {
    if (code.contains(other)) {
      return make_error(errc::kUnsupportedOperation, field + "." + other + " is not supported by yunfn; "
                                                     "upload the package as ZipFile or to a bucket");
    }
  }
  control::PackageSource source;
  for (const char* name : {"ZipFile", "CosBucketName", "CosObjectName", "CosBucketRegion"}) {
    if (code.contains(name) && !code[name].is_string()) return invalid_value(field, std::string(name) + " must be a string");
  }
  source.zip_base64 = code.value("ZipFile", "");
  source.cos_bucket = code.value("CosBucketName", "");
  source.cos_object = code.value("CosObjectName", "");
  if (!source.zip_base64.empty() && !source.cos_bucket.empty()) {
    return invalid_value(field, "give either ZipFile or CosBucketName, not both");
  }
  if (source.cos_bucket.empty() != source.cos_object.empty()) {
    return invalid_value(field, "CosBucketName and CosObjectName go together");
  }
  return source;
}

void register_function_actions(ActionRegistry& r) {
  r["CreateFunction"] = create_function;
  r["GetFunction"] = get_function;
  r["ListFunctions"] = list_functions;
  r["UpdateFunctionCode"] = update_function_code;
  r["UpdateFunctionConfiguration"] = update_function_configuration;
  r["DeleteFunction"] = delete_function;
}

}  // namespace yunfn::api
