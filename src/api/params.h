// Reading SCF action parameters from the request JSON with the SCF errors:
// a missing required field is MissingParameter, a field of the wrong type is
// InvalidParameterValue.<Field>. Pure; any thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace yunfn::api {

class Params {
 public:
  explicit Params(const Json& j) : j_(j) {}

  bool has(const char* field) const { return j_.contains(field) && !j_[field].is_null(); }
  const Json& raw() const { return j_; }

  Result<std::string> required_string(const char* field) const;
  Result<std::string> string(const char* field, std::string fallback = "") const;
  Result<int> integer(const char* field, int fallback) const;
  // SCF "TRUE"/"FALSE" strings (also real booleans).
  Result<bool> flag(const char* field, bool fallback) const;
  // `Environment.Variables` style lists of {Key, Value}.
  Result<std::vector<std::pair<std::string, std::string>>> variables(const char* field) const;
  // A nested object; an empty object when absent.
  Result<Json> object(const char* field) const;

 private:
  const Json& j_;
};

Error invalid_value(const std::string& field, const std::string& why);

}  // namespace yunfn::api
