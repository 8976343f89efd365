#include "server/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/crypto.h"
#include "common/json.h"

namespace yunfn::server {

std::optional<SecretPair> credentials_from_env() {
  const char* id = std::getenv("YUNFN_SECRET_ID");
  const char* key = std::getenv("YUNFN_SECRET_KEY");
  if (!id || !key || !*id || !*key) return std::nullopt;
  return SecretPair{id, key};
}

namespace {
constexpr std::string_view kFunctionKeyPrefix = "AKIDfn";
}  // namespace

SecretPair function_credentials(const SecretPair& server, const std::string& ns,
                                const std::string& function) {
  std::string id = std::string(kFunctionKeyPrefix) + crypto::sha256_hex(ns + "/" + function).substr(0, 30);
  return {id, *function_secret(server, id)};
}

std::optional<std::string> function_secret(const SecretPair& server, const std::string& secret_id) {
  if (!secret_id.starts_with(kFunctionKeyPrefix) || secret_id.size() != kFunctionKeyPrefix.size() + 30) {
    return std::nullopt;
  }
  return crypto::hex(crypto::hmac_sha256(server.secret_key, "function-key/" + secret_id)).substr(0, 40);
}

std::optional<SecretPair> read_credentials(const std::filesystem::path& data_dir) {
  std::ifstream f(data_dir / "credentials");
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = Json::parse(ss.str(), nullptr, false);
  if (!j.is_object() || !j.contains("SecretId") || !j.contains("SecretKey")) return std::nullopt;
  return SecretPair{j["SecretId"].get<std::string>(), j["SecretKey"].get<std::string>()};
}

SecretPair load_or_create_credentials(const std::filesystem::path& data_dir, bool* generated) {
  *generated = false;
  if (auto env = credentials_from_env()) return *env;
  if (auto stored = read_credentials(data_dir)) return *stored;
  SecretPair pair{"AKID" + crypto::hex(crypto::random_bytes(16)),
                  crypto::hex(crypto::random_bytes(20))};
  auto path = data_dir / "credentials";
  auto tmp = data_dir / "credentials.tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << Json{{"SecretId", pair.secret_id}, {"SecretKey", pair.secret_key}}.dump() << "\n";
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path);
  *generated = true;
  return pair;
}

}  // namespace yunfn::server
