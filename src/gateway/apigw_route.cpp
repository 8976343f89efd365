#include "gateway/apigw_route.h"

#include <algorithm>
#include <cctype>

namespace yunfn::gateway {
namespace {

Error bad_desc(const std::string& field, const std::string& why) {
  const std::string where = field.empty() ? "TriggerDesc " : "TriggerDesc " + field + " ";
  return make_error(errc::kInvalidParameterValueTriggerDesc, where + why);
}

// SCF writes booleans as "TRUE"/"FALSE"; JSON booleans are taken too.
Result<bool> flag(const Json& obj, const char* key, bool fallback, const std::string& where) {
  if (!obj.contains(key) || obj[key].is_null()) return fallback;
  const Json& v = obj[key];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    if (s == "TRUE") return true;
    if (s == "FALSE") return false;
  }
  return bad_desc(where + key, "must be TRUE or FALSE");
}

bool literal_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

Status parse_path(std::string path, ApigwRoute& r) {
  if (!path.empty() && path[0] == '=') {
    r.exact = true;
    path.erase(0, 1);
  }
  if (path.empty() || path[0] != '/' || path.size() > 1024) {
    return bad_desc("api.requestConfig.path", "must start with '/' (at most 1024 characters)");
  }
  r.path = path;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string seg = path.substr(start, end - start);
    start = end + 1;
    if (seg.empty()) {
      if (end == path.size()) break;  // trailing '/'
      return bad_desc("api.requestConfig.path", "has an empty segment ('//')");
    }
    bool param = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    std::string_view body = param ? std::string_view(seg).substr(1, seg.size() - 2) : seg;
    if (!std::all_of(body.begin(), body.end(), literal_char) || seg == "." || seg == "..") {
      return bad_desc("api.requestConfig.path",
                      "segment '" + seg + "' must be letters, digits, '-', '_', '.', '~' or {name}");
    }
    r.segments.push_back(seg);
  }
  return ok_status();
}

Status parse_rules(const Json& rules, ApigwRoute& r) {
  if (!rules.is_array()) return bad_desc("api.Base64EncodedTriggerRules", "must be a list");
  for (const auto& rule : rules) {
    if (!rule.is_object()) return bad_desc("api.Base64EncodedTriggerRules", "entries must be objects");
    Base64Rule b;
    Json name = rule.contains("name") ? rule["name"] : rule.value("Name", Json());
    Json values = rule.contains("value") ? rule["value"] : rule.value("Value", Json());
    if (!name.is_string()) return bad_desc("api.Base64EncodedTriggerRules.name", "is required");
    b.header = name.get<std::string>();
    std::string lower = b.header;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower != "content-type" && lower != "accept") {
      return bad_desc("api.Base64EncodedTriggerRules.name", "must be Content-Type or Accept");
    }
    if (!values.is_array() || values.empty()) {
      return bad_desc("api.Base64EncodedTriggerRules.value", "must be a non-empty list");
    }
    for (const auto& v : values) {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return bad_desc("api.Base64EncodedTriggerRules.value", "entries must be media types");
      }
      b.values.push_back(v.get<std::string>());
    }
    r.base64_rules.push_back(std::move(b));
  }
  return ok_status();
}

// "image/*" matches "image/png"; parameters (";charset=...") are ignored.
bool media_matches(const std::string& pattern, std::string value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.pop_back();
  std::transform(value.begin(), value.end(), value.begin(), ::tolower);
  std::string p = pattern;
  std::transform(p.begin(), p.end(), p.begin(), ::tolower);
  if (p == "*/*" || p == value) return true;
  if (p.size() > 2 && p.ends_with("/*")) return value.starts_with(p.substr(0, p.size() - 1));
  return false;
}

const char* tf(bool b) { return b ? "TRUE" : "FALSE"; }

}  // namespace

Result<ApigwRoute> parse_apigw_desc(const std::string& desc) {
  ApigwRoute r;
  r.segments.clear();
  Json j = desc.empty() ? Json::object() : Json::parse(desc, nullptr, false);
  if (!j.is_object()) return bad_desc("", "must be a JSON object (see docs/gateway.md)");
  Json api = j.value("api", Json::object());
  if (!api.is_object()) return bad_desc("api", "must be an object");
  Json request = api.value("requestConfig", Json::object());
  if (!request.is_object()) return bad_desc("api.requestConfig", "must be an object");

  Json method = request.value("method", Json("ANY"));
  if (!method.is_string()) return bad_desc("api.requestConfig.method", "must be a string");
  r.method = method.get<std::string>();
  std::transform(r.method.begin(), r.method.end(), r.method.begin(), ::toupper);
  static const char* kMethods[] = {"ANY", "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"};
  if (std::find(std::begin(kMethods), std::end(kMethods), r.method) == std::end(kMethods)) {
    return bad_desc("api.requestConfig.method",
                    "must be ANY, GET, POST, PUT, DELETE, HEAD, PATCH or OPTIONS");
  }
  Json path = request.value("path", Json("/"));
  if (!path.is_string()) return bad_desc("api.requestConfig.path", "must be a string");
  YUNFN_TRY_STATUS(parse_path(path.get<std::string>(), r));

  YUNFN_TRY(auth, flag(api, "authRequired", false, "api."));
  if (auth) return bad_desc("api.authRequired", "must be FALSE: gateway app authentication is not available");
  YUNFN_TRY(integrated, flag(api, "isIntegratedResponse", true, "api."));
  YUNFN_TRY(b64, flag(api, "IsBase64Encoded", false, "api."));
  YUNFN_TRY(b64_rule, flag(api, "IsBase64Trigger", false, "api."));
  YUNFN_TRY(cors, flag(api, "enableCORS", false, "api."));
  r.integrated_response = integrated;
  r.base64_all = b64;
  r.base64_by_rule = b64_rule;
  r.cors = cors;
  if (api.contains("Base64EncodedTriggerRules")) {
    YUNFN_TRY_STATUS(parse_rules(api["Base64EncodedTriggerRules"], r));
  }
  if (r.base64_by_rule && r.base64_rules.empty()) {
    return bad_desc("api.Base64EncodedTriggerRules", "must list rules when IsBase64Trigger is TRUE");
  }
  if (api.contains("serviceTimeout")) {
    const Json& t = api["serviceTimeout"];
    if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > 1800) {
      return bad_desc("api.serviceTimeout", "must be an integer number of seconds from 1 to 1800");
    }
    r.service_timeout_s = t.get<int>();
  }
  Json release = j.value("release", Json::object());
  if (release.is_object() && release.contains("environmentName")) {
    if (!release["environmentName"].is_string()) return bad_desc("release.environmentName", "must be a string");
    r.environment = release["environmentName"].get<std::string>();
    if (r.environment != "release" && r.environment != "test" && r.environment != "prepub") {
      return bad_desc("release.environmentName", "must be release, test or prepub");
    }
  }
  Json service = j.value("service", Json::object());
  if (service.is_object() && service.contains("serviceName") && service["serviceName"].is_string()) {
    r.service_name = service["serviceName"].get<std::string>();
  }
  return r;
}

Json apigw_desc_json(const ApigwRoute& r) {
  Json rules = Json::array();
  for (const auto& b : r.base64_rules) rules.push_back({{"name", b.header}, {"value", b.values}});
  return {{"api",
           {{"authRequired", "FALSE"},
            {"requestConfig", {{"method", r.method}, {"path", (r.exact ? "=" : "") + r.path}}},
            {"isIntegratedResponse", tf(r.integrated_response)},
            {"IsBase64Encoded", tf(r.base64_all)},
            {"IsBase64Trigger", tf(r.base64_by_rule)},
            {"Base64EncodedTriggerRules", rules},
            {"enableCORS", tf(r.cors)},
            {"serviceTimeout", r.service_timeout_s}}},
          {"service", {{"serviceName", r.service_name}}},
          {"release", {{"environmentName", r.environment}}}};
}

bool wants_base64(const ApigwRoute& route, const std::string& content_type,
                  const std::string& accept) {
  if (route.base64_all) return true;
  if (!route.base64_by_rule) return false;
  for (const auto& rule : route.base64_rules) {
    bool is_accept = rule.header.size() == 6;  // "Accept" (checked at parse)
    const std::string& value = is_accept ? accept : content_type;
    // A header may list several types ("text/html, image/webp").
    size_t start = 0;
    while (start <= value.size()) {
      size_t end = std::min(value.find(',', start), value.size());
      std::string one = value.substr(start, end - start);
      one.erase(0, one.find_first_not_of(' '));
      for (const auto& pattern : rule.values) {
        if (!one.empty() && media_matches(pattern, one)) return true;
      }
      start = end + 1;
    }
  }
  return false;
}

}  // namespace yunfn::gateway
