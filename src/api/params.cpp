#include "api/params.h"

namespace yunfn::api {

// SCF names the code after the parameter: the one kind of code not in the list.
Error invalid_value(const std::string& field, const std::string& why) {
  return Error{"InvalidParameterValue." + field, field + " " + why};
}

Result<std::string> Params::required_string(const char* field) const {
  if (!has(field)) return make_error(errc::kMissingParameter, std::string(field) + " is required");
  return string(field);
}

Result<std::string> Params::string(const char* field, std::string fallback) const {
  if (!has(field)) return fallback;
  if (!j_[field].is_string()) return invalid_value(field, "must be a string");
  return j_[field].get<std::string>();
}

Result<int> Params::integer(const char* field, int fallback) const {
  if (!has(field)) return fallback;
  const Json& v = j_[field];
  if (v.is_number_integer()) {
    auto n = v.get<int64_t>();
    if (n < INT32_MIN || n > INT32_MAX) return invalid_value(field, "is out of range");
    return static_cast<int>(n);
  }
  // Some clients send numbers as strings (e.g. ListAliases Offset/Limit).
  if (v.is_string()) {
    try {
      size_t used = 0;
      int n = std::stoi(v.get<std::string>(), &used);
      if (used == v.get<std::string>().size()) return n;
    } catch (...) {  // NOLINT(bugprone-empty-catch): reported below
    }
  }
  return invalid_value(field, "must be an integer");
}

Result<bool> Params::flag(const char* field, bool fallback) const {
  if (!has(field)) return fallback;
  const Json& v = j_[field];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "TRUE" || s == "true") return true;
    if (s == "FALSE" || s == "false" || s.empty()) return false;
  }
  return invalid_value(field, "must be \"TRUE\" or \"FALSE\"");
}

Result<std::vector<std::pair<std::string, std::string>>> Params::variables(
    const char* field) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!has(field)) return out;
  const Json& env = j_[field];
  if (!env.is_object()) return invalid_value(field, "must be an object with Variables");
  if (!env.contains("Variables") || env["Variables"].is_null()) return out;
  if (!env["Variables"].is_array()) return invalid_value(field, "Variables must be a list");
  for (const auto& item : env["Variables"]) {
    if (!item.is_object() || !item.contains("Key") || !item["Key"].is_string() ||
        (item.contains("Value") && !item["Value"].is_string())) {
      return invalid_value(field, "Variables items must be {\"Key\": string, \"Value\": string}");
    }
    out.emplace_back(item["Key"].get<std::string>(), item.value("Value", ""));
  }
  return out;
}

Result<Json> Params::object(const char* field) const {
  if (!has(field)) return Json::object();
  if (!j_[field].is_object()) return invalid_value(field, "must be an object");
  return j_[field];
}

}  // namespace yunfn::api
