// ApiClient: a blocking TencentCloud API v3 client for the CLI: signs each
// action with TC3-HMAC-SHA256 and returns the Response object or its error.
// One per CLI run; single-threaded.
#pragma once

#include <string>

#include "common/json.h"
#include "common/result.h"

namespace yunfn::cli {

struct Endpoint {
  std::string host = "127.0.0.1";
  std::string port = "9001";
  bool tls = false;  // https://: the server's certificate is verified against the
                     // system's CAs, or the PEM file named by $YUNFN_CA_FILE
};

// Parses [http://|https://]HOST:PORT.
Result<Endpoint> parse_endpoint(std::string text);

class ApiClient {
 public:
  ApiClient(Endpoint endpoint, std::string secret_id, std::string secret_key);
  // Calls an action; the Response object on success, its Error otherwise
  // (connection failures are InternalError with the reason).
  Result<Json> call(const std::string& action, const Json& params) const;

 private:
  Endpoint endpoint_;
  std::string secret_id_;
  std::string secret_key_;
};

}  // namespace yunfn::cli
