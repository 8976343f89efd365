#include "cli/cli_common.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/json.h"

namespace yunfn::cli {

int fail(const Error& e) {
  std::cerr << "yunfn: " << e.code << ": " << e.message << "\n";
  return 1;
}

Result<Keys> find_keys(const Globals& g) {
  const char* id = std::getenv("YUNFN_SECRET_ID");
  const char* key = std::getenv("YUNFN_SECRET_KEY");
  if (id && key && *id && *key) return Keys{id, key};
  std::ifstream f(std::filesystem::path(g.data_dir) / "credentials");
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = Json::parse(ss.str(), nullptr, false);
  if (!f || !j.is_object() || !j.contains("SecretId")) {
    return make_error(errc::kAuthFailure, "no API keys: set YUNFN_SECRET_ID/YUNFN_SECRET_KEY or pass "
                                     "--data-dir of the server");
  }
  return Keys{j["SecretId"].get<std::string>(), j["SecretKey"].get<std::string>()};
}

Result<ApiClient> make_client(const Globals& g) {
  std::string ep = g.endpoint;
  if (ep.empty()) {
    const char* env = std::getenv("YUNFN_ENDPOINT");
    ep = env && *env ? env : "127.0.0.1:9001";
  }
  YUNFN_TRY(endpoint, parse_endpoint(ep));
  YUNFN_TRY(keys, find_keys(g));
  return ApiClient(endpoint, keys.secret_id, keys.secret_key);
}

}  // namespace yunfn::cli
