// ApigwRoute: what one `apigw` trigger asks of the gateway (method, path,
// integration response, base64 rules, CORS, backend timeout), read from and
// normalised back into SCF's TriggerDesc JSON (docs/gateway.md). Pure; any thread.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace yunfn::gateway {

struct Base64Rule {
  std::string header;               // "Content-Type" or "Accept"
  std::vector<std::string> values;  // media types, "image/*" style wildcards allowed
};

struct ApigwRoute {
  std::string method = "ANY";
  std::string path = "/";              // as configured, without the exact-match '='
  std::vector<std::string> segments;   // path split on '/', "{name}" for parameters
  bool exact = false;                  // "=/path": only that path, not below it
  bool integrated_response = true;
  bool base64_all = false;
  bool base64_by_rule = false;
  std::vector<Base64Rule> base64_rules;
  bool cors = false;
  int service_timeout_s = 15;
  std::string environment = "release";
  std::string service_name;
};

// Reads a TriggerDesc (empty = every default). Errors name the field
// (InvalidParameterValue.TriggerDesc).
Result<ApigwRoute> parse_apigw_desc(const std::string& desc);
// The normalised TriggerDesc of a route (every field filled in).
Json apigw_desc_json(const ApigwRoute& route);

// Whether a request with these headers gets its body base64-encoded.
bool wants_base64(const ApigwRoute& route, const std::string& content_type,
                  const std::string& accept);

}  // namespace yunfn::gateway
