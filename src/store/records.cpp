#include "store/records.h"

#include <stdexcept>

namespace yunfn::store {

Json to_json(const FunctionConfig& c) {
  Json env = Json::array();
  for (const auto& [k, v] : c.environment) env.push_back({{"Key", k}, {"Value", v}});
  Json layers = Json::array();
  for (const auto& l : c.layers) {
    layers.push_back({{"name", l.name}, {"version", l.version}, {"code_sha256", l.code_sha256},
                      {"unpacked_size", l.unpacked_size}});
  }
  return {{"runtime", c.runtime},        {"handler", c.handler},
          {"description", c.description}, {"type", function_type_name(c.type)},
          {"memory_mb", c.memory_mb},    {"timeout_s", c.timeout_s},
          {"init_timeout_s", c.init_timeout_s}, {"environment", env},
          {"code_sha256", c.code_sha256}, {"code_size", c.code_size},
          {"code_unpacked_size", c.code_unpacked_size}, {"layers", layers},
          {"async_run_enable", c.async_run_enable}, {"trace_enable", c.trace_enable},
          {"public_net", c.public_net}, {"max_concurrency", c.max_concurrency},
          {"cls_logset_id", c.cls_logset_id}, {"cls_topic_id", c.cls_topic_id}};
}

FunctionConfig function_config_from_json(const Json& j) {
  FunctionConfig c;
  c.runtime = j.value("runtime", "");
  c.handler = j.value("handler", "");
  c.description = j.value("description", "");
  auto type = parse_function_type(j.value("type", "Event"));
  if (!type) throw std::invalid_argument("unknown function type " + j.value("type", ""));
  c.type = *type;
  c.memory_mb = j.value("memory_mb", 128);
  c.timeout_s = j.value("timeout_s", 3);
  c.init_timeout_s = j.value("init_timeout_s", 65);
  if (j.contains("environment")) {
    for (const auto& e : j["environment"]) {
      c.environment.emplace_back(e.value("Key", ""), e.value("Value", ""));
    }
  }
  c.code_sha256 = j.value("code_sha256", "");
  c.code_size = j.value("code_size", uint64_t{0});
  c.code_unpacked_size = j.value("code_unpacked_size", uint64_t{0});
  if (j.contains("layers")) {
    for (const auto& l : j["layers"]) {
      c.layers.push_back({l.at("name").get<std::string>(), l.at("version").get<int>(),
                          l.at("code_sha256").get<std::string>(),
                          l.value("unpacked_size", uint64_t{0})});
    }
  }
  c.async_run_enable = j.value("async_run_enable", false);
  c.trace_enable = j.value("trace_enable", false);
  c.public_net = j.value("public_net", true);
  c.max_concurrency = j.value("max_concurrency", 1);
  c.cls_logset_id = j.value("cls_logset_id", "");
  c.cls_topic_id = j.value("cls_topic_id", "");
  return c;
}

const char* function_type_name(FunctionType t) {
  return t == FunctionType::kHttp ? "HTTP" : "Event";
}

std::optional<FunctionType> parse_function_type(const std::string& s) {
  if (s == "Event") return FunctionType::kEvent;
  if (s == "HTTP") return FunctionType::kHttp;
  return std::nullopt;
}

const char* version_status_name(VersionStatus s) {
  switch (s) {
    case VersionStatus::kCreating: return "Creating";
    case VersionStatus::kActive: return "Active";
    case VersionStatus::kCreateFailed: return "CreateFailed";
    case VersionStatus::kUpdating: return "Updating";
    case VersionStatus::kUpdateFailed: return "UpdateFailed";
  }
  return "Active";
}

std::optional<VersionStatus> parse_version_status(const std::string& s) {
  for (auto st : {VersionStatus::kCreating, VersionStatus::kActive, VersionStatus::kCreateFailed,
                  VersionStatus::kUpdating, VersionStatus::kUpdateFailed}) {
    if (s == version_status_name(st)) return st;
  }
  return std::nullopt;
}

const char* async_state_name(AsyncState s) {
  switch (s) {
    case AsyncState::kQueued: return "queued";
    case AsyncState::kRunning: return "running";
    case AsyncState::kFinished: return "finished";
    case AsyncState::kFailed: return "failed";
    case AsyncState::kAborted: return "aborted";
  }
  return "queued";
}

std::optional<AsyncState> parse_async_state(const std::string& s) {
  for (auto st : {AsyncState::kQueued, AsyncState::kRunning, AsyncState::kFinished,
                  AsyncState::kFailed, AsyncState::kAborted}) {
    if (s == async_state_name(st)) return st;
  }
  return std::nullopt;
}

}  // namespace yunfn::store
