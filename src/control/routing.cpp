#include "control/routing.h"

#include <cstdio>

namespace yunfn::control {
namespace {

const char* kWeights = "AdditionalVersionWeights";
const char* kMatches = "AddtionVersionMatchs";  // SCF's wire spelling

Error routing_error(const std::string& why) {
  return make_error(errc::kInvalidParameterValueRoutingConfig, "RoutingConfig " + why);
}

bool parse_range(const std::string& e, bool* lo_open, long long* lo, long long* hi,
                 bool* hi_open) {
  if (e.size() < 5) return false;
  char open = e.front(), close = e.back();
  if ((open != '[' && open != '(') || (close != ']' && close != ')')) return false;
  char tail = 0;
  if (std::sscanf(e.substr(1, e.size() - 2).c_str(), "%lld,%lld%c", lo, hi, &tail) != 2) {
    return false;
  }
  *lo_open = open == '(';
  *hi_open = close == ')';
  return *lo <= *hi;
}

bool rule_matches(const Json& rule, const Json& routing_key) {
  std::string key = rule.value("Key", "");
  const std::string prefix = "invoke.headers.";
  if (key.rfind(prefix, 0) == 0) key = key.substr(prefix.size());
  if (!routing_key.is_object() || !routing_key.contains(key) || !routing_key[key].is_string()) {
    return false;
  }
  std::string value = routing_key[key].get<std::string>();
  std::string method = rule.value("Method", "");
  std::string expr = rule.value("Expression", "");
  if (method == "exact") return value == expr;
  bool lo_open = false, hi_open = false;
  long long lo = 0, hi = 0, v = 0;
  char tail = 0;
  if (!parse_range(expr, &lo_open, &lo, &hi, &hi_open)) return false;
  if (std::sscanf(value.c_str(), "%lld%c", &v, &tail) != 1) return false;
  return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
}

}  // namespace

Status check_routing_config(const Json& routing, const std::string& main_version) {
  if (routing.is_null()) return ok_status();
  if (!routing.is_object()) return routing_error("must be an object");
  bool has_weights = routing.contains(kWeights) && !routing[kWeights].is_null() &&
                     !routing[kWeights].empty();
  bool has_matches = routing.contains(kMatches) && !routing[kMatches].is_null() &&
                     !routing[kMatches].empty();
  if (has_weights && has_matches) {
    return routing_error("cannot have both AdditionalVersionWeights and AddtionVersionMatchs");
  }
  if (has_weights) {
    const Json& w = routing[kWeights];
    if (!w.is_array() || w.size() != 1) {
      return make_error(errc::kInvalidParameterValueAdditionalVersionWeights,
                        "AdditionalVersionWeights must hold exactly one version");
    }
    const Json& item = w[0];
    if (!item.is_object() || !item.contains("Version") || !item["Version"].is_string() ||
        !item.contains("Weight") || !item["Weight"].is_number()) {
      return make_error(errc::kInvalidParameterValueAdditionalVersionWeights,
                        "AdditionalVersionWeights items are {Version: string, Weight: number}");
    }
    double weight = item["Weight"].get<double>();
    if (weight < 0 || weight > 1) {
      return make_error(errc::kInvalidParameterValueAdditionalVersionWeights,
                        "AdditionalVersionWeights Weight must be between 0 and 1 (the share of "
                        "the additional version)");
    }
    if (item["Version"].get<std::string>() == main_version) {
      return make_error(errc::kInvalidParameterValueAdditionalVersionWeights,
                        "AdditionalVersionWeights must name a version other than FunctionVersion");
    }
  }
  if (has_matches) {
    const Json& m = routing[kMatches];
    if (!m.is_array()) return routing_error("AddtionVersionMatchs must be a list");
    std::string version;
    for (const auto& rule : m) {
      if (!rule.is_object() || !rule.contains("Version") || !rule["Version"].is_string() ||
          !rule.contains("Key") || !rule["Key"].is_string() || !rule.contains("Method") ||
          !rule.contains("Expression") || !rule["Expression"].is_string()) {
        return routing_error("AddtionVersionMatchs items are {Version, Key, Method, Expression}");
      }
      std::string v = rule["Version"].get<std::string>();
      if (!version.empty() && v != version) {
        return routing_error("may route to at most one additional version");
      }
      version = v;
      if (v == main_version) return routing_error("additional version must differ from FunctionVersion");
      std::string method = rule.value("Method", "");
      std::string expr = rule["Expression"].get<std::string>();
      bool a = false, b = false;
      long long lo = 0, hi = 0;
      if (method == "range" && !parse_range(expr, &a, &lo, &hi, &b)) {
        return routing_error("range Expression must be [a,b] or (a,b) with integers a <= b");
      }
      if (method != "exact" && method != "range") {
        return routing_error("Method must be exact or range");
      }
    }
  }
  return ok_status();
}

std::string additional_version(const Json& routing) {
  if (!routing.is_object()) return "";
  for (const char* field : {kWeights, kMatches}) {
    if (routing.contains(field) && routing[field].is_array() && !routing[field].empty()) {
      return routing[field][0].value("Version", "");
    }
  }
  return "";
}

std::string pick_version(const std::string& main_version, const Json& routing,
                         const Json& routing_key, double random01) {
  if (!routing.is_object()) return main_version;
  if (routing.contains(kWeights) && routing[kWeights].is_array() && !routing[kWeights].empty()) {
    const Json& item = routing[kWeights][0];
    return random01 < item.value("Weight", 0.0) ? item.value("Version", main_version)
                                                 : main_version;
  }
  if (routing.contains(kMatches) && routing[kMatches].is_array()) {
    for (const auto& rule : routing[kMatches]) {
      if (rule_matches(rule, routing_key)) return rule.value("Version", main_version);
    }
  }
  return main_version;
}

}  // namespace yunfn::control
